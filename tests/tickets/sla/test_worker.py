"""ONE integration test: the breach scan runs in a real `celery -A config worker` process, over a
real broker (Redis db 15 when it answers, else kombu's filesystem transport in a tmp dir), on
the test database; not in eager mode. The outbox event it publishes is then dispatched by the
same worker after commit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone
from model_bakery import baker

from notifications.models import OutboxEvent, OutboxStatus
from tickets.models import EventKind, Ticket, TicketEvent

REDIS_URL = os.environ.get("SLA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TIMEOUT_SECONDS = 60


def _broker(tmp_path: Path) -> tuple[str, dict]:
    """Redis if it answers, else the filesystem transport (needs no server)."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # any failure means "no Redis here"
        folder = tmp_path / "broker"
        for name in ("queue", "processed", "control"):
            (folder / name).mkdir(parents=True)
        return "filesystem://", {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
        }
    return REDIS_URL, {}


def _wait_for(predicate, worker: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if predicate():
            return
        if worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}) before {what}:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    pytest.fail(f"timed out after {TIMEOUT_SECONDS}s waiting for {what}:\n{log.read_text()[-3000:]}")


@pytest.mark.integration
@pytest.mark.postgres(reason="a worker process cannot see the SQLite in-memory test database")
@pytest.mark.django_db(transaction=True)
def test_breach_scan_runs_in_a_real_celery_worker(tmp_path, customer_a):
    ticket = baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer_a,
        priority="critical",
        first_response_due_at=timezone.now() - timedelta(minutes=5),
    )
    broker_url, options = _broker(tmp_path)
    queue = f"sla-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.tickets.sla.worker_settings",
        "PYTHONPATH": str(settings.BASE_DIR),
        "SLA_WORKER_BROKER_URL": broker_url,
        "SLA_WORKER_BROKER_OPTIONS": json.dumps(options),
        "SLA_WORKER_QUEUE": queue,
        "SLA_WORKER_DB_NAME": connection.settings_dict["NAME"],
    }
    celery_bin = str(Path(sys.executable).with_name("celery"))
    command = [celery_bin, "-A", "config", "worker", "-P", "solo", "-Q", queue, "-l", "info"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
    client = Celery("sla-test-client", broker=broker_url)
    client.conf.broker_transport_options = options
    with log.open("w") as out:
        worker = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        client.send_task("tickets.sla_breach_scan", queue=queue)

        _wait_for(
            lambda: Ticket.objects.filter(pk=ticket.pk, sla_breached_at__isnull=False).exists(),
            worker,
            log,
            "the worker's breach scan",
        )
        _wait_for(
            lambda: OutboxEvent.objects.filter(
                event="ticket.sla_breached", payload__ticket__id=ticket.pk, status=OutboxStatus.DISPATCHED
            ).exists(),
            worker,
            log,
            "the after-commit dispatch of ticket.sla_breached",
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)
        client.close()
        if broker_url.startswith("redis://"):
            import redis

            redis.Redis.from_url(REDIS_URL).delete(queue)

    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SLA_BREACHED).count() == 1
    assert "tickets.sla_breach_scan" in log.read_text()
