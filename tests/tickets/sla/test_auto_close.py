"""Auto-close (tickets/sla/scans.py tickets_auto_close): resolved 7 days without a customer
reply -> closed; pending 14 days without one -> resolved with an internal note. Configurable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time
from model_bakery import baker

from notifications.models import OutboxEvent
from tickets import services
from tickets.models import Comment, EventKind, Status, Ticket, TicketEvent
from tickets.sla import scans
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


def test_periods_are_configurable(settings, customer_a, agent):
    settings.AUTO_CLOSE_RESOLVED_DAYS = 2
    settings.AUTO_RESOLVE_PENDING_DAYS = 30
    resolved = in_status(customer_a, agent.user, Status.RESOLVED, 3)
    pending = in_status(customer_a, agent.user, Status.PENDING, 15)

    with freeze_time(NOW):
        assert scans.tickets_auto_close() == {"closed": 1, "resolved": 0}

    assert Ticket.objects.get(pk=resolved.pk).status == Status.CLOSED
    assert Ticket.objects.get(pk=pending.pk).status == Status.PENDING


def test_the_beat_task_runs_auto_close(customer_a, agent):
    in_status(customer_a, agent.user, Status.RESOLVED, 8)

    with freeze_time(NOW):
        assert auto_close_task.delay().get() == {"closed": 1, "resolved": 0}


def test_auto_close_query_count_does_not_grow_with_tickets(customer_a, django_assert_max_num_queries):
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
        with freeze_time(NOW), CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(14):
            assert scans.tickets_auto_close() == {"closed": n, "resolved": n}
        counts.append(len(ctx.captured_queries))

    assert counts[0] == counts[1]
