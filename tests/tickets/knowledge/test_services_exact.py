"""Knowledge-base services, exactly: who writes and who arranges (a role table), each refusal's
field and message, what an update writes (fields, version, history) and how votes move the counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from agents.models import Role
from config.exceptions import ApplicationError
from tickets.knowledge import services
from tickets.knowledge.models import Article, ArticleVersion, KBCategory, Section

pytestmark = pytest.mark.django_db

WRITE = "Only agents write knowledge-base articles."
ARRANGE = "Only admins and senior agents arrange knowledge-base categories and sections."


@pytest.fixture
def writer(make_agent):
    return make_agent(Role.AGENT, name="Kim Writer").user


def _actor(role, make_agent, customer_a):
    return customer_a.user if role == "customer" else make_agent(role).user


@pytest.mark.parametrize(
    ("role", "writes", "arranges"),
    [
        (Role.ADMIN, True, True),
        (Role.SENIOR_AGENT, True, True),
        (Role.AGENT, True, False),
        (Role.VIEWER, False, False),
        ("customer", False, False),
    ],
)
def test_who_writes_and_who_arranges(section, make_agent, customer_a, role, writes, arranges):
    actor = _actor(role, make_agent, customer_a)
    data = {"title": "Refunds", "body": "How refunds work.", "section": section}
    if writes:
        assert services.article_create(actor=actor, data=data).title == "Refunds"
    else:
        with pytest.raises(ApplicationError) as caught:
            services.article_create(actor=actor, data=data)
        assert (caught.value.message, caught.value.code, caught.value.http_status) == (WRITE, "forbidden", 403)
    category = KBCategory(name="Shipping Rules")
    if arranges:
        assert services.kb_category_save(actor=actor, category=category).slug == "shipping-rules"
        assert services.section_save(actor=actor, section=Section(category=category, name="Late Parcels")).slug == (
            "late-parcels"
        )
    else:
        for call in (
            lambda: services.kb_category_save(actor=actor, category=category),
            lambda: services.section_save(actor=actor, section=Section(category=section.category, name="X")),
        ):
            with pytest.raises(ApplicationError) as caught:
                call()
            assert (caught.value.message, caught.value.code, caught.value.http_status) == (
                ARRANGE,
                "forbidden",
                403,
            )


def test_nobody_signed_in_writes_nothing(section):
    with pytest.raises(ApplicationError) as caught:
        services.article_create(actor=None, data={"title": "T", "body": "B", "section": section})
    assert caught.value.message == WRITE


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        pytest.param({"title": "   "}, {"title": ["This field may not be blank."]}, id="blank-title"),
        pytest.param({"title": None}, {"title": ["This field may not be blank."]}, id="no-title"),
        pytest.param({"title": "x" * 201}, {"title": ["At most 200 characters."]}, id="201-characters"),
        pytest.param({"body": " \r\n "}, {"body": ["This field may not be blank."]}, id="blank-body"),
        pytest.param({"status": "live"}, {"status": ["Choose one of: draft, published."]}, id="status"),
        pytest.param({"visibility": "all"}, {"visibility": ["Choose one of: public, internal."]}, id="visibility"),
        pytest.param({"section": 1}, {"section": ["Choose a section."]}, id="section-as-id"),
        pytest.param({"slug": "!!!"}, {"slug": ["Use letters, numbers or hyphens."]}, id="slug-of-nothing"),
        pytest.param({"slug": "Taken One"}, {"slug": ["Another article already uses 'taken-one'."]}, id="slug-taken"),
        pytest.param(
            {"author": 5, "version": 9},
            {"author": ["This field cannot be changed."], "version": ["This field cannot be changed."]},
            id="unknown-fields",
        ),
    ],
)
def test_an_update_refuses_naming_each_field_and_writes_nothing(make_article, writer, data, errors):
    make_article(title="Taken one")
    article = make_article(title="Refunds", body="How refunds work.")
    with pytest.raises(ValidationError) as caught:
        services.article_update(article=article, actor=writer, data=data)
    assert caught.value.message_dict == errors
    article.refresh_from_db()
    assert (article.title, article.body, article.slug, article.version) == (
        "Refunds",
        "How refunds work.",
        "refunds",
        1,
    )


def test_a_title_of_200_characters_is_accepted_squeezed(make_article, writer):
    article = make_article(title="Refunds")
    title = "  " + "word " * 39 + "abcde  "  # 39 x "word " + "abcde" = 200 characters once squeezed
    updated = services.article_update(article=article, actor=writer, data={"title": title})
    assert updated.title == "word " * 39 + "abcde"
    assert len(updated.title) == 200


def test_a_create_names_every_missing_field(writer):
    with pytest.raises(ValidationError) as caught:
        services.article_create(actor=writer, data={"title": "Refunds"})
    assert caught.value.message_dict == {"body": ["This field is required."], "section": ["This field is required."]}


@freeze_time("2026-11-20 10:00:00")
def test_an_update_of_the_body_is_a_new_version_with_history(make_article, writer):
    article = make_article(title="Refunds", body="Old text.", status="draft")
    updated = services.article_update(
        article=article, actor=writer, data={"body": "New\r\ntext.", "status": "published"}, note="Rewritten"
    )
    assert (updated.body, updated.version, updated.status, updated.published_at) == (
        "New\ntext.",
        2,
        "published",
        datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    )
    assert updated.body_html == "<p>New\ntext.</p>"
    assert list(
        ArticleVersion.objects.filter(article=article)
        .order_by("number")
        .values_list("number", "title", "body", "note", "created_by")
    ) == [
        (1, "Refunds", "Old text.", "Created", article.author_id),
        (2, "Refunds", "New\ntext.", "Rewritten", writer.pk),
    ]


def test_a_change_of_status_or_visibility_only_is_no_new_version(make_article, writer):
    article = make_article(title="Refunds", status="published")
    published_at = article.published_at
    updated = services.article_update(article=article, actor=writer, data={"visibility": "internal", "status": "draft"})
    assert (updated.version, updated.visibility, updated.status) == (1, "internal", "draft")
    again = services.article_update(article=updated, actor=writer, data={"status": "published"})
    assert again.published_at == published_at  # published once: the first date stays
    assert ArticleVersion.objects.filter(article=article).count() == 1


def test_saving_without_changes_writes_nothing(make_article, writer):
    article = make_article(title="Refunds", body="Same.")
    Article.objects.filter(pk=article.pk).update(body_html="<p>as rendered then</p>")
    same = services.article_update(article=article, actor=writer, data={"title": " Refunds ", "body": "Same."})
    assert same.version == 1
    assert Article.objects.get(pk=article.pk).body_html == "<p>as rendered then</p>"
    assert ArticleVersion.objects.filter(article=article).count() == 1


def test_a_restore_brings_back_an_old_version_as_a_new_one(make_article, writer):
    article = make_article(title="Refunds", body="First.")
    services.article_update(article=article, actor=writer, data={"title": "Refunds 2", "body": "Second."})
    restored = services.article_restore(article=article, actor=writer, number=1)
    assert (restored.title, restored.body, restored.version) == ("Refunds", "First.", 3)
    assert ArticleVersion.objects.get(article=article, number=3).note == "Restored version 1"
    with pytest.raises(ValidationError) as caught:
        services.article_restore(article=article, actor=writer, number=7)
    assert caught.value.message_dict == {"version": ["This article has no version 7."]}


def _counts(article: Article) -> tuple[int, int]:
    article.refresh_from_db()
    return article.helpful_yes, article.helpful_no


def test_votes_move_the_counts_once_per_voter(make_article):
    article = make_article(title="Refunds")
    services.article_vote(article=article, voter="s:1", helpful=True)
    services.article_vote(article=article, voter="s:2", helpful=False)
    assert _counts(article) == (1, 1)
    services.article_vote(article=article, voter="s:1", helpful=True)  # the same answer again
    assert _counts(article) == (1, 1)
    services.article_vote(article=article, voter="s:1", helpful=False)  # changes their mind
    assert _counts(article) == (0, 2)
    services.article_vote(article=article, voter="s:2", helpful=True)
    assert _counts(article) == (1, 1)
    with pytest.raises(ValidationError) as caught:
        services.article_vote(article=article, voter="", helpful=True)
    assert caught.value.message_dict == {"voter": ["Sign in or enable cookies to vote."]}
    assert _counts(article) == (1, 1)
