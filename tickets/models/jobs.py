"""Background jobs on tickets (tickets/jobs.py): exports and bulk updates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

# --- background jobs (tickets/jobs.py) -------------------------------------------------------


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSONL = "jsonl", "JSON Lines"


class BackgroundJob(models.Model):
    """What every background job shares: who asked, its state, progress, failure reason and timing.
    The runner (tickets/jobs.py) leases a job by its status and started_at, so a retry never runs
    a job twice."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="%(class)ss")
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0-100.")
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="%(class)s_status_valid"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="%(class)s_progress_max_100"),
        ]
        indexes = [models.Index(fields=["requested_by", "created_at"], name="%(class)s_requester_idx")]


class ExportJob(BackgroundJob):
    """A ticket export requested from the API or the admin, written by a Celery task to the
    default storage. Only the requester may read it."""

    format = models.CharField(max_length=10, choices=ExportFormat.choices, default=ExportFormat.CSV)
    filters = models.JSONField(default=dict, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)

    class Meta(BackgroundJob.Meta):
        constraints = [
            *BackgroundJob.Meta.constraints,
            models.CheckConstraint(condition=models.Q(format__in=ExportFormat.values), name="exportjob_format_valid"),
        ]

    def __str__(self) -> str:
        return f"Export #{self.pk} ({self.format}, {self.status})"


class BulkUpdateJob(BackgroundJob):
    """A bulk change (status, priority, assignee, tags) of up to BULK_MAX_TICKETS tickets, applied
    ticket by ticket through the services. The target ids are resolved when the job is requested."""

    ticket_ids = models.JSONField(default=list, blank=True)
    filters = models.JSONField(default=dict, blank=True, help_text="The filters the ids came from, if any.")
    changes = models.JSONField(default=dict)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list, blank=True, help_text='[{"ticket_id": 1, "errors": {...}}, ...]')

    class Meta(BackgroundJob.Meta):
        pass

    def __str__(self) -> str:
        return f"Bulk update #{self.pk} ({self.status})"

    @property
    def failed(self) -> int:
        return len(self.failures)
