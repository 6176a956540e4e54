"""The breach and warning scan (tickets/sla/scans.py sla_breach_scan) on a realistic mix,
twice (idempotent), with query counts that do not grow with the number of tickets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time
from model_bakery import baker

from notifications.models import OutboxEvent
from tickets import comments, services
from tickets.models import EventKind, Status, Ticket, TicketEvent
from tickets.sla import rules, scans
from tickets.sla.selection import policies_cached
from tickets.tasks import sla_breach_scan_task

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday


def make(customer, priority: str, hours_old: float, title: str | None = None) -> Ticket:
    with freeze_time(NOW - timedelta(hours=hours_old)):
        return services.ticket_create(
            actor=None, title=title or f"{priority} {hours_old}h", customer=customer, priority=priority
        )


def build_mix(customer, agent_user) -> dict[str, Ticket]:
    """The seeds' realistic mix, created through the services at their own (frozen) times."""
    mix = {
        "critical_unassigned_2h": make(customer, "critical", 2),
        "high_5h": make(customer, "high", 5),
        "medium_2h": make(customer, "medium", 2),
        "high_3h30": make(customer, "high", 3.5),  # past 80% of its 4 h: at risk, not breached
        "medium_unassigned_3d": make(customer, "medium", 72),
    }
    assigned = make(customer, "critical", 2, title="critical assigned in progress")
    with freeze_time(NOW - timedelta(hours=2) + timedelta(minutes=10)):
        assigned = services.ticket_assign(ticket=assigned, actor=agent_user, assignee=agent_user)
        assigned = services.ticket_change_status(ticket=assigned, actor=agent_user, status=Status.IN_PROGRESS)
    mix["critical_assigned_in_progress_2h"] = assigned
    return mix


def test_realistic_mix_breaches_and_warnings_twice(wall_clock, customer_a, agent, django_capture_on_commit_callbacks):
    mix = build_mix(customer_a, agent.user)
    versions = {k: Ticket.objects.get(pk=t.pk).version for k, t in mix.items()}

    with freeze_time(NOW), django_capture_on_commit_callbacks(execute=True):
        first = scans.sla_breach_scan()
    with freeze_time(NOW + timedelta(seconds=30)):
        second = scans.sla_breach_scan()

    assert first == {"breached": 3, "warned": 1}
    assert second == {"breached": 0, "warned": 0}
    breached = set(Ticket.objects.filter(sla_breached_at__isnull=False).values_list("pk", flat=True))
    assert breached == {mix[k].pk for k in ("critical_unassigned_2h", "high_5h", "medium_unassigned_3d")}
    assert set(Ticket.objects.filter(sla_warned_at__isnull=False).values_list("pk", flat=True)) == {mix["high_3h30"].pk}
    for key in ("medium_2h", "critical_assigned_in_progress_2h"):
        ticket = Ticket.objects.get(pk=mix[key].pk)
        assert (ticket.sla_breached_at, ticket.sla_warned_at) == (None, None), key
        assert ticket.version == versions[key]
    stamped = Ticket.objects.get(pk=mix["high_5h"].pk)
    assert stamped.sla_breached_at == NOW
    assert stamped.version == versions["high_5h"] + 1

    events = TicketEvent.objects.filter(kind=EventKind.SLA_BREACHED)
    assert sorted(events.values_list("ticket_id", flat=True)) == sorted(breached)
    assert set(events.values_list("field", flat=True)) == {"first_response"}
    outbox = OutboxEvent.objects.filter(event="ticket.sla_breached")
    assert sorted(e.payload["ticket"]["id"] for e in outbox) == sorted(breached)
    assert all(e.payload["target"] == "first_response" for e in outbox)
    assert all(e.status == "dispatched" for e in outbox)  # dispatched after commit (eager Celery)
    warning = OutboxEvent.objects.get(event="ticket.sla_warning")
    assert warning.payload["ticket"]["id"] == mix["high_3h30"].pk
    assert TicketEvent.objects.filter(kind=EventKind.SLA_WARNING).count() == 1


def test_resolution_breach_is_named_in_the_event(wall_clock, customer_a, agent):
    ticket = make(customer_a, "critical", 9)
    with freeze_time(NOW - timedelta(hours=8, minutes=50)):
        comments.comment_add(ticket=ticket, actor=agent.user, body="Looking.")

    with freeze_time(NOW):
        assert scans.sla_breach_scan() == {"breached": 1, "warned": 0}

    event = TicketEvent.objects.get(kind=EventKind.SLA_BREACHED)
    assert event.field == "resolution"
    assert OutboxEvent.objects.get(event="ticket.sla_breached").payload["target"] == "resolution"


def test_warning_then_breach_of_the_same_ticket(wall_clock, customer_a):
    ticket = make(customer_a, "critical", 0)

    with freeze_time(NOW + timedelta(minutes=50)):
        assert scans.sla_breach_scan() == {"breached": 0, "warned": 1}
    with freeze_time(NOW + timedelta(minutes=61)):
        assert scans.sla_breach_scan() == {"breached": 1, "warned": 0}

    ticket.refresh_from_db()
    assert ticket.sla_warned_at == NOW + timedelta(minutes=50)
    assert ticket.sla_breached_at == NOW + timedelta(minutes=61)


