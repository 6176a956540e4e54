"""Admin for the background jobs: the export and retention dry-run actions used by the ticket
changelist (tickets/admin/tickets.py lists them in TicketAdmin.actions), and read-only pages for
export and bulk-update jobs. Every write goes through tickets/jobs.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from config.admin_tools import ReadOnlyAdminMixin
from config.exceptions import ApplicationError
from tickets import exports, retention
from tickets.models import BulkUpdateJob, ExportFormat, ExportJob, Ticket

ADMIN_EXPORT_MAX_TICKETS = 10_000  # ids go into one IN (...): SQLite allows 32766 parameters


def _export(request: HttpRequest, queryset: QuerySet[Ticket], fmt: str) -> None:
    ids = list(queryset.order_by("pk").values_list("pk", flat=True)[: ADMIN_EXPORT_MAX_TICKETS + 1])
    if len(ids) > ADMIN_EXPORT_MAX_TICKETS:
        messages.error(
            request,
            f"At most {ADMIN_EXPORT_MAX_TICKETS} tickets per export from the admin; "
            "narrow the selection or use the API with filters.",
        )
        return
    try:
        job = exports.export_job_create(actor=request.user, format=fmt, filters={"ids": ids})
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, f"Export not started: {exc}")
        return
    url = reverse("admin:tickets_exportjob_change", args=[job.pk])
    messages.success(
        request,
        format_html(
            'Export #{} of {} ticket(s) started; follow it on <a href="{}">its job page</a>.', job.pk, len(ids), url
        ),
    )


@admin.action(description="Export selected tickets (CSV)", permissions=["view"])
def export_tickets_csv(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
    _export(request, queryset, ExportFormat.CSV)


@admin.action(description="Export selected tickets (JSON Lines)", permissions=["view"])
def export_tickets_jsonl(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
    _export(request, queryset, ExportFormat.JSONL)


@admin.action(description="Data retention: dry-run count (changes nothing)", permissions=["view"])
def retention_dry_run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
    """How many tickets the daily retention job would delete or anonymise: of the selection, and
    in all. Nothing is changed."""
    candidates = retention.retention_candidates()
    selected = queryset.filter(pk__in=candidates.values("pk")).count()
    total = retention.retention_run(dry_run=True)
    verb = "anonymised" if settings.RETENTION_MODE == "anonymize" else "deleted"
    messages.info(
        request,
        f"Data retention (closed more than {settings.RETENTION_DAYS} days ago): {selected} of the selected "
        f"tickets and {total} in all would be {verb} by the next run.",
    )


class _ReadOnlyJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_select_related = ("requested_by",)
    show_full_result_count = False
    date_hierarchy = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request).select_related("requested_by")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(requested_by=request.user)


@admin.register(ExportJob)
class ExportJobAdmin(_ReadOnlyJobAdmin):
    list_display = ("id", "requested_by", "format", "status", "progress", "row_count", "created_at", "download")
    list_filter = ("status", "format")
    readonly_fields = (
        "requested_by",
        "format",
        "filters",
        "status",
        "progress",
        "row_count",
        "download",
        "error",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
    )
    exclude = ("file",)

    @admin.display(description="file")
    def download(self, job: ExportJob) -> str:
        if not job.file:
            return "-"
        return format_html('<a href="{}">download</a>', reverse("export-download", kwargs={"pk": job.pk}))


@admin.register(BulkUpdateJob)
class BulkUpdateJobAdmin(_ReadOnlyJobAdmin):
    list_display = ("id", "requested_by", "status", "progress", "total", "succeeded", "failed", "created_at")
    list_filter = ("status",)
    readonly_fields = (
        "requested_by",
        "changes",
        "filters",
        "ticket_ids",
        "status",
        "progress",
        "total",
        "processed",
        "succeeded",
        "failures",
        "error",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
    )
