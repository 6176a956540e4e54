"""The agent API honours the agent's ticket scope everywhere a ticket is reached: below a ticket
(comments, events, attachments, PATCH), saved views, exports and bulk jobs (by ids and by filters).
Desk: teams Alpha (the scoped agent's) and Bravo; one ticket in each."""

from __future__ import annotations

import csv
import io

import pytest
from model_bakery import baker

from agents.models import Role, TicketScope
from agents.services import agent_update
from tickets.models import Priority, Ticket


@pytest.fixture
def scoped(customer_a, make_agent, api_client_for):
    alpha = baker.make_recipe("tests.agents.team", name="Alpha")
    bravo = baker.make_recipe("tests.agents.team", name="Bravo")
    me = make_agent(Role.AGENT)
    me.teams.add(alpha)
    agent_update(agent=me, data={"ticket_scope": TicketScope.TEAMS})
    make = lambda title, team: baker.make_recipe(  # noqa: E731
        "tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, title=title, team=team
    )
    mine, theirs = make("ours", alpha), make("theirs", bravo)
    return api_client_for(me.user), mine, theirs


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        pytest.param("get", "", None, id="detail"),
        pytest.param("patch", "", {"priority": "high"}, id="patch"),
        pytest.param("get", "comments/", None, id="comments"),
        pytest.param("post", "comments/", {"body": "hello"}, id="reply"),
        pytest.param("get", "events/", None, id="events"),
        pytest.param("get", "attachments/", None, id="attachments"),
        pytest.param("post", "assign/", {"strategy": "round_robin"}, id="assign"),
    ],
)
def test_a_ticket_outside_the_scope_is_a_404_below_it_too(scoped, method, suffix, body):
    client, mine, theirs = scoped
    url = f"/api/v1/tickets/{theirs.pk}/{suffix}"
    response = getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
    assert response.status_code == 404
    if method == "get":
        assert getattr(client, method)(f"/api/v1/tickets/{mine.pk}/{suffix}").status_code == 200


def test_a_team_filter_on_a_team_outside_the_scope_finds_nothing(scoped):
    client, _, theirs = scoped
    assert client.get("/api/v1/tickets/", {"team": theirs.team_id}).json()["results"] == []


def test_a_shared_saved_view_shows_only_the_tickets_in_scope(scoped, admin_agent):
    from tickets.models import SavedView

    client, _, _ = scoped
    view = baker.make(SavedView, name="Everything", owner=admin_agent.user, visibility="everyone", filters={})
    titles = [t["title"] for t in client.get(f"/api/v1/views/{view.pk}/tickets/").json()["results"]]
    assert titles == ["ours"]


def test_an_api_export_holds_only_the_tickets_in_scope(scoped, django_capture_on_commit_callbacks):
    client, _, _ = scoped
    with django_capture_on_commit_callbacks(execute=True):
        job = client.post("/api/v1/exports/", {"format": "csv"}, format="json").json()
    download = client.get(f"/api/v1/exports/{job['id']}/download/")
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert [row["title"] for row in rows] == ["ours"]


def test_a_bulk_job_by_ids_refuses_a_ticket_outside_the_scope(scoped, django_capture_on_commit_callbacks):
    client, mine, theirs = scoped
    with django_capture_on_commit_callbacks(execute=True):
        job = client.post(
            "/api/v1/tickets/bulk/", {"ids": [mine.pk, theirs.pk], "changes": {"priority": "high"}}, format="json"
        ).json()
    poll = client.get(f"/api/v1/bulk-jobs/{job['id']}/").json()
    assert (poll["succeeded"], poll["failed"]) == (1, 1)
    assert poll["failures"] == [{"ticket_id": theirs.pk, "errors": {"id": ["Not found."]}}]
    assert dict(Ticket.objects.values_list("title", "priority")) == {"ours": Priority.HIGH, "theirs": Priority.MEDIUM}


def test_a_bulk_job_by_filters_counts_only_the_tickets_in_scope(scoped, django_capture_on_commit_callbacks):
    client, mine, _ = scoped
    with django_capture_on_commit_callbacks(execute=True):
        job = client.post("/api/v1/tickets/bulk/", {"filters": {}, "changes": {"priority": "low"}}, format="json")
    assert (job.status_code, job.json()["total"], job.json()["ticket_ids"]) == (202, 1, [mine.pk])
