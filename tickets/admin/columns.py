"""The queue's columns, narrow enough that nine of them fit a 1440 px screen beside the
sidebar: one line each, long text truncated with the full text on hover (tickets/static/tickets/
admin.css `hd-cell`). Every cell reads the row and the joins the changelist already made
(customer, assignee, team): no query per row, and one format_html per cell."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from tickets.admin.badges import format_age, priority_badge, status_badge
from tickets.models import Ticket


def _cell(text: str, css: str = "") -> SafeString:
    return format_html('<span class="hd-cell {}" title="{}">{}</span>', css, text, text)


class TicketColumnsMixin:
    @admin.display(description="Ref", ordering="id")
    def reference(self, ticket: Ticket) -> str:
        return f"#{ticket.pk}"

    @admin.display(description="Title", ordering="title")
    def title_cell(self, ticket: Ticket) -> SafeString:
        return _cell(ticket.title, "hd-cell-title")

    @admin.display(description="Customer")
    def customer_cell(self, ticket: Ticket) -> SafeString:
        customer = ticket.customer
        return _cell(customer.name or customer.email)

    @admin.display(description="Assignee")
    def assignee_cell(self, ticket: Ticket) -> SafeString | str:
        return _cell(str(ticket.assignee)) if ticket.assignee_id else mark_safe('<span class="hd-muted">—</span>')

    @admin.display(description="Team")
    def team_cell(self, ticket: Ticket) -> SafeString | str:
        return _cell(ticket.team.name) if ticket.team_id else mark_safe('<span class="hd-muted">—</span>')

    @admin.display(description="Priority", ordering="-priority_rank")
    def priority_cell(self, ticket: Ticket) -> SafeString:
        return priority_badge(ticket.priority)

    @admin.display(description="Status", ordering="status")
    def status_cell(self, ticket: Ticket) -> SafeString:
        return status_badge(ticket.status)

    @admin.display(description="Updated", ordering="updated_at")
    def updated_cell(self, ticket: Ticket) -> SafeString:
        return format_html(
            '<span class="hd-cell" title="{}">{}</span>', ticket.updated_at.isoformat(), format_age(ticket.updated_at)
        )
