"""Celery queues by purpose, and the one table that says which task goes where.

A flood in one queue never delays another: the SLA scans have their own queue, as do the outbox,
webhook deliveries, email (inbound polling and purges), and long jobs (exports, bulk updates,
retention); everything else goes to Celery's default queue `celery`. The quick start's single worker
consumes them all (config/Procfile.dev); production runs one worker (Deployment) per queue
(config/deploy/). Beat's periodic tasks are routed by the same table (they are sent by name)."""

from __future__ import annotations

DEFAULT = "celery"
SLA = "sla"
OUTBOX = "outbox"
WEBHOOKS = "webhooks"
EMAIL = "email"
JOBS = "jobs"
QUEUES = (DEFAULT, SLA, OUTBOX, WEBHOOKS, EMAIL, JOBS)

_TASKS_BY_QUEUE = {
    SLA: ("tickets.sla_breach_scan", "tickets.sla_escalate", "tickets.auto_close"),
    OUTBOX: ("notifications.outbox_dispatch", "notifications.outbox_sweep"),
    WEBHOOKS: ("notifications.webhook_deliver", "notifications.delivery_retry"),
    EMAIL: ("tickets.inbound_poll_all", "tickets.inbound_poll_mailbox", "tickets.inbound_raw_purge"),
    JOBS: (
        "tickets.export_job_run",
        "tickets.bulk_update_job_run",
        "tickets.job_requeue_stale",
        "tickets.retention_run",
    ),
}
ROUTES: dict[str, dict[str, str]] = {
    task: {"queue": queue} for queue, tasks in _TASKS_BY_QUEUE.items() for task in tasks
}
