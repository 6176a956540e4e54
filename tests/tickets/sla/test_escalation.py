"""Escalation (the default automations, tickets/rules/automations.py sla_escalate): set-based, one step
per run, once per rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time
from model_bakery import baker

from notifications.models import OutboxEvent
from tests.tickets.sla.test_scans import NOW, build_mix, make
from tickets import comments, services
from tickets.models import Automation, EventKind, Status, Ticket, TicketEvent
from tickets.rules.automations import sla_escalate
from tickets.rules.services import rule_save
from tickets.sla import scans
from tickets.tasks import sla_escalate_task

pytestmark = pytest.mark.django_db


def run_beat(now) -> dict[str, int]:
    """What beat does: the breach scan, then escalation."""
    with freeze_time(now):
        scans.sla_breach_scan()
        return sla_escalate()


def test_realistic_mix_escalates_once(wall_clock, customer_a, agent):
    mix = build_mix(customer_a, agent.user)

    first = run_beat(NOW)
    versions = dict(Ticket.objects.values_list("pk", "version"))
    second = run_beat(NOW + timedelta(minutes=5))

    assert first == {"sla_breached": 3, "unassigned": 0}
    assert second == {"sla_breached": 0, "unassigned": 0}
    assert dict(Ticket.objects.values_list("pk", "version")) == versions
    expected = {
        "critical_unassigned_2h": ("critical", True),
        "high_5h": ("critical", True),
        "medium_unassigned_3d": ("high", True),
        "medium_2h": ("medium", False),
        "high_3h30": ("high", False),
        "critical_assigned_in_progress_2h": ("critical", False),
    }
    for key, (priority, escalated) in expected.items():
        ticket = Ticket.objects.get(pk=mix[key].pk)
        assert (ticket.priority, ticket.escalated) == (priority, escalated), key
        assert ticket.priority_rank == {"medium": 2, "high": 3, "critical": 4}[priority]
        if escalated:
            assert ticket.escalated_at == NOW
    events = TicketEvent.objects.filter(kind=EventKind.ESCALATED).order_by("ticket_id")
    assert [(e.ticket_id, e.old_value, e.new_value) for e in events] == sorted(
        [
            (mix["critical_unassigned_2h"].pk, "critical", "critical"),
            (mix["high_5h"].pk, "high", "critical"),
            (mix["medium_unassigned_3d"].pk, "medium", "high"),
        ]
    )
    assert OutboxEvent.objects.filter(event="ticket.escalated").count() == 3


def unassigned_after(hours: int) -> None:
    """Edit the default unassigned-escalation automation's threshold (what an admin does)."""
    automation = Automation.objects.get(key="escalate-unassigned")
    for condition in automation.conditions["all"]:
        if condition["field"] == "hours_since_created":
            condition["value"] = hours
    automation.description = f"Open and unassigned for more than {hours} hours."
    rule_save(rule=automation, actor=None)


def test_unassigned_rule_escalates_open_unassigned_tickets_past_the_threshold(customer_a, agent):
    """No breach involved: the unassigned rule alone (threshold lowered to 1 hour)."""
    unassigned_after(1)
    unassigned = baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority="low")
    assigned = baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority="low", assignee=agent.user)
    pending = baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority="low", status=Status.PENDING)
    fresh = None
    with freeze_time(NOW + timedelta(hours=1, minutes=30)):
        fresh = baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority="low")

    with freeze_time(NOW + timedelta(hours=2)):
        Ticket.objects.update(created_at=NOW)
        Ticket.objects.filter(pk=fresh.pk).update(created_at=NOW + timedelta(hours=1, minutes=30))
        assert sla_escalate() == {"sla_breached": 0, "unassigned": 1}
        assert sla_escalate() == {"sla_breached": 0, "unassigned": 0}

    assert dict(Ticket.objects.values_list("pk", "priority")) == {
        unassigned.pk: "medium",
        assigned.pk: "low",
        pending.pk: "low",
        fresh.pk: "low",
    }
    event = TicketEvent.objects.get(kind=EventKind.ESCALATED)
    assert (event.note, event.rule) == (
        "Open and unassigned for more than 1 hours.",
        "Automation: Escalate open and unassigned",
    )


