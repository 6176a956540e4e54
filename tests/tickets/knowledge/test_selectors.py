"""Who sees which article, and search: ranked on PostgreSQL (title before body), icontains on
SQLite; drafts and internal articles never in public results."""

from __future__ import annotations

import pytest
from django.db import connection

from tickets.knowledge import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(make_article):
    return {
        "public": make_article(title="Reset your password", body="Use the reset link."),
        "draft": make_article(title="Password policy draft", body="password rules", status="draft"),
        "internal": make_article(title="Password override for agents", body="password tool", visibility="internal"),
        "body-only": make_article(title="Account security", body="Change your password every year."),
    }


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        pytest.param("anonymous", {"public", "body-only"}, id="anonymous"),
        pytest.param("customer", {"public", "body-only"}, id="customer"),
        pytest.param("agent", {"public", "body-only", "internal"}, id="agent"),
    ],
)
def test_visibility(library, customer_a, agent, reader, expected):
    user = {"anonymous": None, "customer": customer_a.user, "agent": agent.user}[reader]
    names = {name for name, a in library.items() if a in selectors.article_visible_to(user)}
    assert names == expected


def test_agents_see_drafts_only_when_asked(library, agent):
    assert library["draft"] not in selectors.article_visible_to(agent.user)
    assert library["draft"] in selectors.article_visible_to(agent.user, include_drafts=True)
    assert selectors.article_get(user=None, slug=library["draft"].slug) is None
    assert selectors.article_get(user=None, slug=library["internal"].slug) is None


def test_public_search_never_returns_drafts_or_internal_articles(library):
    found = list(selectors.article_search(selectors.article_visible_to(None), "password"))
    assert set(found) == {library["public"], library["body-only"]}


@pytest.mark.postgres(reason="ranked full-text search")
def test_search_ranks_title_matches_before_body_matches(library, agent):
    found = list(selectors.article_search(selectors.article_visible_to(agent.user), "password"))
    assert found == [library["internal"], library["public"], library["body-only"]]
    # stemming: "passwords" finds "password"
    assert library["public"] in selectors.article_search(selectors.article_visible_to(None), "passwords")


@pytest.mark.postgres(reason="the GIN expression index")
def test_search_uses_the_gin_index(library):
    from django.db.models import Q

    from tickets.knowledge.models import Article

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = (
            Article.objects.alias(search=selectors.article_search_vector())
            .filter(Q(search=selectors.SearchQuery("password", config="english", search_type="websearch")))
            .explain()
        )
        cursor.execute("SET enable_seqscan = on")
    assert "kb_article_search_gin" in plan


def test_suggestions_need_three_characters_and_match_any_word(library, customer_a):
    assert selectors.article_suggest(user=customer_a.user, term="pa") == []
    found = selectors.article_suggest(user=customer_a.user, term="forgot password")
    assert set(found) == {library["public"], library["body-only"]}
    assert library["public"] in selectors.article_suggest(user=customer_a.user, term="password")


def test_home_lists_categories_sections_and_visible_articles_in_three_queries(library, django_assert_num_queries):
    with django_assert_num_queries(3):
        categories = list(selectors.kb_home(user=None))
        titles = [a.title for c in categories for s in c.sections.all() for a in s.visible_articles]
    assert titles == ["Account security", "Reset your password"]
