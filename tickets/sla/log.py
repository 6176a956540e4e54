"""A ticket's SLA event log (SLAEvent rows): reading it as clock entries (tickets/sla/clock.py) and
writing to it. Tickets opened before the log existed get their clocks' starts (and the business
minutes they had spent paused) from their own columns, so replaying works for every ticket."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tickets.models import DONE_STATUSES, SLAEvent, Ticket
from tickets.sla.clock import Entry

CLOCK_FIELDS = ("id", "ticket_id", "metric", "kind", "at", "detail")


def creation_entries(ticket: Ticket) -> list[Entry]:
    """A new ticket's clocks: first response and resolution start when it is opened."""
    return [
        Entry("first_response", "started", ticket.created_at),
        Entry("resolution", "started", ticket.created_at),
    ]


def _legacy(ticket: Ticket, entries: list[Entry]) -> list[Entry]:
    """Entries for a ticket whose log does not start at its creation (opened before the log)."""
    metrics = {e.metric for e in entries if e.kind == "started"}
    before: list[Entry] = []
    if "first_response" not in metrics:
        before.append(Entry("first_response", "started", ticket.created_at, {"from": "ticket"}))
        if ticket.first_responded_at is not None:
            before.append(Entry("first_response", "achieved", ticket.first_responded_at, {"from": "ticket"}))
    if "resolution" not in metrics:
        detail: dict[str, Any] = {"from": "ticket", "paused_minutes": ticket.sla_paused_minutes}
        before.append(Entry("resolution", "started", ticket.created_at, detail))
        if ticket.sla_paused_at is not None:
            kind = "achieved" if ticket.status in DONE_STATUSES else "paused"
            before.append(Entry("resolution", kind, ticket.sla_paused_at, {"status": ticket.status}))
    return sorted(before, key=lambda e: e.at) + entries


def _entry(row: SLAEvent) -> Entry:
    return Entry(row.metric, row.kind, row.at, row.detail or {})


def ticket_log(ticket: Ticket) -> list[Entry]:
    """The ticket's log as clock entries, in time order (one query)."""
    if ticket.pk is None:
        return creation_entries(ticket)
    rows = SLAEvent.objects.filter(ticket_id=ticket.pk).order_by("at", "id").only(*CLOCK_FIELDS)
    return _legacy(ticket, [_entry(r) for r in rows])


def tickets_logs(tickets: Iterable[Ticket]) -> dict[int, list[Entry]]:
    """The logs of many tickets (one query)."""
    tickets = list(tickets)
    by_ticket: dict[int, list[Entry]] = defaultdict(list)
    rows = SLAEvent.objects.filter(ticket_id__in=[t.pk for t in tickets]).order_by("ticket_id", "at", "id")
    for row in rows.only(*CLOCK_FIELDS):
        by_ticket[row.ticket_id].append(_entry(row))
    return {t.pk: _legacy(t, by_ticket.get(t.pk, [])) for t in tickets}


def log_write(ticket_id: int, entries: Iterable[Entry]) -> None:
    """Append entries to the ticket's log (one INSERT; nothing when there are none)."""
    rows = [SLAEvent(ticket_id=ticket_id, metric=e.metric, kind=e.kind, at=e.at, detail=e.detail) for e in entries]
    if rows:
        SLAEvent.objects.bulk_create(rows)


def log_rows(ticket_id: int, entries: Iterable[Entry]) -> list[SLAEvent]:
    """Unsaved rows for a bulk write spanning many tickets (the scans, automations)."""
    return [SLAEvent(ticket_id=ticket_id, metric=e.metric, kind=e.kind, at=e.at, detail=e.detail) for e in entries]


def entry(metric: str, kind: str, at: datetime, **detail: Any) -> Entry:
    return Entry(metric, kind, at, detail)
