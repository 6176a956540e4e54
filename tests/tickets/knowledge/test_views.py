"""/kb/: readable without signing in; internal articles and drafts are a 404 to anyone but agents;
views counted once per session; "was this helpful?" once per person."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(make_article):
    return {
        "public": make_article(title="Reset your password", body="Use **the link**.\n\n<script>alert(1)</script>"),
        "internal": make_article(title="Agent override", body="Secret tool.", visibility="internal"),
        "draft": make_article(title="Unfinished", body="WIP", status="draft"),
    }


def test_the_home_page_lists_public_articles_to_anybody(client, articles):
    page = client.get("/kb/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Reset your password" in text
    assert "Agent override" not in text
    assert "Unfinished" not in text


def test_a_published_article_is_readable_anonymously_and_rendered_safely(client, articles):
    page = client.get("/kb/articles/reset-your-password/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<strong>the link</strong>" in text
    assert "<script>alert(1)</script>" not in text


@pytest.mark.parametrize(
    "slug", [pytest.param("agent-override", id="internal"), pytest.param("unfinished", id="draft")]
)
@pytest.mark.parametrize("reader", ["anonymous", "customer"])
def test_internal_articles_and_drafts_are_a_404_to_non_agents(client, articles, customer_a, slug, reader):
    if reader == "customer":
        client.force_login(customer_a.user)
    assert client.get(f"/kb/articles/{slug}/").status_code == 404


@pytest.mark.parametrize("slug", ["agent-override", "unfinished"])
def test_agents_read_internal_articles_and_drafts(client, articles, agent, slug):
    client.force_login(agent.user)
    page = client.get(f"/kb/articles/{slug}/")
    assert page.status_code == 200
    assert "only agents see it" in page.content.decode()


def test_search_page(client, articles):
    text = client.get("/kb/search/?q=password").content.decode()
    assert "Reset your password" in text
    assert "Agent override" not in text
    assert "Nothing found" in client.get("/kb/search/?q=zebra").content.decode()


def test_the_section_page(client, articles, section):
    text = client.get(f"/kb/{section.category.slug}/{section.slug}/").content.decode()
    assert "Reset your password" in text
    assert "Agent override" not in text
    assert client.get("/kb/billing/nope/").status_code == 404


def test_views_are_counted_once_per_session_and_not_for_agents(client, articles, agent):
    article = articles["public"]
    client.get("/kb/articles/reset-your-password/")
    client.get("/kb/articles/reset-your-password/")
    article.refresh_from_db()
    assert article.view_count == 1
    client.force_login(agent.user)
    client.get("/kb/articles/reset-your-password/")
    article.refresh_from_db()
    assert article.view_count == 1


def test_a_vote_counts_once_per_person(client, articles, customer_a):
    article = articles["public"]
    url = "/kb/articles/reset-your-password/vote/"
    assert client.post(url, {"helpful": "yes"}).status_code == 302
    client.post(url, {"helpful": "yes"})
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 0)
    client.post(url, {"helpful": "no"})  # changes the answer, adds nothing
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (0, 1)
    client.force_login(customer_a.user)  # another person
    client.post(url, {"helpful": "yes"})
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 1)


def test_a_bad_vote_changes_nothing(client, articles):
    response = client.post("/kb/articles/reset-your-password/vote/", {"helpful": "maybe"}, follow=True)
    assert "Answer yes or no." in response.content.decode()
    articles["public"].refresh_from_db()
    assert (articles["public"].helpful_yes, articles["public"].helpful_no) == (0, 0)


def test_no_votes_on_invisible_articles(client, articles):
    assert client.post("/kb/articles/agent-override/vote/", {"helpful": "yes"}).status_code == 404
