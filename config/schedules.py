"""Every periodic task in one table. `setup_periodic_tasks()` creates the django-celery-beat
entries that are missing, and never overwrites one: an admin may pause or re-time any entry in the
admin and a later migrate keeps the change. It runs after every `migrate` (post_migrate, see
notifications/apps.py) and as `manage.py setup_periodic_tasks`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    every_seconds: int | None = None
    crontab: dict[str, str] | None = None  # e.g. {"minute": "0", "hour": "3"}
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""


SCHEDULES: list[Schedule] = [
    Schedule(
        name="Outbox sweep",
        task="notifications.outbox_sweep",
        every_seconds=60,
        description="Re-dispatch outbox events left pending (crashed worker, broker outage).",
    ),
    Schedule(
        name="Notification retries",
        task="notifications.delivery_retry",
        every_seconds=60,
        description="Send webhook deliveries and emails whose next attempt is due (retries with backoff).",
    ),
    Schedule(
        name="Notification log purge",
        task="notifications.purge",
        crontab={"minute": "45", "hour": "3"},
        description="Delete finished outbox events, email log entries and webhook deliveries older than "
        "NOTIFICATIONS_RETENTION_DAYS (90); pending ones are kept.",
    ),
    Schedule(
        name="Mailbox polling",
        task="tickets.inbound_poll_all",
        every_seconds=60,
        description="Poll every active mailbox over IMAP (one task per mailbox, leased, failing ones back off).",
    ),
    Schedule(
        name="Inbound email purge",
        task="tickets.inbound_raw_purge",
        crontab={"minute": "30", "hour": "3"},
        description="Delete raw inbound messages older than INBOUND_RAW_RETENTION_DAYS (failed ones are kept).",
    ),
    Schedule(
        name="SLA breach scan",
        task="tickets.sla_breach_scan",
        every_seconds=60,
        description="Stamp SLA breaches and 80% warnings; publish ticket.sla_breached / ticket.sla_warning.",
    ),
    Schedule(
        name="SLA escalation",
        task="tickets.sla_escalate",
        every_seconds=300,
        description="The escalation automations (breached, long unassigned): one priority up; notify the team lead.",
    ),
    Schedule(
        name="Automations",
        task="tickets.automations_run",
        every_seconds=300,
        description="Run every active automation (admin → Automations): auto-close, auto-resolve, your own rules.",
    ),
    Schedule(
        name="Data retention",
        task="tickets.retention_run",
        crontab={"minute": "30", "hour": "3"},
        description="Delete or anonymise closed tickets older than RETENTION_DAYS (RETENTION_MODE); logs the count.",
    ),
    Schedule(
        name="Background job sweep",
        task="tickets.job_requeue_stale",
        every_seconds=300,
        description="Enqueue again export and bulk-update jobs whose task was lost (broker outage, killed worker).",
    ),
    Schedule(
        name="CRM sync sweep",
        task="customers.crm_sync_sweep",
        every_seconds=900,
        description="Re-push customers changed since their last CRM sync; a no-op without CRM_BASE_URL.",
    ),
    Schedule(
        name="Idempotency key purge",
        task="agents.idempotency_key_purge",
        crontab={"minute": "15"},
        description="Forget API Idempotency-Keys older than their retention (IDEMPOTENCY_KEY_TTL_HOURS, 24 h).",
    ),
    Schedule(
        name="Dashboard refresh",
        task="tickets.dashboard_refresh",
        every_seconds=60,
        description="Compute the admin dashboard's figures for the whole desk (tickets/dashboard.py), so no "
        "visitor waits for them; kept DASHBOARD_SNAPSHOT_SECONDS.",
    ),
    Schedule(
        name="Ticket presence purge",
        task="tickets.presence_purge",
        crontab={"minute": "25"},
        description="Forget who had a ticket page open more than an hour ago.",
    ),
]


def setup_periodic_tasks() -> list[str]:
    """Create the missing entries; return the names created."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created: list[str] = []
    existing = set(PeriodicTask.objects.filter(name__in=[s.name for s in SCHEDULES]).values_list("name", flat=True))
    for schedule in SCHEDULES:
        if schedule.name in existing:
            continue
        timing: dict[str, Any] = {}
        if schedule.every_seconds is not None:
            timing["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=schedule.every_seconds, period=IntervalSchedule.SECONDS
            )
        else:
            timing["crontab"], _ = CrontabSchedule.objects.get_or_create(**(schedule.crontab or {}))
        PeriodicTask.objects.create(
            name=schedule.name,
            task=schedule.task,
            kwargs=json.dumps(schedule.kwargs),
            description=schedule.description,
            **timing,
        )
        created.append(schedule.name)
    return created
