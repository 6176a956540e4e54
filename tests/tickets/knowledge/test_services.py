"""Knowledge-base writes: who may write, versions on every text change, restore, votes once per person."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from agents.models import Role
from config.exceptions import ApplicationError
from tickets.knowledge import services
from tickets.knowledge.models import Article, ArticleVote

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "may_write", "may_delete"),
    [
        pytest.param(Role.VIEWER, False, False, id="viewer"),
        pytest.param(Role.AGENT, True, False, id="agent"),
        pytest.param(Role.SENIOR_AGENT, True, True, id="senior-agent"),
        pytest.param(Role.ADMIN, True, True, id="admin"),
    ],
)
def test_who_writes_and_deletes_articles(make_agent, section, role, may_write, may_delete):
    actor = make_agent(role).user
    data = {"title": "Refunds", "body": "How refunds work.", "section": section}
    if not may_write:
        with pytest.raises(ApplicationError):
            services.article_create(actor=actor, data=data)
        return
    article = services.article_create(actor=actor, data=data)
    if may_delete:
        services.article_delete(article=article, actor=actor)
        assert not Article.objects.filter(pk=article.pk).exists()
    else:
        with pytest.raises(ApplicationError):
            services.article_delete(article=article, actor=actor)


def test_customers_cannot_write(customer_a, section):
    with pytest.raises(ApplicationError):
        services.article_create(actor=customer_a.user, data={"title": "x", "body": "y", "section": section})


def test_create_renders_the_body_slugs_the_title_and_records_version_one(make_article):
    article = make_article(title="Change your  billing address", body="Go to **Settings**.")
    assert article.slug == "change-your-billing-address"
    assert article.title == "Change your billing address"
    assert article.body_html == "<p>Go to <strong>Settings</strong>.</p>"
    assert article.published_at is not None
    assert list(article.versions.values_list("number", "title", "note")) == [
        (1, "Change your billing address", "Created")
    ]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        pytest.param({"title": " ", "body": "x"}, {"title": ["This field may not be blank."]}, id="blank-title"),
        pytest.param({"title": "x", "body": "  "}, {"body": ["This field may not be blank."]}, id="blank-body"),
        pytest.param(
            {"title": "x", "body": "y", "status": "live"},
            {"status": ["Choose one of: draft, published."]},
            id="bad-status",
        ),
        pytest.param(
            {"title": "x", "body": "y", "visibility": "secret"},
            {"visibility": ["Choose one of: public, internal."]},
            id="bad-visibility",
        ),
        pytest.param(
            {"title": "x", "body": "y", "slug": "!!!"}, {"slug": ["Use letters, numbers or hyphens."]}, id="bad-slug"
        ),
    ],
)
def test_bad_articles_are_refused_naming_the_field(agent, section, data, errors):
    with pytest.raises(ValidationError) as exc:
        services.article_create(actor=agent.user, data={**data, "section": section})
    assert exc.value.message_dict == errors
    assert Article.objects.count() == 0


def test_a_taken_slug_is_refused(make_article, agent, section):
    make_article(title="Refunds")
    with pytest.raises(ValidationError) as exc:
        services.article_create(actor=agent.user, data={"title": "Refunds", "body": "y", "section": section})
    assert exc.value.message_dict == {"slug": ["Another article already uses 'refunds'."]}


def test_text_changes_are_versions_and_restore_brings_one_back(make_article, agent):
    article = make_article(title="Refunds", body="Old text.")
    article = services.article_update(article=article, actor=agent.user, data={"body": "New text."})
    article = services.article_update(article=article, actor=agent.user, data={"status": "draft"})
    assert article.version == 2  # a status change is no new version
    article = services.article_restore(article=article, actor=agent.user, number=1)
    assert (article.version, article.body, article.body_html) == (3, "Old text.", "<p>Old text.</p>")
    assert list(article.versions.values_list("number", "body", "note")) == [
        (3, "Old text.", "Restored version 1"),
        (2, "New text.", ""),
        (1, "Old text.", "Created"),
    ]


def test_saving_without_changes_writes_nothing(make_article, agent):
    article = make_article(title="Refunds", body="Text.")
    same = services.article_update(article=article, actor=agent.user, data={"title": "Refunds", "body": "Text."})
    assert same.version == 1
    assert same.versions.count() == 1


def test_restoring_a_missing_version_names_it(make_article, agent):
    article = make_article(title="Refunds")
    with pytest.raises(ValidationError) as exc:
        services.article_restore(article=article, actor=agent.user, number=7)
    assert exc.value.message_dict == {"version": ["This article has no version 7."]}


def test_a_vote_counts_once_per_person_and_can_change(make_article):
    article = make_article(title="Refunds")
    services.article_vote(article=article, voter="user:1", helpful=True)
    services.article_vote(article=article, voter="user:1", helpful=True)
    services.article_vote(article=article, voter="session:abc", helpful=True)
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (2, 0)
    services.article_vote(article=article, voter="user:1", helpful=False)
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 1)
    assert ArticleVote.objects.filter(article=article).count() == 2


def test_views_are_counted(make_article):
    article = make_article(title="Refunds")
    services.article_view_record(article=article)
    services.article_view_record(article=article)
    article.refresh_from_db()
    assert article.view_count == 2
