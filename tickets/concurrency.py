"""Optimistic concurrency for the agents' ticket page and macros: a write names the version it
was based on and is refused before anything is written when the ticket has moved on."""

from __future__ import annotations

from collections.abc import Collection

from django.contrib.auth.base_user import AbstractBaseUser

from agents.selectors import agent_for_user
from config.exceptions import ApplicationError
from tickets.audit import ticket_lock
from tickets.models import Ticket, TicketEvent
from tickets.timeline import describe_events


class StaleTicketError(ApplicationError):
    pass


def require_writing_agent(actor: AbstractBaseUser | None) -> None:
    agent = agent_for_user(actor)
    if (agent is None or not agent.can_write) and not getattr(actor, "is_superuser", False):
        raise ApplicationError(
            "Only agents who may work tickets can change them.", code="permission_denied", http_status=403
        )


def ticket_lock_fresh(
    *,
    ticket: Ticket,
    expected_version: int | None,
    seen_event_id: int | None = None,
    if_match: Collection[int] | None = None,
) -> Ticket:
    """The ticket locked for a write, or StaleTicketError when the page it was written on is out of
    date: the ticket's version is not `expected_version`, or something happened on it after the
    last event the page showed (`seen_event_id`; a colleague's reply does not change the version,
    but answering without having seen it is exactly the double reply this prevents). None skips
    a check. The message lists the changes since `seen_event_id` with their authors. `if_match`
    (the versions an API `If-Match` names) is refused with a 412, as every API write is."""
    locked = ticket_lock(ticket, expected_version=if_match)
    newer = TicketEvent.objects.filter(ticket=locked, pk__gt=seen_event_id) if seen_event_id is not None else None
    version_moved = expected_version is not None and locked.version != expected_version
    if not version_moved and (newer is None or not newer.exists()):
        return locked
    changes = describe_events(list(newer.select_related("actor").order_by("id")[:10])) if newer is not None else []
    summary = "; ".join(changes) if changes else f"version {expected_version} → {locked.version}"
    raise StaleTicketError(
        f"Not saved: this ticket changed since you opened it ({summary}). Nothing was written — "
        "review the changes and try again.",
        code="stale_version",
        extra={"changes": changes, "version": locked.version},
        http_status=409,
    )
