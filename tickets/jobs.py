"""Background jobs on tickets: exports, bulk updates and data retention (issue 8).

These are services (the state changes); tickets/tasks.py holds the thin Celery tasks that call
them with ids. Every job is idempotent and safe to retry: a run claims its row, a completed job
is never redone, per-ticket work goes through tickets.services (events and lifecycle rules hold),
and a failure is stored on the job with its reason and logged, never swallowed."""

from __future__ import annotations

import csv
import io
import json
import logging
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from rest_framework.exceptions import ValidationError as DRFValidationError

from agents.models import Role
from agents.selectors import user_role
from config.db_router import reporting_reads
from config.exceptions import ApplicationError
from tickets import validators
from tickets.models import (
    Attachment,
    BackgroundJob,
    BulkUpdateJob,
    Comment,
    EventKind,
    ExportFormat,
    ExportJob,
    JobStatus,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.selectors import ticket_list

logger = logging.getLogger(__name__)

WRITER_ROLES = frozenset({Role.ADMIN, Role.SENIOR_AGENT, Role.AGENT})
BULK_CHANGE_FIELDS = ("status", "priority", "assignee", "tags")
RETENTION_MODES = ("delete", "anonymize")
ANONYMIZED_TITLE = "[anonymised]"
ANONYMIZED_BODY = "[removed]"

# Export columns: header -> values() lookup. Rows always carry the ticket id first.
EXPORT_COLUMNS: dict[str, str] = {
    "id": "id",
    "title": "title",
    "status": "status",
    "priority": "priority",
    "category": "category__slug",
    "tags": "tags",
    "channel": "channel",
    "customer_id": "customer_id",
    "customer_email": "customer__email",
    "organization": "organization__name",
    "team": "team__name",
    "assignee_email": "assignee__email",
    "escalated": "escalated",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "first_responded_at": "first_responded_at",
    "resolved_at": "resolved_at",
    "closed_at": "closed_at",
    "first_response_due_at": "first_response_due_at",
    "resolution_due_at": "resolution_due_at",
    "sla_breached_at": "sla_breached_at",
}


# --- filters: the ticket list filters of the API ------------------------------------------------


class _RequestStub:
    """What a FilterSet reads from a request (`assignee=me` needs the user) when a job applies it."""

    def __init__(self, user: AbstractBaseUser, data: QueryDict) -> None:
        self.user = user
        self.query_params = data
        self.GET = data
        self.method = "GET"


def _ticket_filterset_class() -> type:
    """The API's ticket FilterSet, so "the ticket list filters" mean the same thing everywhere."""
    from tickets.api.filters import TicketFilter

    return TicketFilter


def _is_id(value: Any) -> bool:
    """A primary-key-sized positive integer (a larger one would overflow the database column)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _as_query_dict(filters: dict[str, Any]) -> QueryDict:
    """JSON filters as the query string the list endpoint reads: lists comma-joined
    (`{"status": ["open", "pending"]}` is `status=open,pending`), booleans as true/false."""

    def text(value: Any) -> str:
        return "true" if value is True else "false" if value is False else str(value)

    data = QueryDict(mutable=True)
    for key, value in filters.items():
        data[key] = ",".join(text(v) for v in value) if isinstance(value, list | tuple) else text(value)
    return data


def ticket_filter(*, user: AbstractBaseUser, filters: dict[str, Any] | None) -> QuerySet[Ticket]:
    """The tickets `user` may see, narrowed by the API's ticket list filters (and `ids`, a list of
    ticket ids). Unknown or invalid filters raise ApplicationError naming them under `filters`."""
    queryset = ticket_list(user=user)
    if not filters:
        return queryset
    if not isinstance(filters, dict):
        raise ApplicationError("Invalid filters.", code="invalid_filters", extra={"filters": ["Must be an object."]})
    filters = dict(filters)
    ids = filters.pop("ids", None)
    if ids is not None:  # an explicit selection (the admin's export action), besides the list filters
        if not isinstance(ids, list) or not all(_is_id(i) for i in ids):
            raise ApplicationError(
                "Invalid filters.", code="invalid_filters", extra={"filters": {"ids": ["A list of ticket ids."]}}
            )
        queryset = queryset.filter(pk__in=ids)
    data = _as_query_dict(filters)
    filterset = _ticket_filterset_class()(data=data, queryset=queryset, request=_RequestStub(user, data))
    errors: dict[str, Any] = {key: ["Unknown filter."] for key in sorted(set(filters) - set(filterset.filters))}
    if not filterset.is_valid():
        errors.update({key: list(messages) for key, messages in filterset.errors.items()})
    if not errors:
        try:
            return filterset.qs
        except DRFValidationError as exc:  # raised by filter methods (e.g. assignee=<junk>)
            errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    raise ApplicationError("Invalid filters.", code="invalid_filters", extra={"filters": errors})


# --- jobs: shared bookkeeping ---------------------------------------------------------------------


def _lease() -> timedelta:
    """How long a running job may go without finishing before it counts as dead (its worker
    crashed): longer than the tasks' hard time limits, so a live run is never taken over."""
    return timedelta(seconds=int(settings.JOB_LEASE_SECONDS))