def test_a_later_breach_is_a_new_reason(wall_clock, customer_a, agent):
    """Escalated as unassigned on day 3; its resolution target breaches later: escalated again."""
    ticket = make(customer_a, "low", 73)
    with freeze_time(NOW - timedelta(hours=72, minutes=59)):
        comments.comment_add(ticket=ticket, actor=agent.user, body="We will look at it.")

    assert run_beat(NOW) == {"sla_breached": 0, "unassigned": 1}
    assert run_beat(NOW + timedelta(hours=1)) == {"sla_breached": 0, "unassigned": 0}
    ticket.refresh_from_db()
    assert ticket.priority == "medium"

    # low resolution target: 168 h from creation.
    assert run_beat(NOW + timedelta(hours=96)) == {"sla_breached": 1, "unassigned": 0}
    ticket.refresh_from_db()
    assert ticket.priority == "high"
    assert run_beat(NOW + timedelta(hours=97)) == {"sla_breached": 0, "unassigned": 0}


def test_escalation_notifies_the_team_lead(wall_clock, customer_a, agent, senior_agent):
    team = baker.make_recipe("tests.agents.team", lead=senior_agent.user, auto_assign_priorities=[])
    with freeze_time(NOW - timedelta(hours=2)):
        ticket = services.ticket_create(actor=None, title="Down", customer=customer_a, priority="high", team=team)
    with freeze_time(NOW - timedelta(hours=2)):
        no_team = services.ticket_create(actor=None, title="Down too", customer=customer_a, priority="critical")

    run_beat(NOW)

    payloads = {e.payload["ticket"]["id"]: e.payload for e in OutboxEvent.objects.filter(event="ticket.escalated")}
    assert set(payloads) == {no_team.pk}  # the high one is not breached yet (4 h)
    assert payloads[no_team.pk]["team_lead_id"] is None
    run_beat(NOW + timedelta(hours=3))
    payload = OutboxEvent.objects.get(event="ticket.escalated", payload__ticket__id=ticket.pk).payload
    assert payload["team_lead_id"] == senior_agent.user.pk
    assert payload["rule"] == "escalate-sla-breached"
    assert (payload["old_priority"], payload["new_priority"]) == ("high", "critical")
    assert payload["ticket"]["priority"] == "critical"


def test_done_tickets_are_not_escalated(wall_clock, customer_a, agent):
    ticket = make(customer_a, "critical", 3)
    with freeze_time(NOW - timedelta(hours=1)):
        scans.sla_breach_scan()
        services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.RESOLVED)

    assert run_beat(NOW) == {"sla_breached": 0, "unassigned": 0}


def test_the_beat_task_runs_escalation(wall_clock, customer_a):
    make(customer_a, "high", 5)
    with freeze_time(NOW):
        scans.sla_breach_scan()
        assert sla_escalate_task.delay().get() == {"sla_breached": 1, "unassigned": 0}


def test_disabling_the_breach_escalation_stops_it(wall_clock, customer_a):
    make(customer_a, "high", 5)
    automation = Automation.objects.get(key="escalate-sla-breached")
    automation.is_active = False
    rule_save(rule=automation, actor=None)
    assert run_beat(NOW) == {"sla_breached": 0, "unassigned": 0}


def test_escalation_query_count_does_not_grow_with_tickets(customer_a, django_assert_max_num_queries):
    """21: the automations (1), then per automation: its savepoint (2), forget firings of tickets that
    stopped matching, lock the batch, stamp last_run_at, record the firings, the UPDATE, the events,
    the payloads' read and the outbox rows."""
    unassigned_after(1)
    counts = []
    for n in (3, 30):
        Ticket.objects.all().delete()
        baker.make_recipe(
            "tests.tickets.ticket", customer=customer_a, priority="medium", sla_breached_at=NOW, _quantity=n
        )
        baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority="low", _quantity=n)
        Ticket.objects.update(created_at=NOW - timedelta(hours=2))
        with freeze_time(NOW), CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(21):
            assert sla_escalate() == {"sla_breached": n, "unassigned": n}
        counts.append(len(ctx.captured_queries))
        assert set(Ticket.objects.values_list("priority", flat=True)) == {"high", "medium"}

    assert counts[0] == counts[1]
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert sql.count('UPDATE "tickets_ticket"') == 2  # one UPDATE per rule
