"""The queue's status filter (with "active work" as the default) and queue links. The assignee
filter and the action bar's fields are the ticket page's (ticket_page.py); the paginator that never
counts a million rows is config/admin_tools.py's."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from tickets.models import Status, Ticket

# The position of the SLA column in TicketAdmin.list_display (the admin's `o=` is 1-based).
SLA_COLUMN = "8"


def queue_url(**params: str) -> str:
    """The ticket queue with these filters, e.g. queue_url(assignee="me")."""
    base = reverse("admin:tickets_ticket_changelist")
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{base}?{query}" if query else base


# --- filters ---------------------------------------------------------------------------------


class QueueStatusFilter(admin.SimpleListFilter):
    """Status, with the agent's active work (open, in progress, waiting, on hold) as the default:
    a queue shows what is left to do; "All" and each single status are one click away."""

    title = "status"
    parameter_name = "status"
    ACTIVE = "active"
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(self.ACTIVE, "Active work"), *Status.choices, (self.ALL, "All")]

    def value(self) -> str:
        # A saved view (?view=) brings its own statuses: this filter steps aside.
        if self.used_parameters.get(self.parameter_name) is None and "view" in self.request_params:
            return self.ALL
        return super().value() or self.ACTIVE

    def __init__(self, request: HttpRequest, params: dict, model: Any, model_admin: Any) -> None:
        self.request_params = dict(request.GET)
        super().__init__(request, params, model, model_admin)

    def choices(self, changelist: Any) -> Any:
        current = self.value()
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == str(lookup),
                "query_string": changelist.get_query_string(
                    remove=[self.parameter_name] if lookup == self.ACTIVE else [],
                    new_params={} if lookup == self.ACTIVE else {self.parameter_name: lookup},
                ),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        value = self.value()
        if value == self.ALL:
            return queryset
        if value in Status.values:
            return queryset.filter(status=value)
        return queryset.active()