def _enqueue(task_name: str, job_id: int) -> None:
    from tickets import tasks

    getattr(tasks, task_name).delay(job_id)


def _enqueue_on_commit(task_name: str, job_id: int) -> None:
    """Enqueue the job's task once the request's transaction commits (ids only). If the broker
    is down, Django logs the error (robust) and the job stays pending: the beat sweep
    (job_requeue_stale) enqueues it again."""
    transaction.on_commit(lambda: _enqueue(task_name, job_id), robust=True)


def _claim(model: type[BackgroundJob], job_id: int) -> BackgroundJob | None:
    """Mark the job running, under a row lock, unless it completed or another run holds it
    (running for less than the lease). A job left running by a crashed worker (late ack,
    re-delivered, or found by the sweep) and a failed one are claimed again: every run starts
    from scratch or is a no-op for work already done."""
    now = timezone.now()
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=job_id).first()
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
    for model, task_name in ((ExportJob, "export_job_run_task"), (BulkUpdateJob, "bulk_update_job_run_task")):
        for job_id in model.objects.filter(stale).order_by("pk").values_list("pk", flat=True)[:500]:
            _enqueue(task_name, job_id)
            count += 1
    if count:
        logger.warning("job sweep: %d stale job(s) enqueued again", count)
    return count


def _fail(job: BackgroundJob, exc: BaseException) -> None:
    logger.exception("%s %s failed", type(job).__name__, job.pk, exc_info=exc)
    job.status = JobStatus.FAILED
    job.error = f"{type(exc).__name__}: {exc}"[:2000]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])


