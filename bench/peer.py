"""django-helpdesk from PyPI, side by side with bench/api.py: a throw-away virtualenv, project and
database of the same size, served by gunicorn (2 sync workers) and measured the same way.

    .venv/bin/python bench/peer.py --tickets 100000 [--seconds 15]

Prints progress on stderr and, last on stdout, one JSON object keyed by workload (what
bench/api.py --peer-json reads). Its API list and detail walk every ticket of the queryset (a
custom-field lookup per ticket), so each is timed as one request (`--single-timeout`), not driven by
wrk; create is driven by wrk like ours. Everything lives under PEER_DIR (/tmp/helpdesk-peer) and the
database PEER_DATABASE_URL (helpdesk_peer), both replaced on every run."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import _wrk, rows_on_page

PEER_VERSION = "2.6.1"
PEER_DIR = Path(os.environ.get("PEER_DIR", "/tmp/helpdesk-peer"))
DATABASE_URL = os.environ.get("PEER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_peer")
PORT = int(os.environ.get("PEER_PORT", "8412"))

SETTINGS = """
import environ
env = environ.Env()
SECRET_KEY = "peer-" + "x" * 60
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware", "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {
    "context_processors": ["django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
                           "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = 600
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SITE_ID = 1
STATIC_URL = "/static/"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_API_ENABLED = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": True}
"""
URLS = """
from django.contrib import admin
from django.urls import include, path
urlpatterns = [path("admin/", admin.site.urls), path("", include("helpdesk.urls"))]
"""
SEED = """
import os, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from helpdesk.models import FollowUp, Queue, Ticket
n = int(sys.argv[1])
admin = get_user_model().objects.create_superuser("admin", "admin@peer.example", "peer-admin")
queue = Queue.objects.create(title="Support", slug="support")
start = time.perf_counter()
# One ticket and one follow-up through the ORM, then copied N-1 times in the database (multi-row
# INSERT ... SELECT), each copy with its own title, dates and secret key.
template = Ticket.objects.create(title="Invoice question #1", queue=queue, submitter_email="c@acme.example",
                                 description="Charged twice for the March invoice.", priority=3)
FollowUp.objects.create(ticket=template, title="Reply", comment="We are looking into it.", public=True, user=admin)
def columns(model, overrides):
    names = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    return names, [overrides.get(c, f'x."{c}"') for c in names]
when = "now() - g * interval '30 seconds'"
names, values = columns(Ticket, {"title": "'Invoice question #' || g", "created": when, "modified": when,
                                 "secret_key": "md5(random()::text || g)"})
with connection.cursor() as cursor:
    cursor.execute(f'INSERT INTO helpdesk_ticket ({", ".join(chr(34) + c + chr(34) for c in names)}) '
                   f'SELECT {", ".join(values)} FROM helpdesk_ticket x, generate_series(2, %s) g WHERE x.id = %s',
                   [n, template.pk])
    names, values = columns(FollowUp, {"ticket_id": "t.id", "date": "t.created"})
    cursor.execute(f'INSERT INTO helpdesk_followup ({", ".join(chr(34) + c + chr(34) for c in names)}) '
                   f'SELECT {", ".join(values)} FROM helpdesk_followup x, helpdesk_ticket t '
                   f'WHERE x.ticket_id = %s AND t.id <> %s', [template.pk, template.pk])
    cursor.execute("ANALYZE")
print(round(time.perf_counter() - start, 1))
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
s = SessionStore()
s[SESSION_KEY] = str(admin.pk); s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = admin.get_session_auth_hash(); s.create()
print(s.session_key, queue.pk, template.pk)
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: list[str], **kwargs) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs).stdout


