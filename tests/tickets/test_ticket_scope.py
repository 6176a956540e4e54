"""An agent's ticket scope (all / their teams' / only assigned), set per agent by an admin, applies
to every read: the API list and detail, search, exports, attachments and the admin queue."""

from __future__ import annotations

import pytest
from model_bakery import baker

from agents.models import Role, TicketScope
from agents.services import agent_update
from tickets import exports, selectors
from tickets.models import Ticket


@pytest.fixture
def desk(customer_a, make_agent):
    """Two teams; the scoped agent is in `mine`. Tickets: mine, theirs, theirs-assigned-to-me, none."""
    mine, theirs = baker.make_recipe("tests.agents.team", _quantity=2)
    me = make_agent(Role.AGENT)
    me.teams.add(mine)
    make = lambda title, **kw: baker.make_recipe(  # noqa: E731
        "tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, title=title, **kw
    )
    make("team ticket", team=mine)
    make("other team", team=theirs)
    make("assigned to me", team=theirs, assignee=me.user)
    make("no team")
    return me


def _titles(queryset) -> list[str]:
    return sorted(queryset.values_list("title", flat=True))


ALL = ["assigned to me", "no team", "other team", "team ticket"]


@pytest.mark.parametrize(
    ("scope", "role", "expected"),
    [
        pytest.param(TicketScope.ALL, Role.AGENT, ALL, id="all"),
        pytest.param(TicketScope.TEAMS, Role.AGENT, ["assigned to me", "team ticket"], id="teams"),
        pytest.param(TicketScope.ASSIGNED, Role.AGENT, ["assigned to me"], id="assigned"),
        pytest.param(TicketScope.TEAMS, Role.VIEWER, ["assigned to me", "team ticket"], id="viewer-teams"),
        pytest.param(TicketScope.ASSIGNED, Role.ADMIN, ALL, id="admins-always-see-all"),
    ],
)
def test_the_scope_decides_what_an_agent_sees(desk, scope, role, expected):
    agent_update(agent=desk, data={"ticket_scope": scope, "role": role})
    desk.user.refresh_from_db()

    assert _titles(selectors.ticket_visible_to(desk.user)) == expected


def test_the_api_list_detail_and_search_follow_the_scope(desk, api_client_for):
    agent_update(agent=desk, data={"ticket_scope": TicketScope.TEAMS})
    client = api_client_for(desk.user)
    other = Ticket.objects.get(title="other team")

    listed = client.get("/api/v1/tickets/").json()["results"]
    searched = client.get("/api/v1/tickets/", {"search": "other"}).json()["results"]

    assert sorted(t["title"] for t in listed) == ["assigned to me", "team ticket"]
    assert searched == []
    assert client.get(f"/api/v1/tickets/{other.pk}/").status_code == 404


def test_an_export_holds_only_the_tickets_in_scope(desk, django_capture_on_commit_callbacks):
    agent_update(agent=desk, data={"ticket_scope": TicketScope.ASSIGNED})
    desk.user.refresh_from_db()

    job = exports.export_job_create(actor=desk.user, format="jsonl")

    assert _titles(exports.export_queryset(job)) == ["assigned to me"]


def test_the_admin_queue_and_ticket_page_follow_the_scope(desk, client):
    agent_update(agent=desk, data={"ticket_scope": TicketScope.TEAMS})
    client.force_login(desk.user)
    other = Ticket.objects.get(title="other team")

    page = client.get("/admin/tickets/ticket/").content.decode()
    ticket_page = client.get(f"/admin/tickets/ticket/{other.pk}/change/")

    assert "team ticket" in page
    assert "other team" not in page
    assert ticket_page.status_code in (302, 404)


def test_an_admin_sets_the_scope_on_the_agent_page(admin_client_, desk):
    page = admin_client_.get(f"/admin/agents/agent/{desk.pk}/change/")

    assert 'name="ticket_scope"' in page.content.decode()
    desk.refresh_from_db()
    assert desk.ticket_scope == TicketScope.ALL
