"""POST /api/v1/tickets/{id}/assign/ with {"strategy": ...}: the strategy path through
tickets.services.ticket_assign_by_strategy (tickets/assignment.py)."""

from __future__ import annotations

import pytest
from model_bakery import baker

from agents.models import AssignmentStrategy, Role
from tickets.models import EventKind, Priority, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def assign_url(ticket: Ticket) -> str:
    return f"/api/v1/tickets/{ticket.pk}/assign/"


@pytest.fixture
def team(db):
    return baker.make_recipe("tests.agents.team", auto_assign_priorities=[])


@pytest.fixture
def make_ticket(make_ticket, team):
    """The shared factory, with tickets in the team by default."""

    def _make(**kwargs) -> Ticket:
        kwargs.setdefault("team", team)
        return make_ticket(**kwargs)

    return _make


@pytest.mark.parametrize("strategy", [pytest.param(value, id=value) for value in AssignmentStrategy.values])
def test_every_strategy_assigns_an_agent_of_the_team(api_agent, make_agent, team, make_ticket, strategy):
    member = make_agent(teams=[team])
    make_agent()  # not in the team
    ticket = make_ticket()

    response = api_agent.post(assign_url(ticket), {"strategy": strategy}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == member.user_id
    ticket.refresh_from_db()
    assert ticket.assignee == member.user
    assert response["ETag"]


def test_round_robin_rotates_across_requests(api_agent, make_agent, team, make_ticket):
    members = [make_agent(teams=[team]) for _ in range(3)]
    tickets = [make_ticket() for _ in range(6)]

    assignees = [
        api_agent.post(assign_url(t), {"strategy": "round_robin"}, format="json").json()["assignee"] for t in tickets
    ]

    assert assignees == [m.user_id for m in members] * 2


def test_least_loaded_and_seniority_through_the_api(api_senior_agent, make_agent, team, make_ticket):
    senior = make_agent(Role.SENIOR_AGENT, teams=[team])
    plain = make_agent(Role.AGENT, teams=[team])
    make_ticket(assignee=senior.user)  # the senior is busier

    least = api_senior_agent.post(assign_url(make_ticket()), {"strategy": "least_loaded"}, format="json")
    critical = make_ticket(priority=Priority.CRITICAL)
    senior_first = api_senior_agent.post(assign_url(critical), {"strategy": "seniority"}, format="json")

    assert least.json()["assignee"] == plain.user_id
    assert senior_first.json()["assignee"] == senior.user_id


def test_reassignment_records_the_event_and_emails_the_new_assignee(
    api_agent, agent, make_agent, team, make_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    busy = make_agent(teams=[team])
    idle = make_agent(teams=[team])
    make_ticket(assignee=busy.user)
    ticket = make_ticket(assignee=busy.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_agent.post(assign_url(ticket), {"strategy": "least_loaded"}, format="json")

    assert response.status_code == 200, response.content
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ASSIGNED)
    assert (event.actor, event.old_value, event.new_value) == (agent.user, busy.user_id, idle.user_id)
    assert "least_loaded" in event.note
    assert [m.to for m in mailoutbox] == [[idle.user.email]]


def test_nobody_available_is_a_409_and_the_ticket_stays_in_the_queue(api_agent, make_agent, team, make_ticket):
    away = make_agent(teams=[team])
    away.is_available = False
    away.save()
    make_agent(Role.VIEWER, teams=[team])
    full = make_agent(teams=[team], max_open_tickets=1)
    make_ticket(assignee=full.user)
    ticket = make_ticket()

    response = api_agent.post(assign_url(ticket), {"strategy": "least_loaded"}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "no_agent_available"
    assert "No agent" in body["detail"]
    assert body["team"] == team.pk
    ticket.refresh_from_db()
    assert ticket.assignee_id is None
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED).exists()


def test_a_ticket_without_team_is_a_409(api_agent, make_agent, make_ticket):
    make_agent()
    ticket = make_ticket(team=None)

    response = api_agent.post(assign_url(ticket), {"strategy": "round_robin"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "no_team"


def test_a_closed_ticket_is_a_409(api_agent, make_agent, team, make_ticket):
    make_agent(teams=[team])
    ticket = make_ticket(status=Status.CLOSED, resolved_at="2026-01-01T00:00Z", closed_at="2026-01-01T00:00Z")

    response = api_agent.post(assign_url(ticket), {"strategy": "round_robin"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "ticket_not_active"


def test_unknown_strategy_is_a_400_naming_the_field(api_agent, make_ticket):
    response = api_agent.post(assign_url(make_ticket()), {"strategy": "alphabetical"}, format="json")

    assert response.status_code == 400
    assert "strategy" in response.json()


@pytest.mark.parametrize(
    "client_fixture",
    [pytest.param("api_viewer", id="viewer"), pytest.param("api_customer_a", id="customer")],
)
def test_viewers_and_customers_cannot_assign(request, client_fixture, make_agent, team, make_ticket):
    make_agent(teams=[team])
    ticket = make_ticket()

    response = request.getfixturevalue(client_fixture).post(
        assign_url(ticket), {"strategy": "round_robin"}, format="json"
    )

    assert response.status_code in (403, 404)
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


@pytest.mark.parametrize("team_size", [pytest.param(2, id="2-agents"), pytest.param(12, id="12-agents")])
def test_strategy_assignment_query_count_does_not_grow_with_the_team(
    api_agent, make_agent, team, make_ticket, team_size, django_assert_max_num_queries
):
    for _ in range(team_size):
        make_agent(teams=[team])
    ticket = make_ticket()

    with django_assert_max_num_queries(20):
        response = api_agent.post(assign_url(ticket), {"strategy": "skills"}, format="json")

    assert response.status_code == 200