def _single(url: str, headers: dict[str, str], timeout: int) -> dict:
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "--max-time", str(timeout)]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=False).stdout.split()
    code, seconds = ([*out, "000", str(timeout)])[:2]
    if code != "200":
        return {"text": f"no answer in {timeout} s (1 request)"}
    return {"text": f"1 request in {float(seconds):.1f} s", "seconds": float(seconds)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--single-timeout", type=int, default=600)
    args = parser.parse_args()

    venv = PEER_DIR / "venv"
    python = venv / "bin" / "python"
    installed = venv / f"installed-{PEER_VERSION}"  # written last: an interrupted install is redone
    if not installed.exists():
        log(f"installing django-helpdesk {PEER_VERSION} into {venv}")
        shutil.rmtree(venv, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(venv)])
        run(
            [
                str(venv / "bin" / "pip"),
                "install",
                "-q",
                f"django-helpdesk=={PEER_VERSION}",
                "gunicorn",
                "psycopg[binary]",
                "django-environ",
                "redis",
            ]
        )
        installed.touch()
    project = PEER_DIR / "project"
    project.mkdir(parents=True, exist_ok=True)
    (project / "peer_settings.py").write_text(SETTINGS)
    (project / "peer_urls.py").write_text(URLS)
    (project / "seed.py").write_text(textwrap.dedent(SEED))
    (project / "peer_wsgi.py").write_text(
        "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "peer_settings",
        "DATABASE_URL": DATABASE_URL,
        "PYTHONPATH": str(project),
    }
    env.pop("CACHE_URL", None)
    name = DATABASE_URL.rsplit("/", 1)[-1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    run(["psql", admin_url, "-qc", f'DROP DATABASE IF EXISTS "{name}"'])
    run(["psql", admin_url, "-qc", f'CREATE DATABASE "{name}"'])
    log("migrating")
    run([str(python), "-m", "django", "migrate", "--noinput", "-v", "0"], env=env, cwd=project)
    log(f"seeding {args.tickets:,} tickets")
    seed_seconds, session_line = run([str(python), "seed.py", str(args.tickets)], env=env, cwd=project).split("\n")[:2]
    session, queue, sample = session_line.split()
    server = subprocess.Popen(
        [
            str(venv / "bin" / "gunicorn"),
            "peer_wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--chdir",
            str(project),
            "--timeout",
            str(args.single_timeout + 30),
        ],
        env=env,
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    results: dict[str, dict] = {"seed": {"text": f"{float(seed_seconds):.0f} s (copies of one ticket and follow-up)"}}
    base = f"http://127.0.0.1:{PORT}"
    headers = {"Cookie": f"sessionid={session}"}
    try:
        for _ in range(100):
            if subprocess.run(["curl", "-s", "-o", "/dev/null", f"{base}/api/"], check=False).returncode == 0:
                break
            time.sleep(0.3)
        body = json.dumps(
            {
                "queue": int(queue),
                "title": "Printer on fire",
                "description": "Smoke from tray 2.",
                "submitter_email": "bench@acme.example",
                "priority": 2,
            }
        )
        # Session auth on a write needs Django's CSRF pair: the cookie's secret echoed in the header.
        csrf = {"Cookie": f"sessionid={session}; csrftoken={'b' * 32}", "X-CSRFToken": "b" * 32}
        log("create (wrk)")
        results["API create"] = _wrk(
            f"{base}/api/tickets/", seconds=args.seconds, connections=args.connections, headers=csrf, body=body
        )
        log("list (one request)")
        results["API list, first page of 25"] = _single(f"{base}/api/tickets/", headers, args.single_timeout)
        log("detail (one request)")
        results["API detail"] = _single(f"{base}/api/tickets/{sample}/", headers, args.single_timeout)
        results["API search ?search=invoice"] = {"text": "no search in its API"}
        log("admin changelist (wrk)")
        changelist = f"{base}/admin/helpdesk/ticket/"
        results["Admin queue"] = {
            **_wrk(changelist, seconds=args.seconds, connections=args.connections, headers=headers),
            "rows": rows_on_page(changelist, headers),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker still busy with a request nobody waits for
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
