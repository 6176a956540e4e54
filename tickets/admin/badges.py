"""The desk's shared look for a ticket's priority, status and SLA: small coloured badges.

One renderer per badge, used by the queue's columns, the dashboard, the ticket page and the
`{% priority_badge %}` / `{% status_badge %}` / `{% sla_badge %}` template tags
(tickets/templatetags/helpdesk.py). Colours live in tickets/static/tickets/admin.css (`hd-badge`
classes), so every page shows the same colour for the same thing. Each renderer reads only the
ticket's own fields: no query per row."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tickets.models import Priority, Status, Ticket
from tickets.sla import rules as sla

PRIORITY_LABELS = dict(Priority.choices)
STATUS_LABELS = {**dict(Status.choices), Status.PENDING: "Waiting on customer"}
SLA_LABELS = {"ok": "on track", "at_risk": "at risk", "breached": "breached"}


def format_remaining(remaining: timedelta) -> str:
    """'2h 05m left', '1d 3h over', '12m left'."""
    seconds = int(remaining.total_seconds())
    suffix = "left" if seconds >= 0 else "over"
    minutes = abs(seconds) // 60
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes:02d}m"
    else:
        text = f"{minutes}m"
    return f"{text} {suffix}"


def format_age(moment: datetime, *, now: datetime | None = None) -> str:
    """A short age for a narrow column: 'just now', '12m ago', '5h ago', '3d ago', then the date."""
    seconds = int(((now or timezone.now()) - moment).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    if seconds < 86400:
        return f"{seconds // 3600}h ago"
    if seconds < 86400 * 14:
        return f"{seconds // 86400}d ago"
    return timezone.localtime(moment).strftime("%d %b %Y")


def priority_badge(priority: str) -> SafeString:
    return format_html(
        '<span class="hd-badge hd-priority-{}">{}</span>', priority, PRIORITY_LABELS.get(priority, priority)
    )


def status_badge(status: str) -> SafeString:
    return format_html('<span class="hd-badge hd-status-{}">{}</span>', status, STATUS_LABELS.get(status, status))


def sla_badge_html(ticket: Ticket, *, now: datetime | None = None) -> SafeString | str:
    """Time left on the target the ticket is racing (or how long overdue), coloured by state:
    green on track, orange at risk, red breached; the hover text names the target and its due time."""
    now = now or timezone.now()
    state = sla.sla_state(ticket, now=now)
    if state == "none":
        return "—"
    remaining = sla.time_remaining(ticket, now=now)
    target = sla.next_target(ticket)
    paused = (
        ticket.status == Status.PENDING
        and ticket.sla_paused_at is not None
        and target is not None
        and target[0] == "resolution"
    )
    text = format_remaining(remaining) if remaining is not None else SLA_LABELS[state]
    if target is not None:
        kind, due = target
        name = "First response" if kind == "first_response" else "Resolution"
        hover = f"{name} due {timezone.localtime(due):%d %b %Y %H:%M} · {SLA_LABELS[state]}"
    else:
        hover = SLA_LABELS[state]
    if paused:
        hover += " · paused while waiting on the customer"
    return format_html(
        '<span class="hd-badge hd-sla hd-sla-{}" title="{}">{}{}</span>', state, hover, text, " ⏸" if paused else ""
    )


@admin.display(description="SLA", ordering="sla_due_at")
def sla_badge(ticket: Ticket) -> SafeString | str:
    """The queue's SLA column; sorting on it is "next SLA deadline first" (ticket_sla_due_idx)."""
    return sla_badge_html(ticket)
