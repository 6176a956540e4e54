"""ticket_assign_by_strategy: the team's strategy or an explicit one, reassignment, refusals, query
counts; and an agent's load counted only up to their capacity."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.models import AssignmentStrategy
from config.exceptions import ApplicationError
from notifications.models import OutboxEvent
from tests.tickets.assignment.facts import ALL_STRATEGIES, _create, _pick
from tickets import services
from tickets.assignment import eligible_agents
from tickets.models import EventKind, Priority, Status, TicketEvent

pytestmark = pytest.mark.django_db


# --- ticket_assign_by_strategy ---------------------------------------------------------------------


def test_assign_by_the_teams_strategy(make_team, make_agent, customer, agent):
    team = make_team(assignment_strategy=AssignmentStrategy.ROUND_ROBIN, auto_assign_priorities=[])
    first, second = make_agent(teams=[team]), make_agent(teams=[team])
    tickets = [_create(customer, team=team) for _ in range(3)]

    assigned = [services.ticket_assign_by_strategy(ticket=t, actor=agent.user) for t in tickets]

    assert [t.assignee_id for t in assigned] == [first.user_id, second.user_id, first.user_id]
    event = TicketEvent.objects.filter(ticket=tickets[0], kind=EventKind.ASSIGNED).get()
    assert event.actor == agent.user
    assert "team strategy" in event.note


def test_an_explicit_strategy_overrides_the_teams(make_team, make_agent, hold, customer, agent):
    team = make_team(assignment_strategy=AssignmentStrategy.ROUND_ROBIN, auto_assign_priorities=[])
    busy, idle = make_agent(teams=[team]), make_agent(teams=[team])
    hold(busy, 2)
    ticket = _create(customer, team=team)

    ticket = services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy="least_loaded")

    assert ticket.assignee == idle.user
    team.refresh_from_db()
    assert team.last_assigned_agent is None  # the rotation is untouched by other strategies
    assert "least_loaded" in TicketEvent.objects.get(ticket=ticket, kind=EventKind.ASSIGNED).note


def test_reassignment_records_the_change_and_notifies_the_new_assignee(make_team, make_agent, hold, customer, agent):
    team = make_team(assignment_strategy=AssignmentStrategy.LEAST_LOADED, auto_assign_priorities=[])
    idle = make_agent(teams=[team])
    busy = make_agent(teams=[team])
    hold(busy, 3)
    ticket = services.ticket_assign(ticket=_create(customer, team=team), actor=agent.user, assignee=busy.user)

    ticket = services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)

    assert ticket.assignee == idle.user
    last = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED).last()
    assert (last.old_value, last.new_value) == (busy.user_id, idle.user_id)
    notice = OutboxEvent.objects.filter(event="ticket.assigned").order_by("created_at").last()
    assert (notice.payload["old_assignee_id"], notice.payload["assignee_id"]) == (busy.user_id, idle.user_id)


def test_a_ticket_does_not_count_against_its_own_assignee(make_team, make_agent, hold, customer, agent):
    team = make_team(assignment_strategy=AssignmentStrategy.LEAST_LOADED, auto_assign_priorities=[])
    other = make_agent(teams=[team])  # older: wins ties
    holder = make_agent(teams=[team], max_open_tickets=1)
    hold(other, 1)
    ticket = services.ticket_assign(ticket=_create(customer, team=team), actor=agent.user, assignee=holder.user)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()

    ticket = services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)

    assert ticket.assignee == holder.user  # 0 other tickets (and not full) beats 1
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before  # nothing changed


@pytest.mark.parametrize("strategy", [pytest.param(None, id="team-strategy"), *ALL_STRATEGIES])
def test_nobody_available_is_a_409_and_the_ticket_stays_queued(team_of_nobody, customer, agent, strategy):
    team = team_of_nobody(AssignmentStrategy.ROUND_ROBIN)
    ticket = _create(customer, team=team, priority=Priority.LOW)

    with pytest.raises(ApplicationError) as exc:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy=strategy)

    assert exc.value.http_status == 409
    assert exc.value.code == "no_agent_available"
    assert "No agent" in exc.value.message
    assert exc.value.as_dict()["team"] == team.pk
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


def test_invalid_strategy_names_the_field(ticket, agent):
    with pytest.raises(ValidationError) as exc:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy="alphabetical")

    assert "strategy" in exc.value.message_dict
    assert "round_robin" in exc.value.message_dict["strategy"][0]


def test_a_ticket_without_team_is_a_409(ticket, agent):
    with pytest.raises(ApplicationError) as exc:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)

    assert (exc.value.http_status, exc.value.code) == (409, "no_team")


def test_a_closed_ticket_is_not_assigned_by_strategy(make_team, make_agent, customer, agent):
    team = make_team(auto_assign_priorities=[])
    make_agent(teams=[team])
    ticket = services.ticket_change_status(ticket=_create(customer, team=team), actor=agent.user, status=Status.CLOSED)

    with pytest.raises(ApplicationError) as exc:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)

    assert (exc.value.http_status, exc.value.code) == (409, "ticket_not_active")


def test_assign_by_strategy_query_count_is_bounded(
    make_team, make_agent, customer, agent, django_assert_max_num_queries
):
    team = make_team(assignment_strategy=AssignmentStrategy.SKILLS, auto_assign_priorities=[])
    for _ in range(10):
        make_agent(teams=[team], skills=["billing"])
    ticket = _create(customer, team=team, category=None)

    # 15 whatever the number of agents: the assignment itself, plus the check that the chosen user is
    # no API key's service user (assignment only to working agents) and the read of the active
    # triggers at the end of the change.
    with django_assert_max_num_queries(15):
        ticket = services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)

    assert ticket.assignee_id is not None


# --- the load count is bounded by capacity -------------------------------------------------------


def test_open_tickets_are_counted_up_to_capacity_and_the_outcome_is_exact(make_team, make_agent, hold):
    """An agent far over capacity costs `max_open_tickets` rows, not their whole backlog, and
    the choice is the same as with exact counts: full agents out, the rest by their exact load."""
    team = make_team(assignment_strategy=AssignmentStrategy.LEAST_LOADED)
    swamped = make_agent(teams=[team], max_open_tickets=3)
    hold(swamped, 9)
    two_of_five = make_agent(teams=[team], max_open_tickets=5)
    hold(two_of_five, 2)
    one_of_two = make_agent(teams=[team], max_open_tickets=2)
    hold(one_of_two, 1)
    no_capacity = make_agent(teams=[team], max_open_tickets=0)

    with CaptureQueriesContext(connection) as ctx:
        eligible = eligible_agents(team_id=team.pk)

    assert [(agent.pk, agent.open_tickets) for agent in eligible] == [(two_of_five.pk, 2), (one_of_two.pk, 1)]
    assert no_capacity not in eligible
    assert _pick(team) == two_of_five  # 2/5 = 40% < 1/2 = 50%
    counting = [q["sql"] for q in ctx.captured_queries if "COUNT" in q["sql"].upper()]
    assert len(counting) == 1
    assert [f"LIMIT {n}" in counting[0] for n in (3, 5, 2)] == [True, True, True]
