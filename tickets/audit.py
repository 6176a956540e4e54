"""What every ticket write shares: the row lock (with the optimistic version check), the save
that bumps the version (the API's ETag), and the audit trail (one TicketEvent per change)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import F

from agents.models import Role, User
from agents.selectors import user_role
from config.exceptions import ApplicationError
from tickets.changes import current_rule
from tickets.models import Ticket, TicketEvent

Actor = User | None


def event_value(value: Any) -> Any:
    """An event's old/new value as JSON: models by primary key."""
    if hasattr(value, "pk"):
        return value.pk
    return value


def event_record(
    ticket: Ticket, *, actor: Actor, kind: str, field: str = "", old: Any = None, new: Any = None, note: str = ""
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        field=field,
        old_value=event_value(old),
        new_value=event_value(new),
        note=note[:255],
        rule=current_rule()[:140],
    )


def actor_id(actor: Actor) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None


def ticket_lock(ticket: Ticket, *, expected_version: int | Collection[int] | None = None) -> Ticket:
    """Re-read the ticket under a row lock, so concurrent writers serialise instead of losing
    updates. With `expected_version` (the version the caller read: an API `If-Match`), a ticket
    changed since is refused with a 412, under the lock, so no write can slip in between."""
    locked = Ticket.objects.select_for_update(of=("self",)).select_related("category").get(pk=ticket.pk)
    if expected_version is not None:
        expected = {expected_version} if isinstance(expected_version, int) else set(expected_version)
        if locked.version not in expected:
            raise ApplicationError(
                "The ticket changed since you read it (If-Match does not match its ETag); re-read and retry.",
                code="precondition_failed",
                http_status=412,
            )
    return locked


def ticket_save(ticket: Ticket, fields: list[str]) -> None:
    ticket.version = F("version") + 1
    ticket.save(update_fields=[*fields, "version", "updated_at"])
    ticket.refresh_from_db(fields=["version", "updated_at", "priority_rank"])


def require_writing_agent(actor: Actor) -> None:
    """Refuse (403) anybody but an agent who may write: viewers read only, customers never
    merge, split or link tickets."""
    if user_role(actor) not in (Role.ADMIN, Role.SENIOR_AGENT, Role.AGENT):
        raise ApplicationError("Only agents who may change tickets can do this.", code="forbidden", http_status=403)
