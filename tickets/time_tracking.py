"""Time tracking: agents log minutes on a ticket, or on one of its replies or notes (billable or
not, with a note); totals per ticket, customer, organisation and agent are SQL sums over the
entries, so every view (ticket page, API, reports, exports) adds up the same rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from agents.models import User
from agents.selectors import user_role
from config.exceptions import ApplicationError
from tickets.audit import event_record
from tickets.concurrency import require_writing_agent
from tickets.models import Comment, EventKind, Ticket, TimeEntry
from tickets.selectors import agent_scope_q

MAX_MINUTES = 24 * 60
# name: (group-by column, label column)
TOTAL_DIMENSIONS: dict[str, tuple[str, str]] = {
    "agent": ("agent_id", "agent__email"),
    "customer": ("customer_id", "customer__email"),
    "organization": ("organization_id", "organization__name"),
    "ticket": ("ticket_id", "ticket__title"),
}


def _minutes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError({"minutes": ["A whole number of minutes."]})
    try:
        minutes = int(value)
    except ValueError:
        raise ValidationError({"minutes": [f"'{str(value)[:20]}' is not a whole number of minutes."]}) from None
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValidationError({"minutes": [f"Between 1 and {MAX_MINUTES} minutes (one day) per entry."]})
    return minutes


@transaction.atomic
def time_entry_add(
    *,
    ticket: Ticket,
    actor: User,
    minutes: Any,
    is_billable: bool = False,
    note: str = "",
    comment: Comment | None = None,
) -> TimeEntry:
    """Log `minutes` of `actor`'s work on `ticket` (or on its reply or note `comment`). Audited on
    the ticket; the customer and organisation are copied from it for the totals."""
    require_writing_agent(actor)
    errors: dict[str, list[str]] = {}
    try:
        minutes = _minutes(minutes)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if comment is not None and comment.ticket_id != ticket.pk:
        errors["comment"] = ["That message belongs to another ticket."]
    note = (note or "").strip()
    if len(note) > 500:
        errors["note"] = ["At most 500 characters."]
    if errors:
        raise ValidationError(errors)
    entry = TimeEntry.objects.create(
        ticket=ticket,
        comment=comment,
        agent=actor,
        customer_id=ticket.customer_id,
        organization_id=ticket.organization_id,
        minutes=minutes,
        is_billable=bool(is_billable),
        note=note,
    )
    event_record(
        ticket,
        actor=actor,
        kind=EventKind.UPDATED,
        field="time_spent",
        new={"minutes": minutes, "billable": entry.is_billable, "time_entry_id": entry.pk},
        note=note,
    )
    return entry


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, actor: User) -> None:
    """Remove a time entry: its author, or an admin. Audited on the ticket."""
    require_writing_agent(actor)
    if entry.agent_id != actor.pk and user_role(actor) != "admin":
        raise ApplicationError(
            "Only its author or an admin can remove a time entry.", code="forbidden", http_status=403
        )
    event_record(
        entry.ticket,
        actor=actor,
        kind=EventKind.UPDATED,
        field="time_spent",
        old={"minutes": entry.minutes, "billable": entry.is_billable, "time_entry_id": entry.pk},
        note="Time entry removed.",
    )
    entry.delete()


# --- reads ------------------------------------------------------------------------------------------


def time_entries_scope_q(user: Any) -> Q:
    """The entries `user` may count: those of the tickets in their scope (tickets.selectors.agent_scope_q,
    as the reports count tickets; admins and None: all, an empty Q)."""
    scope = agent_scope_q(user, user_role(user)) if user is not None else Q()
    return Q(ticket__in=Ticket.objects.filter(scope).values("pk")) if scope else Q()


def time_entries_for(user: Any) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(time_entries_scope_q(user))


def time_entry_list(*, ticket: Ticket) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(ticket=ticket).select_related("agent", "comment").order_by("created_at", "id")


def time_totals(entries: QuerySet[TimeEntry]) -> dict[str, int]:
    """{minutes, billable_minutes, entries} of `entries` (one query)."""
    totals = entries.aggregate(
        total=Coalesce(Sum("minutes"), 0),
        billable=Coalesce(Sum("minutes", filter=Q(is_billable=True)), 0),
        count=Count("id"),
    )
    return {"minutes": totals["total"], "billable_minutes": totals["billable"], "entries": totals["count"]}


def time_totals_by(
    *, dimension: str, start: datetime | None = None, end: datetime | None = None, entries: QuerySet | None = None
) -> list[dict[str, Any]]:
    """One row per agent, customer, organisation or ticket: {key, label, minutes, billable_minutes,
    entries}, most minutes first (one query). `start`/`end` bound when the time was logged."""
    key, label = TOTAL_DIMENSIONS[dimension]
    rows = TimeEntry.objects.all() if entries is None else entries
    if start is not None:
        rows = rows.filter(created_at__gte=start)
    if end is not None:
        rows = rows.filter(created_at__lt=end)
    grouped = (
        rows.values(key, label)
        .annotate(
            total=Sum("minutes"),
            billable=Coalesce(Sum("minutes", filter=Q(is_billable=True)), 0),
            count=Count("id"),
        )
        .order_by("-total", key)
    )
    return [
        {
            "key": row[key],
            "label": row[label] or "(none)",
            "minutes": row["total"],
            "billable_minutes": row["billable"],
            "entries": row["count"],
        }
        for row in grouped
    ]


def with_time_minutes(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Tickets annotated with `time_minutes`, their logged minutes (a correlated subquery on
    timeentry_ticket_idx; exports)."""
    per_ticket = (
        TimeEntry.objects.filter(ticket=OuterRef("pk")).order_by().values("ticket").annotate(total=Sum("minutes"))
    )
    return queryset.annotate(
        time_minutes=Coalesce(Subquery(per_ticket.values("total"), output_field=IntegerField()), Value(0))
    )


CSV_COLUMNS = ("by", "key", "label", "minutes", "billable_minutes", "entries")


def time_totals_csv_rows(*, user: Any, start: datetime, end: datetime) -> list[list[Any]]:
    """The reports' "time logged" table as CSV rows (header first): per agent, organisation and
    customer, over the entries `user` may count (one query per dimension)."""
    rows: list[list[Any]] = [list(CSV_COLUMNS)]
    for dimension in ("agent", "organization", "customer"):
        for row in time_totals_by(dimension=dimension, start=start, end=end, entries=time_entries_for(user)):
            rows.append([dimension, "" if row["key"] is None else row["key"], *(row[c] for c in CSV_COLUMNS[2:])])
    return rows