def test_done_and_pending_tickets_are_not_breached_on_resolution(wall_clock, customer_a, agent):
    resolved = make(customer_a, "critical", 30)
    with freeze_time(NOW - timedelta(hours=29, minutes=50)):
        comments.comment_add(ticket=resolved, actor=agent.user, body="Fixed.")
        services.ticket_change_status(ticket=resolved, actor=agent.user, status=Status.RESOLVED)
        pending = make(customer_a, "critical", 30)
        comments.comment_add(ticket=pending, actor=agent.user, body="Can you send logs?")
        services.ticket_change_status(ticket=pending, actor=agent.user, status=Status.PENDING)

    with freeze_time(NOW):
        assert scans.sla_breach_scan() == {"breached": 0, "warned": 0}


def test_batch_limit_leaves_the_rest_for_the_next_run(wall_clock, customer_a):
    for _ in range(3):
        make(customer_a, "critical", 2)

    with freeze_time(NOW):
        assert scans.sla_breach_scan(limit=2)["breached"] == 2
        assert scans.sla_breach_scan(limit=2)["breached"] == 1
        assert scans.sla_breach_scan(limit=2)["breached"] == 0


def test_the_beat_task_runs_the_scan(wall_clock, customer_a):
    make(customer_a, "critical", 2)

    with freeze_time(NOW):
        result = sla_breach_scan_task.delay().get()

    assert result == {"breached": 1, "warned": 0}


def _overdue(n: int, customer) -> None:
    baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer,
        priority="critical",
        first_response_due_at=NOW - timedelta(minutes=5),
        first_response_warn_at=NOW - timedelta(minutes=20),
        _quantity=n,
    )
    baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer,
        priority="high",
        first_response_due_at=NOW + timedelta(hours=1),
        first_response_warn_at=NOW - timedelta(minutes=1),
        _quantity=n,
    )


def test_scan_query_count_does_not_grow_with_tickets(customer_a, django_assert_max_num_queries):
    """15 (14 -> 15: the breaches' SLA log entries, one bulk INSERT). The SLA policies (which pause
    which clock) come from the cache, warmed first as a running beat has it."""
    policies_cached()
    counts = []
    for n in (3, 30):
        Ticket.objects.all().delete()
        _overdue(n, customer_a)
        with freeze_time(NOW), CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(15):
            assert scans.sla_breach_scan() == {"breached": n, "warned": n}
        counts.append(len(ctx.captured_queries))

    assert counts[0] == counts[1]


@pytest.mark.postgres(reason="EXPLAIN of partial indexes")
def test_breach_scan_reads_an_index_not_the_table():
    from django.db.models import Q

    unstamped = Q(sla_breached_at__isnull=True)
    qs = Ticket.objects.filter(
        (rules.first_response_overdue_q(NOW) & unstamped) | (rules.resolution_overdue_q(NOW) & unstamped)
    )
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = qs.explain()
        cursor.execute("RESET enable_seqscan")

    assert "ticket_frt_due_open_idx" in plan or "ticket_res_due_open_idx" in plan
    assert "Seq Scan" not in plan


@pytest.mark.postgres(reason="EXPLAIN of partial indexes")
def test_next_reply_scan_reads_its_partial_index():
    """Late next replies are found on ticket_nrt_due_open_idx (open clocks not yet stamped)."""
    from django.db.models import Q

    qs = Ticket.objects.filter(rules.next_reply_overdue_q(NOW) & Q(next_reply_breached_at__isnull=True))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = qs.explain()
        cursor.execute("RESET enable_seqscan")

    assert "ticket_nrt_due_open_idx" in plan
    assert "Seq Scan" not in plan


@pytest.mark.postgres(reason="row locks with SKIP LOCKED")
@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_skip_rows_another_run_holds(customer_a):
    """A second scan running while another holds some rows skips them (SKIP LOCKED) instead of
    waiting or stamping them twice; the rows are stamped once, by whoever holds them."""
    import threading

    from django.db import connections, transaction

    held, free = (
        baker.make_recipe(
            "tests.tickets.ticket",
            customer=customer_a,
            priority="critical",
            first_response_due_at=NOW - timedelta(minutes=5),
            _quantity=2,
        )
        for _ in range(2)
    )
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                list(Ticket.objects.select_for_update().filter(pk__in=[t.pk for t in held]))
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        with freeze_time(NOW):
            assert scans.sla_breach_scan()["breached"] == 2
    finally:
        release.set()
        thread.join(timeout=30)
    assert done.is_set()

    stamped = set(Ticket.objects.filter(sla_breached_at__isnull=False).values_list("pk", flat=True))
    assert stamped == {t.pk for t in free}
    with freeze_time(NOW):
        assert scans.sla_breach_scan()["breached"] == 2
    assert TicketEvent.objects.filter(kind=EventKind.SLA_BREACHED).count() == 4
