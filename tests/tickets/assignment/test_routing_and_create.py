"""Routing a new ticket to its team, and auto-assignment in ticket_create: which priorities, the
event and notification, a failed create, and bounded query counts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from agents.models import AssignmentStrategy, Role, Team
from notifications.models import OutboxEvent
from tests.tickets.assignment.facts import ALL_STRATEGIES, _create
from tickets.models import EventKind, Priority, Ticket, TicketEvent
from tickets.sla.selection import policies_cached

pytestmark = pytest.mark.django_db


# --- routing ------------------------------------------------------------------------------------------


def test_category_routes_to_its_team_and_its_agents(make_team, make_agent, customer):
    billing_team = make_team(name="Billing")
    default_team = make_team(name="Front desk", is_default=True)
    biller = make_agent(teams=[billing_team])
    make_agent(teams=[default_team])
    baker.make_recipe("tests.tickets.category", slug="billing", team=billing_team)

    ticket = _create(customer, category="billing")

    assert ticket.team == billing_team
    assert ticket.assignee == biller.user


@pytest.mark.parametrize(
    "category_slug",
    [pytest.param("general", id="category-without-team"), pytest.param(None, id="no-category")],
)
def test_unrouted_tickets_land_with_the_default_team(make_team, make_agent, customer, category_slug):
    make_team(name="Billing")
    default_team = make_team(name="Front desk", is_default=True)
    front = make_agent(teams=[default_team])
    baker.make_recipe("tests.tickets.category", slug="general", team=None)

    ticket = _create(customer, category=category_slug)

    assert ticket.team == default_team
    assert ticket.assignee == front.user


def test_no_default_team_leaves_the_ticket_unrouted_and_unassigned(make_team, make_agent, customer):
    team = make_team()
    make_agent(teams=[team])

    ticket = _create(customer, priority=Priority.CRITICAL)

    assert ticket.team is None
    assert ticket.assignee is None


def test_an_explicit_team_wins_over_routing(make_team, make_agent, customer, billing):
    billing.team = make_team(name="Billing")
    billing.save()
    vip = make_team(name="VIP")
    vip_agent = make_agent(teams=[vip])

    ticket = _create(customer, category="billing", team=vip)

    assert ticket.team == vip
    assert ticket.assignee == vip_agent.user


# --- auto-assignment on creation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "priority", "assigned"),
    [
        pytest.param(None, Priority.LOW, False, id="default-low-queue"),
        pytest.param(None, Priority.MEDIUM, False, id="default-medium-queue"),
        pytest.param(None, Priority.HIGH, True, id="default-high-auto"),
        pytest.param(None, Priority.CRITICAL, True, id="default-critical-auto"),
        pytest.param(["low"], Priority.LOW, True, id="custom-low-auto"),
        pytest.param(["low"], Priority.CRITICAL, False, id="custom-critical-queue"),
        pytest.param([], Priority.CRITICAL, False, id="none-configured"),
        pytest.param("high", Priority.HIGH, False, id="malformed-config-ignored"),
    ],
)
def test_auto_assign_only_for_configured_priorities(make_agent, customer, configured, priority, assigned):
    config = {} if configured is None else {"auto_assign_priorities": configured}
    team = Team.objects.create(name="Support", **config)  # None: the model's default
    agent = make_agent(teams=[team])

    ticket = _create(customer, team=team, priority=priority)

    assert (ticket.assignee == agent.user) is assigned
    assert (ticket.assignee_id is None) is not assigned


def test_auto_assignment_records_a_system_event_and_notifies_the_assignee(make_team, make_agent, customer):
    team = make_team(assignment_strategy=AssignmentStrategy.LEAST_LOADED)
    agent = make_agent(teams=[team])

    ticket = _create(customer, team=team)

    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ASSIGNED)
    assert event.actor is None
    assert (event.old_value, event.new_value) == (None, agent.user_id)
    assert "least_loaded" in event.note
    outbox = OutboxEvent.objects.get(event="ticket.assigned", payload__ticket__id=ticket.pk)
    assert outbox.payload["assignee_id"] == agent.user_id
    assert outbox.payload["old_assignee_id"] is None
    assert outbox.payload["ticket"]["assignee_id"] == agent.user_id
    ticket.refresh_from_db()
    assert ticket.version == 2  # created, then assigned


def test_a_failed_create_assigns_nobody_and_keeps_the_cursor(make_team, make_agent, customer):
    team = make_team()
    make_agent(teams=[team])

    with pytest.raises(ValidationError):
        _create(customer, team=team, priority="urgent!")

    team.refresh_from_db()
    assert team.last_assigned_agent is None
    assert not Ticket.objects.exists()


# pick_agent: lock team, lock agents, count loads (+ advance the cursor); ticket_assign: savepoint,
# lock ticket, update, refresh version, event, outbox, release.
ASSIGNMENT_QUERIES = 11


@pytest.mark.parametrize("team_size", [pytest.param(2, id="2-agents"), pytest.param(12, id="12-agents")])
@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_create_with_auto_assignment_query_count_is_bounded(
    make_team, make_agent, hold, customer, billing, strategy, team_size, django_assert_max_num_queries
):
    team = make_team(assignment_strategy=strategy, auto_assign_priorities=[Priority.CRITICAL])
    for n in range(team_size):
        hold(make_agent(Role.SENIOR_AGENT if n % 2 else Role.AGENT, teams=[team], skills=["billing"]), n % 3)
    with CaptureQueriesContext(connection) as queued:
        _create(customer, team=team, category=billing, priority=Priority.LOW)

    with django_assert_max_num_queries(len(queued) + ASSIGNMENT_QUERIES):
        ticket = _create(customer, team=team, category=billing, priority=Priority.CRITICAL)

    assert ticket.assignee_id is not None


def test_query_count_does_not_grow_with_the_team(make_team, make_agent, customer):
    policies_cached()  # the SLA policies (one cache entry for every team) are read once, not per ticket

    def count_for(team_size: int) -> int:
        team = make_team()
        for _ in range(team_size):
            make_agent(teams=[team])
        with CaptureQueriesContext(connection) as ctx:
            _create(customer, team=team)
        return len(ctx.captured_queries)

    assert count_for(2) == count_for(15)
