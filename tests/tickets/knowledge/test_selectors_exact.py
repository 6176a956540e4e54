"""tickets/knowledge/selectors.py, value by value: which reader gets which article by slug, the
home page's sections and articles in order, the most viewed, and search and suggestions in order,
both the ranked PostgreSQL search and the `icontains` one other databases use (forced here with
`other_database`, so it is checked on PostgreSQL too)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection

from tickets.knowledge import selectors
from tickets.knowledge.models import Article, Section

pytestmark = pytest.mark.django_db


def titles(articles) -> list[str]:
    return [a.title for a in articles]


@pytest.fixture
def other_database(monkeypatch):
    """The search of a database other than PostgreSQL (`icontains`, by title), whatever this one is."""
    monkeypatch.setattr(selectors, "connection", SimpleNamespace(vendor="sqlite"))


def twins(make_article, title: str, body: str) -> tuple[Article, Article]:
    """Two articles alike in title and body, the first stored last (PostgreSQL returns rows in the
    order they were written): only the id in an ordering puts the first one first."""
    first = make_article(title=title, body=body, slug=f"{title}-1")
    second = make_article(title=title, body=body, slug=f"{title}-2")
    Article.objects.filter(pk=first.pk).update(body=body)
    return first, second


# --- one article by slug, the home page, the most viewed -----------------------------------------


@pytest.fixture
def shelf(make_article):
    return {
        "public": make_article(title="Paying by card", body="Card payments."),
        "draft": make_article(title="Unpublished", body="Work in progress.", status="draft"),
        "internal": make_article(title="Manual refund tool", body="Agents only.", visibility="internal"),
    }


@pytest.mark.parametrize(
    ("reader", "found"),
    [
        pytest.param("anonymous", {"public"}, id="anonymous"),
        pytest.param("customer", {"public"}, id="customer"),
        pytest.param("agent", {"public", "draft", "internal"}, id="agent"),
    ],
)
def test_article_get_by_reader(shelf, customer_a, agent, reader, found):
    user = {"anonymous": None, "customer": customer_a.user, "agent": agent.user}[reader]
    got = {name for name, article in shelf.items() if selectors.article_get(user=user, slug=article.slug) == article}
    assert got == found
    assert selectors.article_get(user=user, slug="no-such-article") is None


def test_visible_articles_come_with_their_section_and_category(shelf, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = [(a.title, a.section.name, a.section.category.name) for a in selectors.article_visible_to(None)]
    assert rows == [("Paying by card", "Invoices", "Billing")]


def test_home_sections_by_position_then_name_with_each_readers_articles(shelf, section, agent):
    category = section.category
    Section.objects.create(category=category, name="Refunds", slug="refunds", position=2)
    Section.objects.create(category=category, name="Credits", slug="credits", position=2)
    Section.objects.create(category=category, name="Payments", slug="payments", position=1)

    def home(user):
        return [(s.name, titles(s.visible_articles)) for c in selectors.kb_home(user=user) for s in c.sections.all()]

    assert home(None) == [("Invoices", ["Paying by card"]), ("Payments", []), ("Credits", []), ("Refunds", [])]
    assert home(agent.user) == [
        ("Invoices", ["Manual refund tool", "Paying by card"]),
        ("Payments", []),
        ("Credits", []),
        ("Refunds", []),
    ]


def test_most_viewed_five_by_views_then_title(make_article, agent):
    rows = [  # title, views, visibility, status; Golf is stored before Delta
        ("Golf", 20, "public", "published"),
        ("Delta", 20, "public", "published"),
        ("Alpha", 10, "public", "published"),
        ("Bravo", 30, "public", "published"),
        ("Charlie", 20, "internal", "published"),
        ("Echo", 5, "public", "published"),
        ("Foxtrot", 0, "public", "published"),
        ("Hotel", 100, "public", "draft"),
    ]
    for title, views, visibility, status in rows:
        article = make_article(title=title, visibility=visibility, status=status)
        Article.objects.filter(pk=article.pk).update(view_count=views)

    assert titles(selectors.article_most_viewed(user=None)) == ["Bravo", "Delta", "Golf", "Alpha", "Echo"]
    assert titles(selectors.article_most_viewed(user=agent.user)) == ["Bravo", "Charlie", "Delta", "Golf", "Alpha"]
    assert titles(selectors.article_most_viewed(user=None, limit=2)) == ["Bravo", "Delta"]


# --- search --------------------------------------------------------------------------------------


@pytest.fixture
def desk_articles(make_article):
    """Stored out of alphabetical order, so that an id ordering differs from a title one."""
    return {
        "vpn": make_article(title="VPN setup", body="Connect to the office network."),
        "password": make_article(title="Reset your password", body="Use the reset link."),
        "printer": make_article(title="Printer setup", body="How to print."),
        "secret": make_article(title="Router admin", body="The vpn router.", visibility="internal"),
        "code": make_article(title="Error codes", body="Error xxxx means the link expired."),
    }


def test_no_search_term_leaves_the_articles_as_they_are(desk_articles):
    every = list(selectors.article_visible_to(None))
    for term in (None, "", "   "):
        assert list(selectors.article_search(selectors.article_visible_to(None), term)) == every


def test_other_databases_search_title_or_body_ordered_by_title(desk_articles, other_database):
    def search(term):
        return titles(selectors.article_search(selectors.article_visible_to(None), term))

    assert search("setup") == ["Printer setup", "VPN setup"]
    assert search("VPN") == ["VPN setup"]  # the title (any case); the body that says vpn is internal
    assert search("link") == ["Error codes", "Reset your password"]  # bodies
    assert search("reset") == ["Reset your password"]  # title and body: once
    assert search("nothing like it") == []


def test_other_databases_break_title_ties_by_id(make_article, other_database):
    first, second = twins(make_article, "Same title", "Same body.")
    found = selectors.article_search(selectors.article_visible_to(None), "same")
    assert [a.pk for a in found] == [first.pk, second.pk]


@pytest.mark.postgres(reason="ranked full-text search")
def test_equal_ranks_go_by_title_then_id(make_article):
    make_article(title="Password beta", body="Keep it safe.")
    make_article(title="Password alpha", body="Keep it safe.")
    first, second = twins(make_article, "Password gamma", "Keep it safe.")

    found = list(selectors.article_search(selectors.article_visible_to(None), "password"))

    assert titles(found) == ["Password alpha", "Password beta", "Password gamma", "Password gamma"]
    assert [a.pk for a in found[2:]] == [first.pk, second.pk]


@pytest.mark.postgres(reason="ranked full-text search")
def test_search_is_english_whatever_the_servers_default(make_article):
    """'passwords' finds 'password' by English stemming, even when the server's default text search
    configuration does not stem."""
    article = make_article(title="Reset your password", body="Use the reset link.")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL default_text_search_config = 'pg_catalog.simple'")
    assert list(selectors.article_search(selectors.article_visible_to(None), "passwords")) == [article]


# --- suggestions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("term", [None, "", "  ", "vp", " vp "])
def test_no_suggestion_under_three_characters(desk_articles, term):
    assert selectors.article_suggest(user=None, term=term) == []


def test_three_characters_are_enough(desk_articles):
    assert titles(selectors.article_suggest(user=None, term="vpn")) == ["VPN setup"]


def test_agents_are_suggested_internal_articles_too(desk_articles, agent):
    assert titles(selectors.article_suggest(user=None, term="router")) == []
    assert titles(selectors.article_suggest(user=agent.user, term="router")) == ["Router admin"]


def test_at_most_five_suggestions(make_article):
    for n in range(6):
        make_article(title=f"Printer model {n}", body="Paper jams.")
    assert len(selectors.article_suggest(user=None, term="printer")) == 5
    assert len(selectors.article_suggest(user=None, term="printer", limit=6)) == 6


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("forgot vpn password", ["Reset your password", "VPN setup"], id="any-word"),
        pytest.param("password vpn", ["Reset your password", "VPN setup"], id="any-order"),
        pytest.param("to vpn", ["VPN setup"], id="short-words-dropped"),
        pytest.param('"vpn"', ["VPN setup"], id="quotes-dropped"),
        pytest.param("network", ["VPN setup"], id="body"),
        pytest.param("to be", [], id="only-short-words-the-whole-term"),
        pytest.param("how to", ["Printer setup"], id="how-to"),
    ],
)
def test_other_databases_suggest_any_word_ordered_by_title(desk_articles, other_database, term, expected):
    assert titles(selectors.article_suggest(user=None, term=term)) == expected


def test_other_databases_suggest_title_ties_by_id(make_article, other_database):
    first, second = twins(make_article, "Same title", "Same body.")
    assert [a.pk for a in selectors.article_suggest(user=None, term="same")] == [first.pk, second.pk]


@pytest.mark.postgres(reason="ranked full-text search")
def test_postgresql_suggests_by_meaning(desk_articles):
    """Stemmed ('printers' finds 'Printer setup'), any word, nothing unrelated."""
    assert titles(selectors.article_suggest(user=None, term="printers")) == ["Printer setup"]
    assert set(titles(selectors.article_suggest(user=None, term="forgot vpn password"))) == {
        "Reset your password",
        "VPN setup",
    }


# --- ties broken by id, with the rows stored in the reverse order --------------------------------


def stored_backwards(section, title: str, n: int = 6) -> list[int]:
    """`n` published articles alike in title and body, inserted with ids counting down, so that
    the table and its indexes hold them in the reverse of their ids: a scan, and an ordering
    without the id, returns them backwards. Their ids, ascending."""
    for pk in range(9000 + n, 9000, -1):
        Article.objects.create(
            pk=pk, section=section, title=title, slug=f"tied-{pk}", body="Same body.", status="published"
        )
    return list(range(9001, 9001 + n))


def test_other_databases_search_many_title_ties_by_id(section, other_database):
    ids = stored_backwards(section, "Tied")
    assert [a.pk for a in selectors.article_search(selectors.article_visible_to(None), "tied")] == ids


def test_other_databases_suggest_many_title_ties_by_id(section, other_database):
    ids = stored_backwards(section, "Tied")
    assert [a.pk for a in selectors.article_suggest(user=None, term="tied", limit=6)] == ids
    assert [a.pk for a in selectors.article_suggest(user=None, term="tied", limit=3)] == ids[:3]


@pytest.mark.postgres(reason="ranked full-text search")
def test_equal_ranks_and_titles_go_by_id(section):
    ids = stored_backwards(section, "Password tied")
    assert [a.pk for a in selectors.article_search(selectors.article_visible_to(None), "password")] == ids
