"""The API over HTTP against its raw-SQL floor (and django-helpdesk, with --peer): one table.

    .venv/bin/python bench/api.py --tickets 100000 [--no-seed] [--seconds 15] [--peer]

Seeds (once) a PostgreSQL database with `seed_demo --tickets N`, starts gunicorn (2 sync workers,
production settings, sessions and cache in Redis) with the floor views of bench/floor/ beside the
product's URLs, and drives each workload with wrk (4 connections) for --seconds: the ticket list's
first page with a JWT and with a session cookie, a ticket's detail, a search and a create with a
JWT, and the floor of each read. Queries per request are counted in-process with the same
settings. With --peer, bench/peer.py runs django-helpdesk from PyPI in a throw-away virtualenv and
database of the same size and its figures fill the peer column. See bench/README.md."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
PORT = int(os.environ.get("BENCH_PORT", "8411"))
ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.floor.settings",
    "DATABASE_URL": DATABASE_URL,
    "CACHE_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL,
    "SECRET_KEY": "bench-" + "x" * 60,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
    "JWT_ACCESS_MINUTES": "240",
    # Throttling still runs (a cache read and write per request), at rates a bench never reaches.
    "API_THROTTLE_USER": "100000000/hour",
    "CONN_MAX_AGE": "600",
}
os.environ.update(ENV)


def _ensure_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[-1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _wrk(url: str, *, seconds: int, connections: int, headers: dict[str, str], body: str | None = None) -> dict:
    """wrk's requests/s and latency percentiles (its --latency table gives 50% and 99%)."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    script = None
    if body is not None:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n')
        script.write('wrk.headers["Content-Type"] = "application/json"\n')
        script.close()
        args += ["-s", script.name]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    if script is not None:
        Path(script.name).unlink()

    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(rate.group(1)) if rate else 0.0,
        "p50": latency("50"),
        "p99": latency("99"),
        "requests": int(total.group(1)) if total else 0,
        "errors": int(errors.group(1)) if errors else 0,
    }


def _rss_kib(pids: list[int]) -> list[int]:
    sizes = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)))
    return sizes


def _worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True, check=False).stdout
    return [int(pid) for pid in out.split()]


def _setup(args: argparse.Namespace) -> dict:
    """Migrate, seed, and return the callers' credentials and sample ids."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import AccessToken

    from tickets.models import Ticket

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # production's manifest (the admin queue)
    have = Ticket.objects.count()
    seed_seconds = None
    if not args.no_seed and have < args.tickets:
        start = time.perf_counter()
        call_command("seed_demo", tickets=args.tickets)
        seed_seconds = time.perf_counter() - start
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(admin.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    session.create()
    sample = Ticket.objects.filter(attachments__isnull=False).order_by("-pk").values_list("pk", flat=True).first()
    return {
        "token": str(AccessToken.for_user(admin)),
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "sample": sample or Ticket.objects.order_by("-pk").values_list("pk", flat=True).first(),
        "tickets": Ticket.objects.count(),
        "seed_seconds": seed_seconds,
    }


def _queries(path: str, headers: dict[str, str], body: str | None = None) -> int:
    """Queries of one request, in-process with the same settings (after a warm-up request)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items() if k != "Cookie"}
    client = Client(HTTP_HOST="127.0.0.1", **extra)
    if "Cookie" in headers:
        name, value = headers["Cookie"].split("=", 1)
        client.cookies[name] = value

    def call():
        if body is None:
            return client.get(path)
        return client.post(path, body, content_type="application/json")

    call()
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code in (200, 201), (path, response.status_code, response.content[:300])
    return len(ctx.captured_queries)


WORKLOADS = [  # name, path, auth, floor path, body
    ("API list, first page of 25 (JWT)", "/api/v1/tickets/", "jwt", "/bench/floor/tickets/", None),
    ("API list, first page of 25 (session)", "/api/v1/tickets/", "session", "/bench/floor/tickets/", None),
    ("API detail (JWT)", "/api/v1/tickets/{sample}/", "jwt", "/bench/floor/tickets/{sample}/", None),
    (
        "API search ?search=invoice (JWT)",
        "/api/v1/tickets/?search=invoice",
        "jwt",
        "/bench/floor/tickets/?search=invoice",
        None,
    ),
    ("API create (JWT)", "/api/v1/tickets/", "jwt", None, "create"),
    # The agents' queue: compared with django-helpdesk's admin changelist per row shown (pages differ).
    ("Admin queue (changelist)", "/admin/tickets/ticket/", "session", None, None),
]
ROW_MARKER = 'name="_selected_action"'  # the action checkbox Django's admin puts on every row


