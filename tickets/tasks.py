"""Celery tasks of the tickets app: thin wrappers that take ids and call a service. Safe to run
twice (the services are idempotent); retries live here."""

from __future__ import annotations

from celery import Task, shared_task

from config.metrics import published_at

# --- background jobs (tickets/jobs.py) ----------------------------------------------------------


# Exports of a million rows take minutes: their own limits, below JOB_LEASE_SECONDS and the broker's
# visibility timeout, so a live export is never taken over or re-delivered.
@shared_task(name="tickets.export_job_run", soft_time_limit=3000, time_limit=3300)
def export_job_run_task(job_id: int) -> int | None:
    """Write an export file; the job row records progress, the result or the failure."""
    from tickets.exports import export_job_run

    job = export_job_run(job_id=job_id)
    return job.row_count if job is not None else None


@shared_task(name="tickets.bulk_update_job_run")
def bulk_update_job_run_task(job_id: int) -> int | None:
    """Apply a bulk update ticket by ticket; per-ticket failures are recorded on the job."""
    from tickets.bulk import bulk_update_job_run

    job = bulk_update_job_run(job_id=job_id)
    return job.succeeded if job is not None else None


@shared_task(name="tickets.job_requeue_stale")
def job_requeue_stale_task() -> int:
    """Beat: enqueue again export/bulk jobs whose task was lost (broker outage, killed worker)."""
    from tickets.jobs import job_requeue_stale

    return job_requeue_stale()


@shared_task(name="tickets.retention_run", soft_time_limit=3000, time_limit=3300)
def retention_run_task(dry_run: bool = False) -> int:
    """Beat, daily: delete or anonymise closed tickets past the retention period (settings)."""
    from tickets.retention import retention_run

    return retention_run(dry_run=dry_run)


# --- SLA engine (tickets/sla/); beat entries in config/schedules.py -------------------


@shared_task(name="tickets.sla_breach_scan", bind=True)
def sla_breach_scan_task(self: Task) -> dict[str, int]:
    """Beat, every minute: stamp SLA breaches and 80% warnings (idempotent); each run is recorded
    with its lateness (tickets/sla/runs.py)."""
    from tickets.models import SLAScanKind
    from tickets.sla.runs import sla_scan_run_timed
    from tickets.sla.scans import sla_breach_scan

    return sla_scan_run_timed(
        kind=SLAScanKind.BREACH_SCAN, published_at=published_at(self.request), scan=sla_breach_scan
    )


@shared_task(name="tickets.sla_escalate", bind=True)
def sla_escalate_task(self: Task) -> dict[str, int]:
    """Escalate breached and long-unassigned tickets one priority (the two default escalation
    automations), recorded like the breach scan; beat runs it every 5 minutes."""
    from tickets.models import SLAScanKind
    from tickets.rules.automations import sla_escalate
    from tickets.sla.runs import sla_scan_run_timed

    return sla_scan_run_timed(kind=SLAScanKind.ESCALATION, published_at=published_at(self.request), scan=sla_escalate)


@shared_task(name="tickets.auto_close")
def auto_close_task() -> dict[str, int]:
    """Close resolved tickets and resolve pending ones the customer left silent (the two default
    automations; the Automations entry runs them too — kept for beat entries made before it)."""
    from tickets.rules.automations import tickets_auto_close

    return tickets_auto_close()


@shared_task(name="tickets.automations_run")
def automations_run_task() -> dict[str, int]:
    """Beat, every 5 minutes: every active automation, in order (tickets/rules/automations.py)."""
    from tickets.rules.automations import automations_run

    return automations_run()


# --- inbound email (tickets/inbound/polling.py) ---------------------------------------------------


@shared_task(name="tickets.inbound_poll_all")
def inbound_poll_all_task() -> int:
    """Beat, every minute: one poll task per active mailbox that is due (not backing off, not leased)."""
    from tickets.inbound.polling import mailboxes_due

    ids = mailboxes_due()
    for mailbox_id in ids:
        inbound_poll_mailbox_task.delay(mailbox_id)
    return len(ids)


@shared_task(name="tickets.inbound_poll_mailbox", soft_time_limit=240, time_limit=280)
def inbound_poll_mailbox_task(mailbox_id: int) -> int:
    """Poll one mailbox (the lease keeps a second worker out; failures back off on the row)."""
    from tickets.inbound.polling import mailbox_poll

    return mailbox_poll(mailbox_id=mailbox_id).processed


@shared_task(name="tickets.inbound_raw_purge")
def inbound_raw_purge_task() -> int:
    """Beat, daily: delete raw inbound messages past INBOUND_RAW_RETENTION_DAYS (failed ones are kept)."""
    from tickets.inbound.polling import inbound_raw_purge

    return inbound_raw_purge()


# --- ticket page presence (tickets/live/) ----------------------------------------------------------


@shared_task(name="tickets.presence_purge")
def presence_purge_task() -> int:
    """Beat, hourly: forget who viewed which ticket more than an hour ago (presence rows stop
    counting after PRESENCE_TTL anyway; this keeps the table small)."""
    from tickets.live.services import presence_purge

    return presence_purge()


# --- the admin dashboard (tickets/dashboard.py) ------------------------------------------------


@shared_task(name="tickets.dashboard_refresh")
def dashboard_refresh_task() -> str:
    """Beat, every minute: the whole desk's dashboard figures, computed before anyone asks."""
    from tickets.dashboard import dashboard_refresh

    return dashboard_refresh().isoformat()
