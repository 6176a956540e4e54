"""Auto-close (the default automations, tickets/rules/automations.py tickets_auto_close): resolved 7
days without a customer reply -> closed; pending 14 days without one -> resolved with an internal
note. Configurable by editing the rules; disabling one stops it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time
from model_bakery import baker

from notifications.models import OutboxEvent
from tickets import services
from tickets.models import Automation, Comment, EventKind, Status, Ticket, TicketEvent
from tickets.rules import automations as scans
from tickets.rules.services import rule_save
from tickets.sla import services as sla_services
from tickets.tasks import auto_close_task

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def in_status(customer, agent_user, status: str, days_ago: float) -> Ticket:
    """A ticket moved to `status` through the services `days_ago` days before NOW."""
    with freeze_time(NOW - timedelta(days=days_ago, hours=1)):
        ticket = services.ticket_create(actor=None, title=f"{status} {days_ago}d", customer=customer)
    with freeze_time(NOW - timedelta(days=days_ago)):
        return services.ticket_change_status(ticket=ticket, actor=agent_user, status=status)


def test_resolved_and_pending_tickets_left_silent_are_closed_and_resolved(customer_a, agent):
    old_resolved = in_status(customer_a, agent.user, Status.RESOLVED, 8)
    recent_resolved = in_status(customer_a, agent.user, Status.RESOLVED, 6)
    old_pending = in_status(customer_a, agent.user, Status.PENDING, 15)
    recent_pending = in_status(customer_a, agent.user, Status.PENDING, 13)
    answered_pending = in_status(customer_a, agent.user, Status.PENDING, 20)
    # A customer message that did not reopen it (e.g. imported): it still counts as a reply.
    baker.make_recipe(
        "tests.tickets.comment", ticket=answered_pending, customer=customer_a, created_at=NOW - timedelta(days=3)
    )
    version = Ticket.objects.get(pk=old_resolved.pk).version

    with freeze_time(NOW):
        first = scans.tickets_auto_close()
        second = scans.tickets_auto_close()

    assert first == {"closed": 1, "resolved": 1}
    assert second == {"closed": 0, "resolved": 0}
    statuses = dict(Ticket.objects.values_list("pk", "status"))
    assert statuses == {
        old_resolved.pk: Status.CLOSED,
        recent_resolved.pk: Status.RESOLVED,
        old_pending.pk: Status.RESOLVED,
        recent_pending.pk: Status.PENDING,
        answered_pending.pk: Status.PENDING,
    }
    closed = Ticket.objects.get(pk=old_resolved.pk)
    assert closed.closed_at == NOW
    assert closed.version == version + 1
    resolved = Ticket.objects.get(pk=old_pending.pk)
    assert resolved.resolved_at == NOW
    note = Comment.objects.get(ticket=resolved, is_internal=True)
    assert "no customer reply for 14 days" in note.body
    assert TicketEvent.objects.filter(ticket=resolved, kind=EventKind.COMMENTED, new_value__is_internal=True).exists()
    close_event = TicketEvent.objects.filter(ticket=closed, kind=EventKind.STATUS_CHANGED).last()
    assert (close_event.old_value, close_event.new_value) == ("resolved", "closed")
    assert "7 days" in close_event.note
    outbox = OutboxEvent.objects.filter(event="ticket.status_changed", created_at__gte=NOW)
    assert sorted((e.payload["ticket"]["id"], e.payload["new_status"]) for e in outbox) == sorted(
        [(closed.pk, "closed"), (resolved.pk, "resolved")]
    )


def test_pending_without_a_recorded_pause_uses_its_last_update(customer_a):
    with freeze_time(NOW - timedelta(days=15)):
        ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, status=Status.PENDING)

    with freeze_time(NOW):
        assert scans.tickets_auto_close() == {"closed": 0, "resolved": 1}

    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def set_hours(key: str, field: str, hours: int) -> None:
    """Edit a default automation's time conditions on `field` (what an admin does in the admin)."""
    automation = Automation.objects.get(key=key)
    for condition in automation.conditions["all"] + automation.conditions["any"]:
        if condition["field"] == field and "value" in condition:
            condition["value"] = hours
    rule_save(rule=automation, actor=None)


def test_periods_are_configurable(customer_a, agent):
    set_hours("auto-close-resolved", "hours_since_resolved", 2 * 24)
    set_hours("auto-close-resolved", "hours_since_customer_reply", 2 * 24)
    set_hours("auto-resolve-pending", "hours_since_status_change", 30 * 24)
    resolved = in_status(customer_a, agent.user, Status.RESOLVED, 3)
    pending = in_status(customer_a, agent.user, Status.PENDING, 15)

    with freeze_time(NOW):
        assert scans.tickets_auto_close() == {"closed": 1, "resolved": 0}

    assert Ticket.objects.get(pk=resolved.pk).status == Status.CLOSED
    assert Ticket.objects.get(pk=pending.pk).status == Status.PENDING


def test_disabling_a_default_automation_stops_it(customer_a, agent):
    resolved = in_status(customer_a, agent.user, Status.RESOLVED, 8)
    automation = Automation.objects.get(key="auto-close-resolved")
    automation.is_active = False
    rule_save(rule=automation, actor=None)

    with freeze_time(NOW):
        assert scans.tickets_auto_close() == {"closed": 0, "resolved": 0}
    assert Ticket.objects.get(pk=resolved.pk).status == Status.RESOLVED


def test_the_beat_task_runs_auto_close(customer_a, agent):
    in_status(customer_a, agent.user, Status.RESOLVED, 8)

    with freeze_time(NOW):
        assert auto_close_task.delay().get() == {"closed": 1, "resolved": 0}


def test_auto_close_query_count_does_not_grow_with_tickets(customer_a, django_assert_max_num_queries):
    """25: the automations (1), then per automation: its savepoint (2), forget firings of tickets that
    stopped matching, lock the batch, stamp last_run_at, record the firings, the custom fields
    required for the status it sets (tickets/required_fields.py; one query when none is), the
    UPDATE, (the notes), the events, the payloads' read and the outbox rows; and once, the SLA log
    entries of the resolution clocks the auto-resolve achieved. The SLA policies come from the cache
    (warmed first, as a running beat has it)."""
    sla_services.policies_cached()
    counts = []
    for n in (3, 30):
        Ticket.objects.all().delete()
        with freeze_time(NOW - timedelta(days=20)):
            baker.make_recipe(
                "tests.tickets.ticket",
                customer=customer_a,
                status=Status.RESOLVED,
                resolved_at=NOW - timedelta(days=20),
                _quantity=n,
            )
            baker.make_recipe(
                "tests.tickets.ticket",
                customer=customer_a,
                status=Status.PENDING,
                sla_paused_at=NOW - timedelta(days=20),
                _quantity=n,
            )
        with freeze_time(NOW), CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(25):
            assert scans.tickets_auto_close() == {"closed": n, "resolved": n}
        counts.append(len(ctx.captured_queries))

    assert counts[0] == counts[1]
