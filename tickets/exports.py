"""Ticket exports (CSV, JSON Lines): requested through the API or the admin, written by a Celery
task in chunks to the default storage, filtered by the ticket list filters (tickets/filters.py)."""

from __future__ import annotations

import csv
import io
import json
import logging
import secrets
import tempfile
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from agents.models import User
from config.db_router import reporting_reads
from tickets.jobs import (
    job_claim,
    job_enqueue_on_commit,
    job_fail,
    job_percent,
    job_refuse,
    job_requester_refusal,
    job_require_agent,
)
from tickets.models import (
    ExportFormat,
    ExportJob,
    JobStatus,
    Ticket,
)
from tickets.selectors import ticket_list
from tickets.time_tracking import with_time_minutes

logger = logging.getLogger(__name__)

# --- exports ------------------------------------------------------------------------------------

# Export columns: header -> values() lookup. Rows always carry the ticket id first.
EXPORT_COLUMNS: dict[str, str] = {
    "id": "id",
    "title": "title",
    "status": "status",
    "priority": "priority",
    "category": "category__slug",
    "type": "ticket_type__slug",
    "tags": "tags",
    "custom_fields": "custom_fields",
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
    "time_minutes": "time_minutes",  # logged time (tickets/time_tracking.py), summed per ticket
}


@transaction.atomic
def export_job_create(*, actor: User, format: str, filters: dict[str, Any] | None = None) -> ExportJob:
    """Record an export request and enqueue it after commit. Filters are validated now so a typo
    is a 400, not a failed job later."""
    job_require_agent(actor, write=True)  # a dump of every ticket in scope: not for read-only viewers
    if format not in ExportFormat.values:
        raise ValidationError({"format": [f"'{format}' is not a valid format; use one of: csv, jsonl."]})
    ticket_list(user=actor, filters=filters)
    job = ExportJob.objects.create(requested_by=actor, format=format, filters=filters or {})
    job_enqueue_on_commit("tickets.export_job_run", job.pk)
    return job


def export_queryset(job: ExportJob) -> QuerySet[Ticket]:
    return ticket_list(user=job.requested_by, filters=job.filters)


def export_rows(queryset: QuerySet[Ticket], *, chunk_size: int) -> Iterator[dict[str, Any]]:
    """Rows as dicts, streamed: values() over a server-side cursor / chunked fetch, ordered by id,
    so memory stays flat whatever the number of tickets."""
    rows = with_time_minutes(queryset).order_by("pk").values(*EXPORT_COLUMNS.values())
    for row in rows.iterator(chunk_size=chunk_size):
        yield {header: row[lookup] for header, lookup in EXPORT_COLUMNS.items()}


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    elif isinstance(value, dict):  # custom fields: one JSON object per cell
        value = json.dumps(value, sort_keys=True, cls=DjangoJSONEncoder) if value else ""
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    # Spreadsheet formula injection: text starting with = + - @ is prefixed with a quote.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        value = "'" + value
    return value


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the export file (CSV or JSON Lines) to the default storage, with progress. Safe to
    run twice: a completed job is skipped; a crashed or failed one is redone from scratch."""
    job = job_claim(ExportJob, job_id)
    if job is None:
        return None
    refusal = job_requester_refusal(job, write=True)
    if refusal:
        return job_refuse(job, refusal)
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
                    ExportJob.objects.filter(pk=job.pk).update(progress=job_percent(written, total), row_count=written)
            text.flush()
            raw.seek(0)
            if job.file:
                job.file.delete(save=False)
            # Under upload_to (exports/<year>/<month>/) with a random part: never a guessable path,
            # should MEDIA_ROOT ever be exposed. Downloads go through the requester-only view.
            name = f"tickets-{job.pk}-{secrets.token_urlsafe(16)}.{job.format}"
            job.file.save(name, File(raw, name=name), save=False)
            text.detach()
        job.row_count = written
        job.progress = 100
        job.status = JobStatus.COMPLETED
        job.finished_at = timezone.now()
        job.save(update_fields=["file", "row_count", "progress", "status", "finished_at"])
    except Exception as exc:
        job_fail(job, exc)
        raise
    logger.info("export %s completed: %d row(s)", job.pk, written)
    return job
