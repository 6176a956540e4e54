"""Prometheus metrics: the token-protected `/metrics` endpoint, Celery task instrumentation, broker
queue depth, and the registry of scrape-time collectors the apps add (outbox backlog, SLA state).

Three kinds of figures end up on one page:
- counters and histograms the process itself records: HTTP requests by view (django-prometheus's
  middleware), Celery task runtimes, failures and queue waits (signals below), email and webhook
  delivery outcomes (notifications.metrics). With `PROMETHEUS_MULTIPROC_DIR` set (gunicorn workers,
  Celery prefork children) every process writes them to that folder and the page adds them up;
- gauges read from the database or the broker when the page is scraped (`register_collector`);
- nothing personal: labels are view names, task names, queue names and outcomes.

Celery workers serve their own page on `CELERY_METRICS_PORT` (see `start_worker_metrics_server`),
to be reached from inside the cluster only (README "Production: metrics").
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import time
from collections.abc import Iterable, Iterator
from typing import Any

from celery import signals
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from config.queues import QUEUES

logger = logging.getLogger(__name__)

# Queues a deployment runs workers for (README "Production"); CELERY_TASK_QUEUES wins when set.
DEFAULT_QUEUES = QUEUES

TASK_RUNTIME = Histogram(
    "helpdesk_celery_task_runtime_seconds",
    "Wall time of Celery task runs, by task and final state.",
    ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
TASK_FAILURES = Counter("helpdesk_celery_task_failures", "Celery task runs that raised.", ["task"])
TASK_RETRIES = Counter("helpdesk_celery_task_retries", "Celery task retries requested.", ["task"])
TASK_QUEUE_WAIT = Histogram(
    "helpdesk_celery_task_queue_wait_seconds",
    "Time between a task's publication and the start of its run (beat lateness for periodic tasks).",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900),
)

PUBLISHED_AT_HEADER = "helpdesk_published_at"
_task_started: dict[str, float] = {}


# --- scrape-time collectors ------------------------------------------------------------------------

_scrape_registry = CollectorRegistry(auto_describe=False)


def register_collector(collector: Collector) -> None:
    """Add a collector whose gauges are computed at each scrape (apps call this from ready())."""
    _scrape_registry.register(collector)


def configured_queues() -> list[str]:
    queues = getattr(settings, "CELERY_TASK_QUEUES", None)
    if queues:
        return [getattr(queue, "name", queue) for queue in queues]
    return list(getattr(settings, "METRICS_CELERY_QUEUES", DEFAULT_QUEUES))


def queue_depths(queues: Iterable[str]) -> dict[str, int]:
    """Messages waiting in each queue, read from the broker (0 for a queue never declared)."""
    from celery import current_app as celery_app  # config.celery's app (it imports this module)
    from kombu.exceptions import ChannelError

    depths: dict[str, int] = {}
    with celery_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        for queue in queues:
            channel = conn.channel()
            try:
                depths[queue] = channel.queue_declare(queue=queue, passive=True).message_count
            except ChannelError:  # never declared: nothing waiting
                depths[queue] = 0
            except Exception as exc:  # AMQP closes the channel on a missing queue
                if exc.__class__.__name__ != "NotFound":
                    raise
                depths[queue] = 0
            finally:
                with contextlib.suppress(Exception):  # a channel the broker already closed
                    channel.close()
    return depths


class CeleryQueueCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("helpdesk_celery_broker_up", "1 when the broker answered this scrape.")
        depth = GaugeMetricFamily(
            "helpdesk_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        try:
            depths = queue_depths(configured_queues())
        except Exception as exc:  # the broker is down: say so, and report no depth
            logger.warning("metrics: broker unreachable: %s", exc.__class__.__name__)
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            for queue, count in sorted(depths.items()):
                depth.add_metric([queue], count)
        yield up
        yield depth


register_collector(CeleryQueueCollector())


# --- the endpoint -------------------------------------------------------------------------------


def _authorized(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    scheme, _, supplied = header.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(supplied.strip(), token)


def render_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(process_registry)
    else:
        process_registry = REGISTRY
    return generate_latest(process_registry) + generate_latest(_scrape_registry)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """`GET /metrics` with `Authorization: Bearer <METRICS_TOKEN>`; 401 otherwise (and always while
    METRICS_TOKEN is unset)."""
    if not _authorized(request):
        response = HttpResponse("Unauthorized: send Authorization: Bearer <METRICS_TOKEN>.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        response["Content-Type"] = "text/plain; charset=utf-8"
        return response
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)


# --- Celery instrumentation ------------------------------------------------------------------


@signals.before_task_publish.connect(dispatch_uid="helpdesk_metrics_publish")
def _stamp_published_at(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None:
        headers.setdefault(PUBLISHED_AT_HEADER, time.time())


def published_at(request: Any) -> float | None:
    """When the message of the running task was published (None for eager calls)."""
    value = getattr(request, PUBLISHED_AT_HEADER, None)
    if value is None and isinstance(getattr(request, "headers", None), dict):
        value = request.headers.get(PUBLISHED_AT_HEADER)
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


@signals.task_prerun.connect(dispatch_uid="helpdesk_metrics_prerun")
def _task_prerun(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task_id is None or task is None:
        return
    _task_started[task_id] = time.perf_counter()
    sent = published_at(task.request)
    if sent is not None:
        TASK_QUEUE_WAIT.labels(task=task.name).observe(max(0.0, time.time() - sent))


@signals.task_postrun.connect(dispatch_uid="helpdesk_metrics_postrun")
def _task_postrun(task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    started = _task_started.pop(task_id, None) if task_id else None
    if started is None or task is None:
        return
    TASK_RUNTIME.labels(task=task.name, state=state or "UNKNOWN").observe(time.perf_counter() - started)


@signals.task_failure.connect(dispatch_uid="helpdesk_metrics_failure")
def _task_failure(sender: Any = None, **kwargs: Any) -> None:
    TASK_FAILURES.labels(task=getattr(sender, "name", "unknown")).inc()


@signals.task_retry.connect(dispatch_uid="helpdesk_metrics_retry")
def _task_retry(sender: Any = None, **kwargs: Any) -> None:
    TASK_RETRIES.labels(task=getattr(sender, "name", "unknown")).inc()


def start_worker_metrics_server(port: int, addr: str = "0.0.0.0") -> None:  # noqa: S104
    """Serve this worker's task metrics (all its pool processes when PROMETHEUS_MULTIPROC_DIR is set)
    on `port`, for Prometheus inside the cluster. The database and broker gauges stay on the web
    page, so they are not counted once per worker."""
    from prometheus_client import start_http_server

    class _Combined(Collector):
        def collect(self) -> Iterator[Any]:
            if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
                registry = CollectorRegistry()
                multiprocess.MultiProcessCollector(registry)
            else:
                registry = REGISTRY
            yield from registry.collect()

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Combined())
    start_http_server(port, addr=addr, registry=registry)
    logger.info("worker metrics on %s:%s", addr, port)


@signals.worker_ready.connect(dispatch_uid="helpdesk_worker_metrics")
def _worker_ready(**kwargs: Any) -> None:
    port = getattr(settings, "CELERY_METRICS_PORT", 0)
    if port:
        start_worker_metrics_server(port, addr=getattr(settings, "CELERY_METRICS_ADDR", "0.0.0.0"))  # noqa: S104
