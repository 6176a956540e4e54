"""Celery queues by purpose: every task's queue (one table, config/queues.py), and a real worker
that runs the SLA breach scan promptly while the outbox queue holds a backlog."""

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

from config.celery import app
from config.queues import QUEUES
from tickets.models import Ticket

EXPECTED_QUEUE = {
    "tickets.sla_breach_scan": "sla",
    "tickets.sla_escalate": "sla",
    "tickets.auto_close": "sla",
    "notifications.outbox_dispatch": "outbox",
    "notifications.outbox_sweep": "outbox",
    "notifications.webhook_deliver": "webhooks",
    "notifications.delivery_retry": "webhooks",
    "tickets.inbound_poll_all": "email",
    "tickets.inbound_poll_mailbox": "email",
    "tickets.inbound_raw_purge": "email",
    "tickets.export_job_run": "jobs",
    "tickets.bulk_update_job_run": "jobs",
    "tickets.job_requeue_stale": "jobs",
    "tickets.retention_run": "jobs",
    "customers.crm_push": "celery",
    "customers.crm_sync_sweep": "celery",
    "customers.crm_pull_tiers": "celery",
    "notifications.purge": "celery",
    "agents.idempotency_key_purge": "celery",
    "tickets.presence_purge": "celery",
    "tickets.dashboard_refresh": "celery",
    "tickets.automations_run": "celery",
}


@pytest.mark.parametrize(("task", "queue"), list(EXPECTED_QUEUE.items()))
def test_each_task_goes_to_the_queue_of_its_purpose(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_every_task_has_a_row_above():
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if not name.startswith(("celery.", "tests."))}

    assert ours == set(EXPECTED_QUEUE)


def test_the_quick_start_worker_and_the_image_default_cover_every_queue():
    procfile = (Path(settings.BASE_DIR) / "config" / "Procfile.dev").read_text()
    entrypoint = (Path(settings.BASE_DIR) / "config" / "deploy" / "entrypoint.sh").read_text()

    assert f"--queues={','.join(QUEUES)}" in procfile
    assert f"CELERY_QUEUES:-{','.join(QUEUES)}" in entrypoint
    assert set(QUEUES) == {"celery", "sla", "outbox", "webhooks", "email", "jobs"}


def _queued(folder: Path, queue: str) -> int:
    return sum(1 for _ in folder.glob(f"*.{queue}.msg"))


@pytest.mark.integration
@pytest.mark.postgres(reason="a worker process cannot see the SQLite in-memory test database")
@pytest.mark.django_db(transaction=True)
def test_the_breach_scan_runs_while_the_outbox_queue_has_a_backlog(tmp_path, customer_a):
    ticket = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, first_response_due_at=timezone.now() - timedelta(minutes=5)
    )
    folder = tmp_path / "broker"
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
    }
    for key in options:
        Path(options[key]).mkdir(parents=True, exist_ok=True)
    client = Celery("queue-test-client", broker="filesystem://")
    client.conf.broker_transport_options = options
    client.conf.task_routes = settings.CELERY_TASK_ROUTES
    backlog = 300
    for _ in range(backlog):  # an outage's worth of events (unknown ids: each dispatch is a no-op)
        client.send_task("notifications.outbox_dispatch", args=[str(uuid.uuid4())])
    client.send_task("tickets.sla_breach_scan")  # routed by name, as beat sends it
    assert (_queued(folder / "queue", "outbox"), _queued(folder / "queue", "sla")) == (backlog, 1)

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.config.queue_worker_settings",
        "PYTHONPATH": str(settings.BASE_DIR),
        "QUEUE_TEST_BROKER_OPTIONS": json.dumps(options),
        "QUEUE_TEST_DB_NAME": connection.settings_dict["NAME"],
    }
    command = [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "-P", "solo"]
    command += [f"--queues={','.join(QUEUES)}", "--without-heartbeat", "--without-gossip", "--without-mingle"]
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while not Ticket.objects.filter(pk=ticket.pk, sla_breached_at__isnull=False).exists():
            assert worker.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)
        client.close()

    # One worker taking every queue in turn: the scan started after a handful of outbox messages, not
    # after the backlog (with one queue for everything it would have waited for all 300). Counted from
    # the worker's log in the order the tasks started: the queue's length once the test has seen the
    # breach also counts what the worker went on doing while the test slept.
    text = log.read_text()
    started = [line for line in text.splitlines() if "task_started" in line]
    scan = next((i for i, line in enumerate(started) if "tickets.sla_breach_scan" in line), None)
    assert scan is not None, text[-3000:]
    assert sum("notifications.outbox_dispatch" in line for line in started[:scan]) <= 20, text[-3000:]
