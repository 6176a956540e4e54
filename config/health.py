"""Probes for load balancers and orchestrators; unauthenticated, cheap, and revealing nothing but
"ok"/"error" per check (the reason goes to the log, never into the response).

- `GET /healthz` (liveness): the process answers. Touches nothing, so a database or broker outage
  never makes an orchestrator restart every web process at once.
- `GET /readyz` (readiness): the database answers, every migration is applied, the broker and the
  cache answer. 200 when all do, else 503 (the load balancer stops sending traffic until it is back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 2
_migrations_applied = False  # once true it stays true for this process (nothing un-applies them)


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_migrations() -> None:
    global _migrations_applied
    if _migrations_applied:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations")
    _migrations_applied = True


def check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT_SECONDS)


def check_cache() -> None:
    cache.set("readyz:probe", "1", timeout=10)
    if cache.get("readyz:probe") != "1":
        raise RuntimeError("cache did not return what was stored")


READINESS_CHECKS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("database", check_database),
    ("migrations", check_migrations),
    ("broker", check_broker),
    ("cache", check_cache),
)


def _run(name: str, check: Callable[[], None]) -> str:
    try:
        check()
    except Exception as exc:  # a probe reports every failure, whatever its type, and logs why
        logger.warning("readiness check %s failed: %s: %s", name, exc.__class__.__name__, exc)
        return "error"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    for name, check in READINESS_CHECKS:
        # No migration check against a database that does not answer.
        if name == "migrations" and checks.get("database") != "ok":
            checks[name] = "error"
            continue
        checks[name] = _run(name, check)
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "error", "checks": checks}, status=200 if ready else 503)


class ProbeMiddleware:
    """First in MIDDLEWARE: answers /healthz, /readyz and /metrics before host validation, the
    HTTPS redirect and sessions, so a kubelet, load balancer or Prometheus reaching the pod's own
    address over plain HTTP gets the answer, not a 400 (unknown Host) or a 301 (to https).
    /metrics still demands its token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from config.metrics import metrics_view

        self.get_response = get_response
        self.PROBES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)
