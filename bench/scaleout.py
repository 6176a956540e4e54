#!/usr/bin/env python3
"""Scale-out rehearsal on loopback (bench/README.md "Scale-out rehearsal").

Starts N gunicorn web servers, M Celery workers (every queue) and one beat with the production
settings against PostgreSQL and Redis, drives a bounded mixed API load through all web servers,
`kill -9`s every worker process twice during the load and restarts them, waits for the backlog to
drain, and prints what an operator needs to trust a deployment: requests and 5xx, outbox events
generated vs delivered, webhook receipts and duplicates, SLA scan lateness, periodic runs per period.

    .venv/bin/python bench/scaleout.py --database-url postgres://postgres@127.0.0.1:5432/hd_ops \\
        --redis-url redis://127.0.0.1:6379/4

The database named in --database-url is DROPPED and re-created, and the Redis db is flushed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlparse

import requests
from scaleout_cluster import BIN, PASSWORD, ROOT, Cluster, Load, Receiver, log

CELERY_DEPTH = 'helpdesk_celery_queue_length{queue="celery"}'
TOKEN = "scaleout-metrics-token"
PERIODIC = {  # task: period in seconds (config/schedules.py)
    "notifications.outbox_sweep": 60,
    "notifications.delivery_retry": 60,
    "tickets.sla_breach_scan": 60,
    "tickets.sla_escalate": 300,
    "tickets.job_requeue_stale": 300,
}


# --- the run ---------------------------------------------------------------------------------------


def manage(env: dict[str, str], *argv: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *argv], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def reset_stores(database_url: str, redis_url: str) -> None:
    import psycopg
    import redis

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(redis_url).flushdb()


SETUP = """
import datetime, random
from django.utils import timezone
from agents.models import Agent
from notifications.events import known_events
from notifications.subscriptions import webhook_subscription_create
from tickets.models import Ticket
admin = Agent.objects.get(user__email="admin@helpdesk.local").user
webhook_subscription_create(actor=admin, url="{url}", events=list(known_events()), description="scaleout")
# SLA clocks that run out during the load: first-response targets due 60 to 200 s from now.
rng, now = random.Random(3), timezone.now()
for pk in Ticket.objects.filter(first_responded_at__isnull=True, status="open").values_list("pk", flat=True):
    due = now + datetime.timedelta(seconds=rng.randint(60, 200))
    Ticket.objects.filter(pk=pk).update(
        first_response_due_at=due, first_response_warn_at=due - datetime.timedelta(seconds=40),
        sla_warned_at=None, sla_breached_at=None)
