"""Shared facts of the services_exact tests: the frozen clock, and the outbox rows and ticket events
a service left behind, as plain data."""

from __future__ import annotations

from datetime import UTC, datetime

from notifications.models import OutboxEvent
from tickets.models import Ticket, TicketEvent

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def outbox(event: str) -> list[dict]:
    return [row.payload for row in OutboxEvent.objects.filter(event=event).order_by("created_at")]


def events(ticket: Ticket, kind: str | None = None) -> list[tuple]:
    qs = TicketEvent.objects.filter(ticket=ticket).order_by("pk")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.values_list("kind", "field", "old_value", "new_value", "actor_id", "note"))
