"""tickets/services.py, value by value (ticket_change_status, ticket_assign(_by_strategy),
auto-assignment, escalation and deletion): the exact ticket, event, change note and outbox payload
each service leaves behind, and the exact error of each refusal. Expected values are written out by
hand (times under freezegun, on the 24x7 calendar: high = 4 h first response, 24 h resolution;
medium = 24 h, 72 h)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from agents.models import Role
from config.exceptions import ApplicationError
from tests.tickets.services_exact.facts import T0, events, outbox
from tickets import services
from tickets.models import EventKind, Ticket

pytestmark = pytest.mark.django_db


# --- ticket_change_status ---------------------------------------------------------------------


@freeze_time(T0)
def test_change_status_exactly(agent, ticket, notes):
    ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status="pending", note="Asked for logs")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.status_changed_at, fresh.version) == ("pending", T0, 2)
    assert events(ticket) == [("status_changed", "status", "open", "pending", agent.user.pk, "Asked for logs")]
    [payload] = outbox("ticket.status_changed")
    assert (payload["old_status"], payload["new_status"], payload["actor_id"], payload["ticket"]["status"]) == (
        "open",
        "pending",
        agent.user.pk,
        "pending",
    )
    assert notes == [
        {
            "ticket": ticket.pk,
            "events": ["status_changed"],
            "changes": {"status": ("open", "pending")},
            "actor": agent.user,
        }
    ]


def test_reopening_saves_the_status_and_clears_both_stamps(agent, ticket):
    with freeze_time("2026-03-02 10:00:00"):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="resolved")
    with freeze_time("2026-03-02 11:00:00"):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="closed")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.resolved_at, fresh.closed_at) == (
        "closed",
        datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
    )
    with freeze_time("2026-03-02 12:00:00"):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="open")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.resolved_at, fresh.closed_at, fresh.status_changed_at) == (
        "open",
        None,
        None,
        datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
    )


def test_resolving_then_reopening_from_resolved(agent, ticket):
    with freeze_time("2026-03-02 10:00:00"):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="resolved")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.resolved_at, fresh.closed_at) == (
        "resolved",
        datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        None,
    )
    services.ticket_change_status(ticket=ticket, actor=agent.user, status="in_progress")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.resolved_at, fresh.closed_at) == ("in_progress", None, None)


def test_status_refusals_are_exact(agent, ticket):
    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="archived")
    assert exc.value.message_dict == {
        "status": [
            "'archived' is not a valid status; use one of: open, in_progress, pending, on_hold, resolved, closed."
        ]
    }
    services.ticket_change_status(ticket=ticket, actor=agent.user, status="closed")
    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="pending")
    assert exc.value.message_dict == {"status": ["Cannot change status from 'closed' to 'pending'; allowed: open."]}
    assert exc.value.args[1] == "invalid_transition"


@pytest.fixture
def required_on_resolve(ticket):
    field = baker.make_recipe("tests.tickets.custom_field", key="resolution_code", required_statuses=["resolved"])
    return field


def test_an_agent_cannot_resolve_without_the_required_fields(agent, ticket, required_on_resolve):
    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="resolved")
    assert list(exc.value.message_dict) == ["custom_fields.resolution_code"]
    assert exc.value.args[1] == "required_custom_field"
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_a_script_without_an_actor_is_held_to_the_required_fields(ticket, required_on_resolve):
    """No actor and no rule applying (a script, a task): refused like an agent."""
    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=None, status="resolved")
    assert list(exc.value.message_dict) == ["custom_fields.resolution_code"]
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_a_customer_is_not_held_up_by_a_field_only_agents_see(ticket, customer_a, required_on_resolve):
    services.ticket_change_status(ticket=ticket, actor=customer_a.user, status="resolved")
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"


# --- ticket_assign ----------------------------------------------------------------------------


def test_assign_exactly(agent, senior_agent, ticket, notes):
    ticket = services.ticket_assign(ticket=ticket, actor=senior_agent.user, assignee=agent.user, note="Yours")
    s, a = senior_agent.user.pk, agent.user.pk
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == a
    assert events(ticket) == [("assigned", "assignee", None, a, s, "Yours")]
    [payload] = outbox("ticket.assigned")
    assert (
        payload["old_assignee_id"],
        payload["assignee_id"],
        payload["actor_id"],
        payload["ticket"]["assignee_id"],
    ) == (
        None,
        a,
        s,
        a,
    )
    assert notes == [
        {"ticket": ticket.pk, "events": ["assigned"], "changes": {"assignee": (None, a)}, "actor": senior_agent.user}
    ]

    services.ticket_assign(ticket=ticket, actor=senior_agent.user, assignee=None)
    # The outbox's ids are UUIDs: find the second event by what it says, not by its position.
    pairs = [(p["old_assignee_id"], p["assignee_id"]) for p in outbox("ticket.assigned")]
    assert sorted(pairs, key=str) == sorted([(None, a), (a, None)], key=str)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("customer", "Tickets can only be assigned to active agents."),
        ("viewer", "Tickets cannot be assigned to a viewer (the role is read-only)."),
    ],
)
def test_assign_refusal_is_exact(agent, ticket, customer_a, make_agent, kind, message):
    assignee = customer_a.user if kind == "customer" else make_agent(Role.VIEWER).user
    with pytest.raises(ValidationError) as exc:
        services.ticket_assign(ticket=ticket, actor=agent.user, assignee=assignee)
    assert exc.value.message_dict == {"assignee": [message]}
    assert exc.value.args[1] == "not_an_agent"


def test_assign_with_a_stale_version_is_refused(agent, ticket):
    with pytest.raises(ApplicationError) as exc:
        services.ticket_assign(ticket=ticket, actor=agent.user, assignee=agent.user, expected_version=[5, 6])
    assert exc.value.http_status == 412
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


# --- ticket_assign_by_strategy ----------------------------------------------------------------


def test_assign_by_strategy_refusals_are_exact(agent, customer_a):
    team = baker.make_recipe("tests.agents.team", name="Empty", auto_assign_priorities=[])
    ticket = services.ticket_create(actor=agent.user, title="Needs somebody", customer=customer_a)

    with pytest.raises(ValidationError) as exc:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy="random")
    assert exc.value.message_dict == {
        "strategy": ["'random' is not a valid strategy; use one of: round_robin, least_loaded, skills, seniority."]
    }
    assert exc.value.args[1] == "invalid_strategy"

    with pytest.raises(ApplicationError) as caught:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)
    e = caught.value
    assert (e.message, e.code, e.extra, e.http_status) == (
        "This ticket has no team to assign it from; set its team first.",
        "no_team",
        {},
        409,
    )

    ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"team": team})
    with pytest.raises(ApplicationError) as caught:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy="least_loaded")
    e = caught.value
    assert (e.message, e.code, e.extra, e.http_status) == (
        "No agent of this ticket's team is available to take it: every member is unavailable, "
        "at capacity or read-only. It stays in the queue.",
        "no_agent_available",
        {"team": team.pk},
        409,
    )

    services.ticket_change_status(ticket=ticket, actor=agent.user, status="resolved")
    with pytest.raises(ApplicationError) as caught:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)
    e = caught.value
    assert (e.message, e.code, e.http_status) == (
        "A resolved ticket is not assigned by strategy; reopen it first.",
        "ticket_not_active",
        409,
    )


@pytest.mark.parametrize(
    ("strategy", "note"),
    [(None, "Assigned with the team strategy."), ("least_loaded", "Assigned with the least_loaded strategy.")],
)
def test_assign_by_strategy_notes_the_strategy(agent, customer_a, strategy, note):
    team = baker.make_recipe("tests.agents.team", name="Solo", auto_assign_priorities=[])
    agent.teams.add(team)
    ticket = services.ticket_create(actor=agent.user, title="For the solo team", customer=customer_a, team=team)

    ticket = services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy=strategy)

    assert ticket.assignee == agent.user
    assert events(ticket, EventKind.ASSIGNED) == [("assigned", "assignee", None, agent.user.pk, agent.user.pk, note)]


# --- auto-assignment on create ----------------------------------------------------------------


@pytest.mark.parametrize(("priority", "assigned"), [("high", True), ("low", False)])
def test_auto_assignment_on_create(agent, customer_a, priority, assigned):
    team = baker.make_recipe(
        "tests.agents.team", name="Auto", auto_assign_priorities=["high"], assignment_strategy="least_loaded"
    )
    agent.teams.add(team)

    ticket = services.ticket_create(
        actor=agent.user, title="Auto one", customer=customer_a, priority=priority, team=team
    )

    if assigned:
        assert ticket.assignee == agent.user
        assert events(ticket, EventKind.ASSIGNED) == [
            ("assigned", "assignee", None, agent.user.pk, None, "Auto-assigned on creation (least_loaded).")
        ]
    else:
        assert ticket.assignee is None
        assert events(ticket, EventKind.ASSIGNED) == []


def test_no_auto_assignment_when_the_priorities_are_not_a_list(agent, customer_a):
    team = baker.make_recipe("tests.agents.team", name="Manual", auto_assign_priorities={"high": True})
    agent.teams.add(team)
    ticket = services.ticket_create(
        actor=agent.user, title="Manual one", customer=customer_a, priority="high", team=team
    )
    assert ticket.assignee is None


# --- ticket_escalate and ticket_delete --------------------------------------------------------


@freeze_time(T0)
@pytest.mark.parametrize(("before", "after"), [("low", "medium"), ("high", "critical"), ("critical", "critical")])
def test_escalate_exactly(agent, senior_agent, customer_a, notes, before, after):
    team = baker.make_recipe("tests.agents.team", name="Esc", lead=senior_agent.user, auto_assign_priorities=[])
    ticket = services.ticket_create(
        actor=agent.user, title="Escalate me", customer=customer_a, priority=before, team=team
    )
    notes.clear()

    ticket = services.ticket_escalate(ticket=ticket, actor=agent.user, reason="Customer called twice")

    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.priority, fresh.escalated, fresh.escalated_at, fresh.version) == (after, True, T0, 2)
    assert events(ticket, EventKind.ESCALATED) == [
        ("escalated", "priority", before, after, agent.user.pk, "Customer called twice")
    ]
    [payload] = outbox("ticket.escalated")
    del payload["ticket"]
    assert payload == {
        "team_lead_id": senior_agent.user.pk,
        "rule": None,  # an agent, not a rule
        "reason": "Customer called twice",
        "old_priority": before,
        "new_priority": after,
        "actor_id": agent.user.pk,
    }
    assert notes == [
        {
            "ticket": ticket.pk,
            "events": ["updated"],
            "changes": {"priority": (before, after)} if before != after else {},
            "actor": agent.user,
        }
    ]


def test_escalating_a_teamless_ticket_names_no_lead(agent, ticket):
    services.ticket_escalate(ticket=ticket, actor=agent.user, reason="Why not")
    assert outbox("ticket.escalated")[0]["team_lead_id"] is None


def test_delete_exactly(admin_agent, ticket):
    pk, title = ticket.pk, ticket.title
    services.ticket_delete(ticket=ticket, actor=admin_agent.user)
    assert not Ticket.objects.filter(pk=pk).exists()
    [payload] = outbox("ticket.deleted")
    assert (payload["ticket"]["id"], payload["ticket"]["title"], payload["actor_id"]) == (
        pk,
        title,
        admin_agent.user.pk,
    )


def test_delete_with_a_stale_version_is_refused(admin_agent, ticket):
    with pytest.raises(ApplicationError):
        services.ticket_delete(ticket=ticket, actor=admin_agent.user, expected_version=99)
    assert Ticket.objects.filter(pk=ticket.pk).exists()