print(Ticket.objects.count())
"""

REPORT = """
import json
from django.db.models import Count
from notifications.models import OutboxEvent, WebhookDelivery, EmailLog
from tickets.models import SLAScanRun, Ticket
runs = [
    {{"kind": r.kind, "scheduled": r.scheduled_at.timestamp(), "started": r.started_at.timestamp(),
      "lateness": r.lateness_seconds, "result": r.result}}
    for r in SLAScanRun.objects.order_by("started_at")
]
print(json.dumps({{
    "outbox": dict(OutboxEvent.objects.values_list("status").annotate(n=Count("id"))),
    "deliveries": dict(WebhookDelivery.objects.values_list("status").annotate(n=Count("id"))),
    "duplicate_delivery_rows": WebhookDelivery.objects.values("event_id", "subscription")
        .annotate(n=Count("id")).filter(n__gt=1).count(),
    "emails": dict(EmailLog.objects.values_list("status").annotate(n=Count("id"))),
    "tickets": Ticket.objects.count(),
    "breached": Ticket.objects.filter(sla_breached_at__isnull=False).count(),
    "runs": runs,
}}))
"""


def settled(env: dict[str, str]) -> dict:
    return json.loads(manage(env, "shell", "-c", REPORT.format()).strip().splitlines()[-1])


def scrape(port: int) -> dict[str, float]:
    text = requests.get(
        f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ).text
    values = {}
    for line in text.splitlines():
        if line.startswith(("helpdesk_outbox", "helpdesk_celery_queue_length", "helpdesk_sla_scan_lateness")):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/helpdesk_scaleout")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=150, help="load duration (bounded)")
    parser.add_argument("--max-requests", type=int, default=3000)
    parser.add_argument("--kills", type=int, default=2, help="rounds of kill -9 on every worker")
    parser.add_argument("--drain-seconds", type=float, default=240)
    parser.add_argument("--webhook-fail-ratio", type=float, default=0.05)
    parser.add_argument("--base-port", type=int, default=18100)
    args = parser.parse_args()
    started = time.monotonic()
    logs = ROOT / "var" / "scaleout"
    logs.mkdir(parents=True, exist_ok=True)
    for old in logs.glob("*.log"):
        old.unlink()

    receiver = Receiver(args.webhook_fail_ratio)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "scaleout-rehearsal-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "DATABASE_URL": args.database_url,
        "CELERY_BROKER_URL": args.redis_url,
        "CACHE_URL": args.redis_url,
        "EMAIL_URL": "dummymail://",
        "METRICS_TOKEN": TOKEN,
        "LOG_FORMAT": "json",
        "TRUST_UPSTREAM_REQUEST_ID": "true",
        "DEMO_ADMIN_PASSWORD": PASSWORD,
        "API_THROTTLE_USER": "1000000/hour",
        "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "WEBHOOK_RETRY_SCHEDULE": "5,10,20,40,80",
        # Shorter leases than production so that work a killed worker held is retaken within the run.
        "OUTBOX_SWEEP_GRACE_SECONDS": "20",
        "WEBHOOK_CLAIM_LEASE_SECONDS": "30",
        "EMAIL_CLAIM_LEASE_SECONDS": "30",
        "CELERY_VISIBILITY_TIMEOUT": "60",
        "CELERY_TASK_SOFT_TIME_LIMIT": "40",
        "CELERY_TASK_TIME_LIMIT": "50",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log(f"resetting {urlparse(args.database_url).path.lstrip('/')} and {args.redis_url}; migrate; demo data")
    reset_stores(args.database_url, args.redis_url)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
    manage(env, "shell", "-c", SETUP.format(url=url))

    cluster = Cluster(args, env, logs)
    cluster.start()
    try:
        cluster.wait_ready()
        log(f"{args.web} web ({cluster.web_ports}), {args.workers} workers x {args.concurrency}, 1 beat: ready")
        load = Load(cluster.web_ports, args.max_requests, args.seconds, args.clients)
        load_started = time.monotonic()
        threads = load.run()
        peaks: Counter[str] = Counter()
        kill_at = [load_started + args.seconds * (k + 1) / (args.kills + 1) for k in range(args.kills)]
        killed = 0
        while any(t.is_alive() for t in threads):
            if kill_at and time.monotonic() >= kill_at[0]:
                kill_at.pop(0)
                killed += cluster.kill_workers()
                log(f"kill -9 on every worker ({killed} so far); restarting in 3 s")
                time.sleep(3)
                cluster.restart_workers()
            try:
                for name, value in scrape(cluster.web_ports[0]).items():
                    peaks[name] = max(peaks[name], value)
            except requests.RequestException:
                pass
            time.sleep(2)
        load_seconds = time.monotonic() - load_started
        log(f"load done: {sum(load.statuses.values())} requests in {load_seconds:.0f} s; draining")
        drain_started = time.monotonic()
        while time.monotonic() - drain_started < args.drain_seconds:
            state = settled(env)
            pending = state["outbox"].get("pending", 0) + state["deliveries"].get("pending", 0)
            pending += state["emails"].get("pending", 0) + state["emails"].get("sending", 0)
            if not pending:
                break
            time.sleep(5)
        drained = time.monotonic() - drain_started
        state = settled(env)
        elapsed_cluster = time.monotonic() - load_started
    finally:
        cluster.stop()
        receiver.shutdown()

    report(args, load, state, receiver, peaks, killed, cluster.restarts, load_seconds, drained, elapsed_cluster, logs)
    log(f"total wall time {time.monotonic() - started:.0f} s")


def report(args, load, state, receiver, peaks, killed, restarts, load_seconds, drained, elapsed, logs) -> None:
    lat = sorted(load.latencies) or [0.0]
    five = sum(n for status, n in load.statuses.items() if status >= 500)
    print("\n=== scale-out rehearsal ===")
    print(
        f"cluster            {args.web} web x 2 gunicorn workers, "
        f"{args.workers} Celery workers x {args.concurrency}, 1 beat"
    )
    print(f"load               {load_seconds:.0f} s, {args.clients} clients, {sum(load.statuses.values())} requests")
    print(f"status codes       {dict(sorted(load.statuses.items()))}  client errors: {dict(load.errors) or 0}")
    print(f"5xx                {five}")
    print(f"latency            p50 {lat[len(lat) // 2] * 1000:.0f} ms, p95 {lat[int(len(lat) * 0.95)] * 1000:.0f} ms")
    print(f"kill -9            {killed} worker process groups killed in {restarts} rounds, all restarted")
    outbox = state["outbox"]
    generated = sum(outbox.values())
    print(
        f"outbox events      generated {generated}, dispatched {outbox.get('dispatched', 0)}, "
        f"pending {outbox.get('pending', 0)}, failed {outbox.get('failed', 0)}"
    )
    deliveries = state["deliveries"]
    unique = len(receiver.receipts)
    extra = sum(n - 1 for n in receiver.receipts.values() if n > 1)
    two_ids = sum(1 for ids in receiver.event_ids.values() if len(ids) > 1)
    print(
        f"webhook deliveries rows {sum(deliveries.values())}: delivered {deliveries.get('delivered', 0)}, "
        f"pending {deliveries.get('pending', 0)}, failed {deliveries.get('failed', 0)}"
    )
    print(f"receiver           {unique} distinct webhook-ids accepted, {receiver.refused} refused with 503 (retried)")
    print(
        f"duplicates         {extra} repeat receipts of one webhook-id (at-least-once, receivers dedupe by it); "
        f"{two_ids} events delivered under two ids; {state['duplicate_delivery_rows']} duplicate delivery rows"
    )
    lost = generated - outbox.get("dispatched", 0)
    print(
        f"lost               {lost} events not dispatched; "
        f"{deliveries.get('delivered', 0) - unique} delivered rows the receiver never accepted"
    )
    emails = state["emails"]
    print(f"emails             {emails}")
    print(f"drain              backlog empty {drained:.0f} s after the load ended")
    print(
        f"peaks (/metrics)   outbox pending {peaks.get('helpdesk_outbox_pending_events', 0):.0f}, "
        f"oldest pending {peaks.get('helpdesk_outbox_oldest_pending_age_seconds', 0):.0f} s, "
        f"queue celery {peaks.get(CELERY_DEPTH, 0):.0f}"
    )
    runs = [r for r in state["runs"] if r["kind"] == "breach_scan"]
    late = [r["lateness"] for r in runs]
    gaps = [b["scheduled"] - a["scheduled"] for a, b in itertools.pairwise(runs)]
    if late:
        print(
            f"SLA breach scans   {len(runs)} runs; lateness (published -> started) max {max(late):.2f} s, "
            f"median {statistics.median(late):.2f} s; "
            f"breaches stamped {sum(r['result'].get('breached', 0) for r in runs)}, "
            f"warnings {sum(r['result'].get('warned', 0) for r in runs)}"
        )
        print(f"                   lateness per run: {', '.join(f'{x:.2f}' for x in late)}")
        print(
            f"                   gaps between scheduled runs: {', '.join(f'{g:.0f}' for g in gaps)} s "
            f"(duplicates = gaps under 30 s: {sum(1 for g in gaps if g < 30)})"
        )
    executed = Counter()
    executed_ids: dict[str, Counter] = {}
    beat_sent = Counter(re.findall(r"Sending due task [^(]*\((\S+)\)", (logs / "beat.log").read_text()))
    pattern = re.compile(r"Task (\S+)\[([0-9a-f-]{36})\] succeeded")
    for path in logs.glob("worker*.log"):
        for match in pattern.finditer(path.read_text(errors="replace")):
            executed_ids.setdefault(match.group(1), Counter())[match.group(2)] += 1
    print(f"periodic runs      over {elapsed:.0f} s of cluster time (beat sends / distinct runs / re-runs of one id):")
    for task, period in PERIODIC.items():
        ids = executed_ids.get(task, Counter())
        executed[task] = len(ids)
        expected = int(elapsed // period) + 1
        print(
            f"  {task:<32} every {period:>3} s: expected <= {expected:>2}, "
            f"beat sent {beat_sent[task]:>2}, "
            f"ran {len(ids):>2}, re-run after kill {sum(n - 1 for n in ids.values())}"
        )
    texts = [p.read_text(errors="replace") for p in logs.glob("*.log")]
    unmasked = sum(len(re.findall(r"[A-Za-z0-9._%+-]{2,}@[A-Za-z0-9-]+\.[A-Za-z]{2,}", t)) for t in texts)
    web_ids = {i for p in logs.glob("web*.log") for i in re.findall(r'"request_id": "([0-9a-f-]{36})"', p.read_text())}
    worker_ids = {
        i for p in logs.glob("worker*.log") for i in re.findall(r'"request_id": "([0-9a-f-]{36})"', p.read_text())
    }
    print(
        f"logs               JSON; {len(web_ids & worker_ids)} request ids seen in both web and worker logs; "
        f"{unmasked} unmasked email addresses"
    )


if __name__ == "__main__":
    main()
