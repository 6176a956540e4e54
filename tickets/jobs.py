"""The job runner shared by exports and bulk updates: claim under a lease, fail with the reason,
re-check the requester when the job runs, and re-enqueue jobs whose task was lost. Every job is
idempotent and safe to retry; tickets/tasks.py holds the thin Celery tasks that call the runs."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agents.models import Role, User
from agents.selectors import user_role
from config.celery import enqueue
from config.exceptions import ApplicationError
from tickets.models import (
    BackgroundJob,
    BulkUpdateJob,
    ExportJob,
    JobStatus,
)

logger = logging.getLogger(__name__)

WRITER_ROLES: frozenset[str] = frozenset({Role.ADMIN, Role.SENIOR_AGENT, Role.AGENT})
Job = TypeVar("Job", bound=BackgroundJob)


# --- jobs: shared bookkeeping ---------------------------------------------------------------------


def _lease() -> timedelta:
    """How long a running job may go without finishing before it counts as dead (its worker
    crashed): longer than the tasks' hard time limits, so a live run is never taken over."""
    return timedelta(seconds=int(settings.JOB_LEASE_SECONDS))


def _enqueue(task_name: str, job_id: int) -> None:
    enqueue(task_name, job_id)


def job_enqueue_on_commit(task_name: str, job_id: int) -> None:
    """Enqueue the job's task once the request's transaction commits (ids only). If the broker
    is down, Django logs the error (robust) and the job stays pending: the beat sweep
    (job_requeue_stale) enqueues it again."""
    transaction.on_commit(lambda: _enqueue(task_name, job_id), robust=True)


def job_claim(model: type[Job], job_id: int) -> Job | None:
    """Mark the job running, under a row lock, unless it completed or another run holds it
    (running for less than the lease). A job left running by a crashed worker (late ack,
    re-delivered, or found by the sweep) and a failed one are claimed again: every run starts
    from scratch or is a no-op for work already done."""
    now = timezone.now()
    with transaction.atomic():
        job = model._default_manager.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("%s %s does not exist; nothing to do", model.__name__, job_id)
            return None
        if job.status == JobStatus.COMPLETED:
            return None
        if job.status == JobStatus.RUNNING and job.started_at and job.started_at > now - _lease():
            logger.info("%s %s is already running since %s; skipped", model.__name__, job_id, job.started_at)
            return None
        job.status = JobStatus.RUNNING
        job.started_at = now
        job.finished_at = None
        job.error = ""
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "finished_at", "error", "attempts"])
    return job


def job_requeue_stale(*, pending_after_seconds: int = 300) -> int:
    """Beat: enqueue again the export and bulk jobs whose task was lost: pending for longer than
    `pending_after_seconds` (broker outage at request time) or running past the lease (worker
    killed). Returns how many were enqueued."""
    now = timezone.now()
    stale = Q(status=JobStatus.PENDING, created_at__lt=now - timedelta(seconds=pending_after_seconds)) | Q(
        status=JobStatus.RUNNING, started_at__lt=now - _lease()
    )
    count = 0
    for model, task_name in ((ExportJob, "tickets.export_job_run"), (BulkUpdateJob, "tickets.bulk_update_job_run")):
        for job_id in model.objects.filter(stale).order_by("pk").values_list("pk", flat=True)[:500]:
            _enqueue(task_name, job_id)
            count += 1
    if count:
        logger.warning("job sweep: %d stale job(s) enqueued again", count)
    return count


# What a requester reads about a job that failed on an internal error; the detail (exception,
# traceback, SQL) goes to the log only.
INTERNAL_ERROR_MESSAGE = "The job failed on an internal error; the administrators have the details in the log."


def job_fail(job: BackgroundJob, exc: BaseException) -> None:
    logger.exception("%s %s failed", type(job).__name__, job.pk, exc_info=exc)
    job.status = JobStatus.FAILED
    job.error = job_error_text(exc)[:2000]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])


def job_error_text(exc: BaseException) -> str:
    """What the requester reads: a refusal's own words (its fields named), else a plain message."""
    if isinstance(exc, ApplicationError):
        details = f" {json.dumps(exc.extra, ensure_ascii=False, sort_keys=True)}" if exc.extra else ""
        return f"{exc.message}{details}"
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return INTERNAL_ERROR_MESSAGE


def job_percent(done: int, total: int) -> int:
    return 100 if total == 0 else min(100, done * 100 // total)


def job_require_agent(actor: User | None, *, write: bool) -> None:
    role = user_role(actor)
    allowed = WRITER_ROLES if write else frozenset(Role.values)
    if role not in allowed:
        raise ApplicationError(
            "You do not have permission to perform this action with your role.", code="forbidden", http_status=403
        )


def job_requester_refusal(job: BackgroundJob, *, write: bool) -> str | None:
    """Why the job's requester may no longer have it run (deactivated, or demoted below the role
    the job needs since it was queued), or None. A queued job acts with its requester's rights as
    they are when it runs, not as they were when it was asked for."""
    requester = job.requested_by
    if not requester.is_active:
        return f"Refused: the requester ({requester.email}) has been deactivated since the job was queued."
    role = user_role(requester)
    allowed = WRITER_ROLES if write else frozenset(Role.values)
    if role not in allowed:
        needed = "change tickets" if write else "read tickets"
        return f"Refused: the requester's role is now {role or 'none'}, which may not {needed}."
    return None


def job_refuse(job: Job, reason: str) -> Job:
    """Fail the job for good (a retry would be refused the same way): nothing was changed."""
    logger.warning("%s %s refused: %s", type(job).__name__, job.pk, reason)
    job.status = JobStatus.FAILED
    job.error = reason[:2000]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job
