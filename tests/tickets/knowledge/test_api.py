"""/api/v1/kb/articles/: anonymous reads of published public articles, agents see and write all,
search in the schema and ranked."""

from __future__ import annotations

import pytest

from tickets.knowledge.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(make_article):
    return {
        "public": make_article(title="Reset your password", body="Use the link."),
        "internal": make_article(title="Agent password override", body="tool", visibility="internal"),
        "draft": make_article(title="Password draft", body="WIP", status="draft"),
    }


def _titles(response) -> list[str]:
    return [a["title"] for a in response.json()["results"]]


@pytest.mark.parametrize(
    ("client_fixture", "expected"),
    [
        pytest.param("api_client", ["Reset your password"], id="anonymous"),
        pytest.param("api_customer_a", ["Reset your password"], id="customer"),
        pytest.param("api_viewer", ["Agent password override", "Password draft", "Reset your password"], id="viewer"),
    ],
)
def test_list_is_scoped_to_the_reader(request, articles, client_fixture, expected):
    response = request.getfixturevalue(client_fixture).get("/api/v1/kb/articles/")
    assert response.status_code == 200
    assert _titles(response) == expected


@pytest.mark.parametrize(
    ("client_fixture", "slug_status"),
    [
        pytest.param("api_client", {"public": 200, "internal": 404, "draft": 404}, id="anonymous"),
        pytest.param("api_customer_a", {"public": 200, "internal": 404, "draft": 404}, id="customer"),
        pytest.param("api_agent", {"public": 200, "internal": 200, "draft": 200}, id="agent"),
    ],
)
def test_detail_is_a_404_outside_the_scope(request, articles, client_fixture, slug_status):
    client = request.getfixturevalue(client_fixture)
    for name, expected in slug_status.items():
        assert client.get(f"/api/v1/kb/articles/{articles[name].pk}/").status_code == expected, name


def test_search(api_client, articles):
    response = api_client.get("/api/v1/kb/articles/?search=password")
    assert response.status_code == 200
    assert _titles(response) == ["Reset your password"]
    assert response.json()["next"] is None


def test_search_is_in_the_schema(api_admin):
    schema = api_admin.get("/api/v1/schema/?format=json").json()
    params = {p["name"] for p in schema["paths"]["/api/v1/kb/articles/"]["get"]["parameters"]}
    assert {"search", "section", "category", "status", "visibility"} <= params


def test_an_agent_writes_an_article(api_agent, section):
    response = api_agent.post(
        "/api/v1/kb/articles/",
        {"title": "Export invoices", "body": "Click *Export*.", "section": section.pk, "status": "published"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["slug"], body["body_html"], body["version"], body["url"]) == (
        "export-invoices",
        "<p>Click <em>Export</em>.</p>",
        1,
        "/kb/articles/export-invoices/",
    )
    changed = api_agent.patch(f"/api/v1/kb/articles/{body['id']}/", {"body": "Click **Export**."})
    assert changed.json()["version"] == 2
    restored = api_agent.post(f"/api/v1/kb/articles/{body['id']}/restore/", {"version": 1})
    assert restored.json()["body"] == "Click *Export*."
    versions = api_agent.get(f"/api/v1/kb/articles/{body['id']}/versions/").json()
    assert [v["number"] for v in versions] == [3, 2, 1]


@pytest.mark.parametrize(
    ("client_fixture", "status"),
    [
        pytest.param("api_client", 401, id="anonymous"),
        pytest.param("api_customer_a", 403, id="customer"),
        pytest.param("api_viewer", 403, id="viewer"),
    ],
)
def test_only_agents_write(request, section, client_fixture, status):
    client = request.getfixturevalue(client_fixture)
    response = client.post("/api/v1/kb/articles/", {"title": "x", "body": "y", "section": section.pk})
    assert response.status_code == status
    assert Article.objects.count() == 0


def test_a_bad_article_is_a_400_naming_the_fields(api_agent, section):
    response = api_agent.post("/api/v1/kb/articles/", {"title": "", "section": 999999, "colour": "red"})
    assert response.status_code == 400
    assert set(response.json()) >= {"title", "body", "section", "colour"}


def test_only_senior_agents_and_admins_delete(api_agent, api_senior_agent, articles):
    assert api_agent.delete(f"/api/v1/kb/articles/{articles['public'].pk}/").status_code == 403
    assert api_senior_agent.delete(f"/api/v1/kb/articles/{articles['public'].pk}/").status_code == 204


def test_versions_are_for_agents(api_client, articles):
    assert api_client.get(f"/api/v1/kb/articles/{articles['public'].pk}/versions/").status_code == 404