def rows_on_page(url: str, headers: dict[str, str]) -> int:
    """Rows a changelist shows (its per-row action checkboxes), read over HTTP like a browser."""
    args = ["curl", "-s", "--max-time", "600"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    return subprocess.run([*args, url], capture_output=True, text=True, check=False).stdout.count(ROW_MARKER)


CREATE_BODY = json.dumps(
    {
        "title": "Printer on fire",
        "description": "Smoke from tray 2.",
        "customer_email": "bench@acme.example",
        "priority": "high",
    }
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--peer", action="store_true", help="Also run django-helpdesk (bench/peer.py).")
    parser.add_argument("--peer-json", help="Use the figures of an earlier bench/peer.py run (read at the end).")
    parser.add_argument("--out", help="Also write the table (markdown) to this file.")
    args = parser.parse_args()

    _ensure_database()
    info = _setup(args)
    auth = {"jwt": {"Authorization": f"Bearer {info['token']}"}, "session": {"Cookie": info["cookie"]}}
    base = f"http://127.0.0.1:{PORT}"
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "bench.floor.wsgi:application",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--chdir",
            str(ROOT),
            "--log-level",
            "warning",
        ],
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    rows = []
    try:
        for _ in range(100):
            try:
                subprocess.run(["curl", "-sf", "-o", "/dev/null", f"{base}/healthz"], check=True)
                break
            except subprocess.CalledProcessError:
                time.sleep(0.3)
        workers = _worker_pids(server.pid)
        rss_start = _rss_kib(workers)
        total_requests = 0
        for name, path, who, floor, body in WORKLOADS:
            url = path.format(sample=info["sample"])
            payload = CREATE_BODY if body else None
            ours = _wrk(base + url, seconds=args.seconds, connections=args.connections, headers=auth[who], body=payload)
            total_requests += ours["requests"]
            floor_run = None
            if floor:
                floor_url = floor.format(sample=info["sample"])
                floor_run = _wrk(base + floor_url, seconds=args.seconds, connections=args.connections, headers={})
                total_requests += floor_run["requests"]
            queries = _queries(url, auth[who], payload)
            row = {"workload": name, "ours": ours, "floor": floor_run, "queries": queries}
            if name.startswith("Admin queue"):
                row["rows"] = rows_on_page(base + url, auth[who])
            rows.append(row)
            print(f"{name}: {ours['rps']:.1f} req/s (floor {floor_run['rps'] if floor_run else '-'})", flush=True)
        rss_end = _rss_kib(workers)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker still busy with a request nobody waits for
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()

    peer = {}
    if args.peer_json:
        peer = json.loads(Path(args.peer_json).read_text())
    elif args.peer:
        out = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "peer.py"),
                "--tickets",
                str(args.tickets),
                "--seconds",
                str(args.seconds),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        peer = json.loads(out.strip().splitlines()[-1])
        (ROOT / "bench" / f"peer-{args.tickets}.json").write_text(json.dumps(peer) + "\n")
    table = _table(rows, peer, info, args, rss_start, rss_end, total_requests)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n")
    return 0


def _fmt(run: dict | None) -> str:
    if not run:
        return "—"
    errors = f", {run['errors']} errors" if run.get("errors") else ""
    return f"{run['rps']:.1f} req/s{errors}"


def _table(rows, peer, info, args, rss_start, rss_end, total_requests) -> str:
    lines = [
        f"{info['tickets']:,} tickets, PostgreSQL, gunicorn {args.workers} sync workers, wrk {args.connections} "
        f"connections x {args.seconds} s per workload, load average before the run: {os.getloadavg()[0]:.1f}",
        "",
        "| workload | django-helpdesk | ours | raw-SQL floor | ours ÷ floor | ours ÷ peer | queries "
        "| p50 / p99 ms (ours) |",
        "|---|---|---|---|---|---|---:|---|",
    ]
    for row in rows:
        ours, floor = row["ours"], row["floor"]
        peer_run = peer.get(row["workload"].split(" (")[0])
        ratio_floor = f"**{ours['rps'] / floor['rps']:.2f}**" if floor and floor["rps"] else "—"
        if peer_run and peer_run.get("rps") and row.get("rows") and peer_run.get("rows"):  # per row shown
            ours_per_row, peer_per_row = ours["rps"] * row["rows"], peer_run["rps"] * peer_run["rows"]
            ratio_peer = f"{ours_per_row / peer_per_row:.1f}x per row"
            peer_text = f"{peer_run['rps']:.1f} req/s x {peer_run['rows']} rows"
        elif peer_run and peer_run.get("rps"):
            ratio_peer = f"{ours['rps'] / peer_run['rps']:.1f}x"
            peer_text = f"{peer_run['rps']:.1f} req/s"
        elif peer_run:
            ratio_peer, peer_text = "—", peer_run.get("text", "—")
        else:
            ratio_peer, peer_text = "—", "—"
        ours_text = _fmt(ours) + (f" x {row['rows']} rows" if row.get("rows") else "")
        lines.append(
            f"| {row['workload']} | {peer_text} | {ours_text} | {_fmt(floor)} | {ratio_floor} | {ratio_peer} | "
            f"{row['queries']} | {ours['p50']:.1f} / {ours['p99']:.1f} |"
        )
    if info["seed_seconds"] is not None:
        peer_seed = peer.get("seed", {}).get("text", "—")
        lines.append(
            f"| seed {args.tickets:,} tickets | {peer_seed} | {info['seed_seconds']:.0f} s | — | — | — | — | — |"
        )
    mib = [round(k / 1024) for k in rss_start], [round(k / 1024) for k in rss_end]
    lines += [
        "",
        f"Worker RSS (MiB) before → after {total_requests:,} requests: {mib[0]} → {mib[1]}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
