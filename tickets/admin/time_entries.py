"""Time tracking in the admin: the Time entries list (the entries of the tickets in the agent's
scope; filter by agent, customer, organisation, billable; the totals of what is filtered above the
list; a CSV of the selected entries), the ticket page's Time panel (its
totals, entries, and a form to log time on the ticket) and the composer's "time spent" on a
reply or note. Writes go through tickets/time_tracking.py."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from unfold.admin import ModelAdmin

from config.admin_tools import SERVICE_ERRORS, ServiceErrorsMixin, service_error_text
from tickets.models import Ticket, TimeEntry
from tickets.time_tracking import time_entries_scope_q, time_entry_add, time_entry_delete, time_entry_list, time_totals

CSV_COLUMNS = (
    "logged_at",
    "ticket",
    "ticket_title",
    "agent",
    "customer",
    "organization",
    "minutes",
    "billable",
    "note",
)


@admin.action(description="Download the selected entries as CSV")
def export_time_entries_csv(model_admin: Any, request: HttpRequest, queryset: QuerySet[TimeEntry]) -> HttpResponse:
    """Billing and payroll: one row per entry, oldest first, and a total row."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="time-entries-{timezone.localdate()}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    total = 0
    for e in queryset.select_related("ticket", "agent", "customer", "organization").order_by("created_at", "id"):
        total += e.minutes
        writer.writerow(
            [
                timezone.localtime(e.created_at).isoformat(),
                e.ticket_id,
                e.ticket.title,
                e.agent.email if e.agent else "",
                e.customer.email if e.customer else "",
                e.organization.name if e.organization else "",
                e.minutes,
                "yes" if e.is_billable else "no",
                e.note,
            ]
        )
    writer.writerow(["total", "", "", "", "", "", total, "", ""])
    return response


def time_panel(ticket: Ticket) -> dict[str, Any]:
    """The ticket's entries (one query) and totals (summed from the same rows)."""
    entries = list(time_entry_list(ticket=ticket))
    return {
        "time_entries": entries,
        "time_total": sum(e.minutes for e in entries),
        "time_billable": sum(e.minutes for e in entries if e.is_billable),
    }


class TicketTimeMixin:
    """The ticket page's "Log time" endpoint (relies on TicketWorkspaceMixin's `_writable`, `_back`)."""

    admin_site: Any

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.log_time_view)
        return [path("<path:object_id>/time/", view, name="tickets_ticket_time"), *super().get_urls()]  # type: ignore[misc]

    def log_time_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        ticket = self._writable(request, object_id)  # type: ignore[attr-defined]
        post = request.POST
        try:
            entry = time_entry_add(
                ticket=ticket,
                actor=request.user,
                minutes=post.get("minutes", ""),
                is_billable=post.get("is_billable") == "1",
                note=post.get("note", ""),
            )
        except SERVICE_ERRORS as exc:
            self.message_user(request, f"Not logged: {service_error_text(exc)}", messages.ERROR)  # type: ignore[attr-defined]
        else:
            self.message_user(request, f"Logged {entry.minutes} min.", messages.SUCCESS)  # type: ignore[attr-defined]
        return self._back(ticket, "#ws-time")  # type: ignore[attr-defined]


@admin.register(TimeEntry)
class TimeEntryAdmin(ServiceErrorsMixin, ModelAdmin):
    """Read and remove; time is logged from the ticket page or the API. Filter by agent,
    customer or organisation for their totals (shown above the list)."""

    list_display = ("created_at", "ticket", "agent", "customer", "organization", "minutes", "is_billable", "note")
    list_filter = ("is_billable", "agent", "organization", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("ticket", "agent", "customer", "organization")
    search_fields = ("ticket__id", "customer__email", "agent__email", "note")
    autocomplete_fields = ("customer",)
    readonly_fields = ("ticket", "comment", "agent", "customer", "organization", "minutes", "is_billable", "note")
    show_full_result_count = False
    list_before_template = "tickets/admin/time_totals.html"
    actions = (export_time_entries_csv,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimeEntry]:
        # The agent's ticket scope, as in the reports and the API's time totals.
        return super().get_queryset(request).filter(time_entries_scope_q(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context is not None and "cl" in context:
            context["time_totals"] = time_totals(context["cl"].queryset)
        return response

    def delete_model(self, request: HttpRequest, obj: TimeEntry) -> None:
        time_entry_delete(entry=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TimeEntry]) -> None:
        for entry in queryset.select_related("ticket"):
            time_entry_delete(entry=entry, actor=request.user)