def _percent(done: int, total: int) -> int:
    return 100 if total == 0 else min(100, done * 100 // total)


def _require_agent(actor: AbstractBaseUser | None, *, write: bool) -> None:
    role = user_role(actor)
    allowed = WRITER_ROLES if write else frozenset(Role.values)
    if role not in allowed:
        raise ApplicationError(
            "You do not have permission to perform this action with your role.", code="forbidden", http_status=403
        )


# --- exports ------------------------------------------------------------------------------------


@transaction.atomic
def export_job_create(*, actor: AbstractBaseUser, format: str, filters: dict[str, Any] | None = None) -> ExportJob:
    """Record an export request and enqueue it after commit. Filters are validated now so a typo
    is a 400, not a failed job later."""
    _require_agent(actor, write=False)
    if format not in ExportFormat.values:
        raise ValidationError({"format": [f"'{format}' is not a valid format; use one of: csv, jsonl."]})
    ticket_filter(user=actor, filters=filters)
    job = ExportJob.objects.create(requested_by=actor, format=format, filters=filters or {})
    _enqueue_on_commit("export_job_run_task", job.pk)
    return job


def export_queryset(job: ExportJob) -> QuerySet[Ticket]:
    return ticket_filter(user=job.requested_by, filters=job.filters)


def export_rows(queryset: QuerySet[Ticket], *, chunk_size: int) -> Iterator[dict[str, Any]]:
    """Rows as dicts, streamed: values() over a server-side cursor / chunked fetch, ordered by id,
    so memory stays flat whatever the number of tickets."""
    rows = queryset.order_by("pk").values(*EXPORT_COLUMNS.values())
    for row in rows.iterator(chunk_size=chunk_size):
        yield {header: row[lookup] for header, lookup in EXPORT_COLUMNS.items()}


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    # Spreadsheet formula injection: text starting with = + - @ is prefixed with a quote.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        value = "'" + value
    return value


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the export file (CSV or JSON Lines) to the default storage, with progress. Safe to
    run twice: a completed job is skipped; a crashed or failed one is redone from scratch."""
    job = _claim(ExportJob, job_id)
    if job is None:
        return None
    try:
        chunk_size = max(1, int(settings.EXPORT_CHUNK_SIZE))
        written = 0
        # The tickets are read from the replica when one is configured (config/db_router.py).
        with reporting_reads(), tempfile.TemporaryFile() as raw:
            queryset = export_queryset(job)
            total = queryset.count()
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text) if job.format == ExportFormat.CSV else None
            if writer is not None:
                writer.writerow(EXPORT_COLUMNS.keys())
            for row in export_rows(queryset, chunk_size=chunk_size):
                if writer is not None:
                    writer.writerow([_csv_value(v) for v in row.values()])
                else:
                    text.write(json.dumps(row, cls=DjangoJSONEncoder) + "\n")
                written += 1
                if written % chunk_size == 0:
                    ExportJob.objects.filter(pk=job.pk).update(progress=_percent(written, total), row_count=written)
            text.flush()
            raw.seek(0)
            if job.file:
                job.file.delete(save=False)
            name = f"tickets-{job.pk}.{job.format}"  # under upload_to: exports/<year>/<month>/
            job.file.save(name, File(raw, name=name), save=False)
            text.detach()
        job.row_count = written
        job.progress = 100
        job.status = JobStatus.COMPLETED
        job.finished_at = timezone.now()
        job.save(update_fields=["file", "row_count", "progress", "status", "finished_at"])
    except Exception as exc:
        _fail(job, exc)
        raise
    logger.info("export %s completed: %d row(s)", job.pk, written)
    return job


# --- bulk updates -------------------------------------------------------------------------------


def _clean_changes(changes: Any) -> dict[str, Any]:
    if not isinstance(changes, dict) or not changes:
        raise ValidationError({"changes": [f"Give at least one of: {', '.join(BULK_CHANGE_FIELDS)}."]})
    unknown = sorted(set(changes) - set(BULK_CHANGE_FIELDS))
    if unknown:
        raise ValidationError(
            {
                "changes": [
                    f"'{key}' cannot be changed in bulk; use: {', '.join(BULK_CHANGE_FIELDS)}." for key in unknown
                ]
            }
        )
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    checks = {
        "status": validators.validate_status,
        "priority": validators.validate_priority,
        "tags": validators.normalize_tags,
    }
    for key, check in checks.items():
        if key in changes:
            try:
                cleaned[key] = check(changes[key])
            except ValidationError as exc:
                errors[f"changes.{key}"] = exc.messages
    if "assignee" in changes:
        assignee = changes["assignee"]
        if assignee is None:
            cleaned["assignee"] = None
        else:
            user = None
            if _is_id(assignee):
                user = get_user_model().objects.filter(pk=assignee).first()
            if user is None or user_role(user) not in Role.values:
                errors["changes.assignee"] = [f"'{assignee}' is not the id of an agent."]
            else:
                cleaned["assignee"] = assignee
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def bulk_update_job_create(
    *,
    actor: AbstractBaseUser,
    changes: dict[str, Any],
    ids: list[int] | None = None,
    filters: dict[str, Any] | None = None,
) -> BulkUpdateJob:
    """Record a bulk update of the tickets given by id or by the list filters (one or the other),
    at most BULK_MAX_TICKETS, and enqueue it after commit. The ids are fixed now: the job updates
    exactly the tickets the caller saw. Ids the caller cannot see become per-ticket failures."""
    _require_agent(actor, write=True)
    limit = int(settings.BULK_MAX_TICKETS)
    cleaned = _clean_changes(changes)
    if (ids is None) == (filters is None):
        raise ValidationError({"ids": ["Give either 'ids' or 'filters', not both and not neither."]})
    if ids is not None:
        if not isinstance(ids, list) or not ids or not all(_is_id(i) for i in ids):
            raise ValidationError({"ids": ["A non-empty list of ticket ids."]})
        ticket_ids = list(dict.fromkeys(ids))
        if len(ticket_ids) > limit:
            raise ValidationError({"ids": [f"At most {limit} tickets per bulk update."]})
    else:
        ticket_ids = list(
            ticket_filter(user=actor, filters=filters or {}).order_by("pk").values_list("pk", flat=True)[: limit + 1]
        )
        if len(ticket_ids) > limit:
            raise ValidationError({"filters": [f"These filters match more than {limit} tickets; narrow them."]})
    job = BulkUpdateJob.objects.create(
        requested_by=actor, ticket_ids=ticket_ids, filters=filters or {}, changes=cleaned, total=len(ticket_ids)
    )
    _enqueue_on_commit("bulk_update_job_run_task", job.pk)
    return job


def _error_messages(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, ValidationError):
        return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    if isinstance(exc, ApplicationError):
        return {key: value for key, value in exc.as_dict().items() if key not in ("detail", "code")} or {
            "non_field_errors": [exc.message]
        }
    return {"non_field_errors": [str(exc)]}  # pragma: no cover - only ValidationError/ApplicationError are caught


def bulk_update_job_run(*, job_id: int, save_every: int = 50) -> BulkUpdateJob | None:
    """Apply the changes ticket by ticket through tickets.services.ticket_update, each in its own
    transaction, so events and lifecycle rules hold and one refusal (a forbidden transition)
    fails that ticket only. Re-running is safe: a change already applied is a no-op in the services
    (no second event), failures are recomputed."""
    from tickets.services import ticket_update

    job = _claim(BulkUpdateJob, job_id)
    if job is None:
        return None
    try:
        actor = job.requested_by
        data = dict(job.changes)
        if data.get("assignee") is not None:
            data["assignee"] = get_user_model().objects.get(pk=data["assignee"])
        visible = ticket_list(user=actor)
        failures: list[dict[str, Any]] = []
        succeeded = 0
        for done, ticket_id in enumerate(job.ticket_ids, start=1):
            ticket = visible.filter(pk=ticket_id).first()
            if ticket is None:
                failures.append({"ticket_id": ticket_id, "errors": {"id": ["Not found."]}})
            else:
                try:
                    with transaction.atomic():
                        ticket_update(ticket=ticket, actor=actor, data=data)
                    succeeded += 1
                except (ValidationError, ApplicationError) as exc:
                    failures.append({"ticket_id": ticket_id, "errors": _error_messages(exc)})
            if done % save_every == 0:
                BulkUpdateJob.objects.filter(pk=job.pk).update(
                    processed=done, succeeded=succeeded, failures=failures, progress=_percent(done, job.total)
                )
        job.processed = len(job.ticket_ids)
        job.succeeded = succeeded
        job.failures = failures
        job.progress = 100
        job.status = JobStatus.COMPLETED
        job.finished_at = timezone.now()
        job.save(update_fields=["processed", "succeeded", "failures", "progress", "status", "finished_at"])
    except Exception as exc:
        _fail(job, exc)
        raise
    logger.info("bulk update %s: %d succeeded, %d failed", job.pk, succeeded, len(failures))
    return job


# --- data retention -----------------------------------------------------------------------------


def retention_candidates(*, days: int | None = None, mode: str | None = None) -> QuerySet[Ticket]:
    """Closed tickets closed more than `days` ago (default RETENTION_DAYS); in anonymise mode,
    the ones not anonymised yet."""
    days = settings.RETENTION_DAYS if days is None else days
    mode = mode or settings.RETENTION_MODE
    cutoff = timezone.now() - timedelta(days=days)
    queryset = Ticket.objects.filter(status=Status.CLOSED, closed_at__lt=cutoff)
    if mode == "anonymize":
        queryset = queryset.filter(anonymized_at__isnull=True)
    return queryset


def _delete_files_on_commit(names: list[str]) -> None:
    def _delete() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.exception("could not delete attachment file %s", name)

    if names:
        transaction.on_commit(_delete)


def _purge_attachments(ticket_ids: list[int]) -> int:
    """Delete the tickets' attachment rows, and their files once the transaction commits."""
    attachments = Attachment.objects.filter(ticket_id__in=ticket_ids)
    names = [name for name in attachments.values_list("file", flat=True) if name]
    attachments.delete()
    _delete_files_on_commit(names)
    return len(names)


def retention_run(
    *, days: int | None = None, mode: str | None = None, batch_size: int | None = None, dry_run: bool = False
) -> int:
    """Delete (or anonymise) closed tickets older than the retention period, with their comments
    and attachments (files too), in set-based batches of `batch_size`, each batch its own
    transaction. Returns the number of tickets handled (or that would be, with dry_run); logs it.
    Idempotent: a second run finds nothing left to do."""
    mode = mode or settings.RETENTION_MODE
    if mode not in RETENTION_MODES:
        raise ValidationError({"mode": [f"'{mode}' is not a retention mode; use delete or anonymize."]})
    days = settings.RETENTION_DAYS if days is None else days
    if days < 1:
        raise ValidationError({"days": ["The retention period must be at least one day."]})
    batch_size = max(1, batch_size or int(settings.RETENTION_BATCH_SIZE))
    candidates = retention_candidates(days=days, mode=mode)
    if dry_run:
        count = candidates.count()
        logger.info("retention dry run (%s, %d days): %d ticket(s) would be handled", mode, days, count)
        return count
    handled = 0
    while True:
        with transaction.atomic():
            ids = list(candidates.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            _purge_attachments(ids)
            if mode == "delete":
                Ticket.objects.filter(pk__in=ids).delete()
            else:
                Comment.objects.filter(ticket_id__in=ids).update(body=ANONYMIZED_BODY, email_message_id="")
                TicketEvent.objects.filter(
                    Q(field__in=("title", "description", "metadata")) | Q(kind=EventKind.ATTACHED), ticket_id__in=ids
                ).update(old_value=None, new_value=None)
                TicketEvent.objects.filter(ticket_id__in=ids).exclude(note="").update(note="")
                Ticket.objects.filter(pk__in=ids).update(
                    title=ANONYMIZED_TITLE,
                    description="",
                    metadata={},
                    external_id=None,
                    anonymized_at=timezone.now(),
                    updated_at=timezone.now(),
                    version=F("version") + 1,
                )
        handled += len(ids)
    logger.info("retention (%s, %d days): %d closed ticket(s) handled", mode, days, handled)
    return handled
