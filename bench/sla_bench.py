"""On-demand benchmark of the SLA scans on a large ticket table (not part of the test suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_sla \
        .venv/bin/python bench/sla_bench.py --tickets 1000000

Fills the table (ORM bulk_create, batches of 10,000) with a realistic spread: most tickets done
or well within target, ~1% past their first-response target, ~0.5% open and unassigned for days.
Then times the breach scan and the escalation (each run is one batch of SLA_SCAN_BATCH_SIZE) and
prints the query plans, so "an index range scan, not a table scan" can be checked. The rows are
deleted at the end unless --keep. Needs a migrated database; PostgreSQL for the plans.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# The outbox dispatches enqueued after commit go to an in-process broker, never to a real queue.
os.environ["CELERY_BROKER_URL"] = "memory://"

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.models import Customer  # noqa: E402
from tickets.models import ACTIVE_STATUSES, Automation, Ticket  # noqa: E402
from tickets.rules import automations  # noqa: E402
from tickets.sla import rules, scans  # noqa: E402

MARK = "sla-bench"


def fill(n: int, batch: int = 10_000) -> None:
    customer, _ = Customer.objects.get_or_create(email="sla-bench@example.com", defaults={"name": "Bench"})
    now = timezone.now()
    rng = random.Random(5)
    made = 0
    while made < n:
        rows = []
        for _ in range(min(batch, n - made)):
            roll = rng.random()
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 60))
            fields = {"status": "closed", "closed_at": now, "resolved_at": now}
            if roll < 0.01:  # overdue first response
                fields = {"status": "open", "first_response_due_at": now - timedelta(minutes=rng.randint(1, 600))}
            elif roll < 0.015:  # open, unassigned, days old
                created = now - timedelta(days=rng.randint(4, 20))
                fields = {"status": "open", "first_response_due_at": now + timedelta(days=30)}
            elif roll < 0.2:  # active, within target
                fields = {
                    "status": rng.choice(sorted(ACTIVE_STATUSES)),
                    "first_response_due_at": now + timedelta(minutes=rng.randint(60, 6000)),
                    "first_response_warn_at": now + timedelta(minutes=rng.randint(30, 5000)),
                    "resolution_due_at": now + timedelta(minutes=rng.randint(600, 60000)),
                    "resolution_warn_at": now + timedelta(minutes=rng.randint(500, 50000)),
                    "first_responded_at": created,
                }
            rows.append(
                Ticket(
                    title=MARK,
                    customer=customer,
                    priority=rng.choice(["low", "medium", "high", "critical"]),
                    created_at=created,
                    **fields,
                )
            )
        Ticket.objects.bulk_create(rows, batch_size=batch)
        made += len(rows)
        print(f"  {made:,} tickets", end="\r", flush=True)
    print()


def fill_fast(n: int, seed_rows: int = 50_000) -> None:
    """Build `seed_rows` tickets through the ORM, then double them with INSERT ... SELECT (every
    concrete column, whatever other apps added) until there are `n`."""
    fill(min(n, seed_rows))
    columns = [
        f.column
        for f in Ticket._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False) and f.column != "external_id"
    ]
    cols = ", ".join(f'"{c}"' for c in columns)
    table = Ticket._meta.db_table
    count = Ticket.objects.filter(title=MARK).count()
    while count < n:
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{table}" WHERE title = %s LIMIT %s',
                [MARK, n - count],
            )
        count = Ticket.objects.filter(title=MARK).count()
        print(f"  {count:,} tickets", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_ticket")


def cleanup(started) -> None:
    """Raw deletes (no per-row cascade collection): events, comments, outbox rows, tickets."""
    from notifications.models import OutboxEvent
    from tickets.models import Comment, TicketEvent

    for qs in (
        TicketEvent.objects.filter(ticket__title=MARK),
        Comment.objects.filter(ticket__title=MARK),
        OutboxEvent.objects.filter(created_at__gte=started, event__startswith="ticket."),
        Ticket.objects.filter(title=MARK),
    ):
        qs._raw_delete(qs.db)


def explain(label: str, qs) -> None:
    if connection.vendor != "postgresql":
        return
    print(f"--- plan: {label}")
    print(qs.explain())


def timed(label: str, fn) -> None:
    """The service in its transaction (queries counted), then the commit with its after-commit
    enqueue of one outbox dispatch per event (to the in-memory broker here)."""
    from django.test.utils import CaptureQueriesContext

    start = time.perf_counter()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        result = fn()
        in_transaction = time.perf_counter()
    done = time.perf_counter()
    print(
        f"{label}: {result}: {len(queries)} queries, {(in_transaction - start) * 1000:.0f} ms in the transaction, "
        f"{(done - in_transaction) * 1000:.0f} ms commit + after-commit enqueue"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated tickets")
    parser.add_argument("--skip-fill", action="store_true", help="reuse tickets kept by an earlier --keep run")
    args = parser.parse_args()

    started = timezone.now()
    if not args.skip_fill:
        print(f"filling {args.tickets:,} tickets ...")
        start = time.perf_counter()
        fill_fast(args.tickets)
        print(f"filled in {time.perf_counter() - start:.0f} s")
    now = timezone.now()
    unstamped = Q(sla_breached_at__isnull=True)
    explain(
        "breach scan",
        Ticket.objects.filter(
            (rules.first_response_overdue_q(now) & unstamped) | (rules.resolution_overdue_q(now) & unstamped)
        ).values_list("pk")[:1000],
    )
    for automation in Automation.objects.filter(is_active=True).order_by("position", "id"):
        explain(f"automation {automation.name}", automations.matching(automation, now=now).values_list("pk")[:1000])
    for run in range(1, 4):
        timed(f"breach scan #{run}", scans.sla_breach_scan)
    for run in range(1, 4):
        timed(f"escalation #{run}", automations.sla_escalate)
    timed("auto-close", automations.tickets_auto_close)
    timed("every automation", automations.automations_run)
    if not args.keep:
        print("cleaning up ...")
        cleanup(started)


if __name__ == "__main__":
    main()
