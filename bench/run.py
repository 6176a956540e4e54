"""Benchmarks at scale (run on demand): queries and median milliseconds of the hot paths.

.venv/bin/python bench/run.py --tickets 1000000 [--no-seed] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_bench")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def _ensure_database() -> None:
    import psycopg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[-1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def measure(label: str, fn: Callable[[], object], repeat: int) -> dict[str, object]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    fn()  # warm caches and connections
    timings, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            timings.append((time.perf_counter() - start) * 1000)
        queries = len(ctx.captured_queries)
    row = {"what": label, "queries": queries, "median_ms": round(statistics.median(timings), 1)}
    print(f"{label:<58} {queries:>4} queries {row['median_ms']:>9.1f} ms", flush=True)
    return row


def _trigger_heavy_update(ticket_id: int, repeat: int) -> list[dict[str, object]]:
    """A ticket update with 20 active triggers: 19 that do not match and one that does (a tag and
    a note), measured through the service (its transaction, locks and outbox included). The bench
    triggers are removed afterwards."""
    from django.db import transaction

    from tickets import services
    from tickets.models import Ticket, Trigger
    from tickets.rules.services import rule_save

    made = []
    for i in range(19):
        condition = {"field": "tags", "operator": "includes", "value": [f"bench-never-{i}"]}
        made.append(Trigger(name=f"bench trigger {i}", position=1000 + i, conditions={"all": [condition]}))
        made[-1].actions = [{"action": "add_tags", "value": ["never"]}]
    made.append(
        Trigger(
            name="bench trigger matching",
            position=2000,
            conditions={"all": [{"field": "priority", "operator": "changed"}]},
            actions=[{"action": "add_tags", "value": ["bench"]}, {"action": "add_note", "value": "Bench."}],
        )
    )
    for trigger in made:
        rule_save(rule=trigger, actor=None)
    flip = iter(["high", "low"] * (repeat + 1))

    def update() -> object:
        with transaction.atomic():
            ticket = Ticket.objects.get(pk=ticket_id)
            return services.ticket_update(ticket=ticket, actor=None, data={"priority": next(flip)})

    try:
        return [measure("ticket update with 20 triggers (1 fires)", update, repeat)]
    finally:
        Trigger.objects.filter(name__startswith="bench trigger").delete()


def _custom_field_values() -> None:
    """A text custom field with a value on every ticket (50 distinct values), set in one UPDATE, so the
    `?cf_<key>=` filter is measured over the whole table (through ticket_custom_fields_gin)."""
    from django.db import connection

    from tickets.models import CustomField

    CustomField.objects.get_or_create(key="bench_version", defaults={"label": "Bench version", "field_type": "text"})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket SET custom_fields = "
            "custom_fields || jsonb_build_object('bench_version', (id % 50)::text) "
            "WHERE NOT custom_fields ? 'bench_version'"
        )
        cursor.execute("ANALYZE tickets_ticket")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    _ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    from tickets.models import Ticket

    call_command("migrate", verbosity=0)
    have = Ticket.objects.count()
    if not args.no_seed and have < args.tickets:
        call_command("seed_demo", tickets=args.tickets)  # tops the table up to this many
    call_command("shell", command="from django.db import connection; connection.cursor().execute('ANALYZE')")
    total = Ticket.objects.count()
    print(f"tickets in the database: {total:,}")

    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    client = Client()
    client.force_login(admin)
    sample = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
    email = Ticket.objects.order_by("pk").values_list("customer__email", flat=True).first()

    def get(url: str) -> Callable[[], object]:
        def _run() -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return _run

    from tickets.rules import automations
    from tickets.sla import scans

    _custom_field_values()

    rows = [
        measure("API list, first page (page_size=50)", get("/api/v1/tickets/?page_size=50"), args.repeat),
        measure(
            "API list, status=open,pending&priority=high",
            get("/api/v1/tickets/?status=open,pending&priority=high"),
            args.repeat,
        ),
        measure("API detail", get(f"/api/v1/tickets/{sample}/"), args.repeat),
        measure(
            "API list, custom field filter (?cf_bench_version=7, 1 ticket in 50; GIN containment)",
            get("/api/v1/tickets/?cf_bench_version=7"),
            args.repeat,
        ),
        measure("API full-text search (?search=printer)", get("/api/v1/tickets/?search=printer"), args.repeat),
        measure(
            "API full-text search, common word (?search=refund)", get("/api/v1/tickets/?search=refund"), args.repeat
        ),
        measure("admin changelist, unfiltered", get("/admin/tickets/ticket/"), args.repeat),
        measure("admin changelist, page 100", get("/admin/tickets/ticket/?p=100"), args.repeat),
        measure("admin changelist, status=open", get("/admin/tickets/ticket/?status__exact=open"), args.repeat),
        measure(
            "admin changelist, status=on_hold, page 20",
            get("/admin/tickets/ticket/?status__exact=on_hold&p=20"),
            args.repeat,
        ),
        measure("admin changelist, SLA breached", get("/admin/tickets/ticket/?sla=breached"), args.repeat),
        measure("admin changelist, SLA at risk", get("/admin/tickets/ticket/?sla=at_risk"), args.repeat),
        measure("admin changelist, search 'printer'", get("/admin/tickets/ticket/?q=printer"), args.repeat),
        measure("admin changelist, search 'refund' (common word)", get("/admin/tickets/ticket/?q=refund"), args.repeat),
        measure("admin changelist, search by customer email", get(f"/admin/tickets/ticket/?q={email}"), args.repeat),
        measure("admin change page", get(f"/admin/tickets/ticket/{sample}/change/"), args.repeat),
        measure("SLA breach scan", scans.sla_breach_scan, args.repeat),
        measure("SLA escalation run (the two escalation automations)", automations.sla_escalate, args.repeat),
        measure("automations run (every active automation)", automations.automations_run, args.repeat),
        *_trigger_heavy_update(sample, args.repeat),
    ]
    out = ROOT / "bench" / "RESULTS-hotpaths.md"
    lines = [
        f"# Benchmark results ({total:,} tickets, PostgreSQL, {os.cpu_count()} cores)",
        "",
        "| what | queries | median ms |",
        "|---|---:|---:|",
        *(f"| {r['what']} | {r['queries']} | {r['median_ms']} |" for r in rows),
        "",
    ]
    out.write_text("\n".join(lines))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
