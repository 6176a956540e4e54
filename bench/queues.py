"""Queue, saved view, dashboard and reports at scale (run on demand, never in CI): queries and
median milliseconds, end to end through Django's test client (templates included).

.venv/bin/python bench/queues.py --tickets 1000000 [--no-seed] [--repeat 5]

Same database and seeding as bench/run.py (BENCH_DATABASE_URL, `seed_demo --tickets N`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import _ensure_database, measure  # noqa: E402


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
    from agents.models import Agent, Role
    from tickets import saved_views
    from tickets.dashboard import dashboard_refresh
    from tickets.models import SavedView, Ticket

    call_command("migrate", verbosity=0)
    have = Ticket.objects.count()
    if not args.no_seed and have < args.tickets:
        call_command("seed_demo", tickets=args.tickets)  # tops the table up to this many
    call_command("shell", command="from django.db import connection; connection.cursor().execute('ANALYZE')")
    total = Ticket.objects.count()
    print(f"tickets in the database: {total:,}")

    agent = Agent.objects.filter(role=Role.AGENT, user__is_active=True).select_related("user").first()
    senior = Agent.objects.filter(role__in=[Role.SENIOR_AGENT, Role.ADMIN]).select_related("user").first()
    user = agent.user if agent else senior.user
    client = Client()
    client.force_login(user)
    view = SavedView.objects.filter(owner=user, name="bench: high and critical").first()
    if view is None:
        view = saved_views.saved_view_create(
            actor=user, name="bench: high and critical", filters={"priority": ["high", "critical"]}
        )
    senior_client = Client()
    senior_client.force_login(senior.user)

    def get(url: str, who: Client = client):
        def _run() -> object:
            response = who.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return _run

    rows = [
        measure("queue: active work, most urgent first", get("/admin/tickets/ticket/"), args.repeat),
        measure("queue: next SLA deadline first (o=8)", get("/admin/tickets/ticket/?o=8"), args.repeat),
        measure("queue: mine", get("/admin/tickets/ticket/?assignee=me"), args.repeat),
        measure("saved view (high+critical) in the queue", get(f"/admin/tickets/ticket/?view={view.pk}"), args.repeat),
        measure("saved view API, first page", get(f"/api/v1/views/{view.pk}/tickets/?page_size=50"), args.repeat),
        measure("dashboard (admin home; the figures from the desk's snapshot, Mine live)", get("/admin/"), args.repeat),
        measure("dashboard snapshot computed (beat's Dashboard refresh, every minute)", dashboard_refresh, args.repeat),
        measure("reports page (per team, 30 days)", get("/admin/tickets/ticket/reports/", senior_client), args.repeat),
        measure("reports API per agent (30 days)", get("/api/v1/reports/agent/", senior_client), args.repeat),
    ]
    out = ROOT / "bench" / "RESULTS-queues.md"
    lines = [
        f"# Queue, saved view, dashboard, reports ({total:,} tickets, PostgreSQL, {os.cpu_count()} cores)",
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
