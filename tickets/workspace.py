"""The agents' ticket page writes: a reply or note (with files, optionally setting the status) and
the properties panel, each refused when the page is stale.

"No silent overwrites": the page carries the ticket's version (and the last event it showed);
a write against another version is refused before anything is written, naming what changed and
who changed it. An untouched save writes nothing (values are normalised before comparing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from agents.selectors import agent_for_user
from config.exceptions import ApplicationError
from tickets import services, validators
from tickets.models import Channel, Comment, Status, Ticket, TicketEvent
from tickets.timeline import describe_events

# The statuses "Send and set status" offers.
SEND_AND_SET = (Status.PENDING, Status.RESOLVED)
PROPERTY_FIELDS = ("status", "priority", "team", "assignee", "category", "tags")


class StaleTicketError(ApplicationError):
    pass


def require_writing_agent(actor: AbstractBaseUser | None) -> None:
    agent = agent_for_user(actor)
    if (agent is None or not agent.can_write) and not getattr(actor, "is_superuser", False):
        raise ApplicationError(
            "Only agents who may work tickets can change them.", code="permission_denied", http_status=403
        )


def ticket_lock_fresh(*, ticket: Ticket, expected_version: int | None, seen_event_id: int | None = None) -> Ticket:
    """The ticket locked for a write, or StaleTicketError when its version is not `expected_version`
    (None skips the check). The message lists the changes since `seen_event_id` with their authors."""
    locked = services.lock_ticket(ticket)
    if expected_version is None or locked.version == expected_version:
        return locked
    events = TicketEvent.objects.filter(ticket=locked).select_related("actor").order_by("id")
    if seen_event_id is not None:
        events = events.filter(pk__gt=seen_event_id)
    changes = describe_events(list(events[:10])) if seen_event_id is not None else []
    summary = "; ".join(changes) if changes else f"version {expected_version} → {locked.version}"
    raise StaleTicketError(
        f"Not saved: this ticket changed since you opened it ({summary}). Nothing was written — "
        "review the changes and try again.",
        code="stale_version",
        extra={"changes": changes, "version": locked.version},
        http_status=409,
    )


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser,
    body: str,
    is_internal: bool,
    files: Sequence[UploadedFile] = (),
    set_status: str = "",
    expected_version: int | None,
    seen_event_id: int | None = None,
) -> Comment:
    """Send a public reply or an internal note from the ticket page, then (optionally) set the
    status ("Send and set status"): all or nothing."""
    require_writing_agent(actor)
    if set_status and set_status not in SEND_AND_SET:
        allowed = ", ".join(SEND_AND_SET)
        raise ValidationError({"set_status": [f"'{set_status}' cannot be set from the composer; use {allowed}."]})
    locked = ticket_lock_fresh(ticket=ticket, expected_version=expected_version, seen_event_id=seen_event_id)
    comment = services.comment_add(
        ticket=locked, actor=actor, body=body, is_internal=is_internal, files=files, channel=Channel.ADMIN
    )
    if set_status:
        services.ticket_change_status(ticket=locked, actor=actor, status=set_status)
    return comment


def _comparable(field: str, value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if field == "tags":
        return list(value or [])
    if isinstance(value, str):
        return validators.normalize_text(value)
    return value


@transaction.atomic
def ticket_properties_save(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser,
    data: dict[str, Any],
    expected_version: int | None,
    seen_event_id: int | None = None,
) -> tuple[Ticket, list[str]]:
    """Save the properties panel: only the fields whose (normalised) value differs are handed to
    ticket_update; nothing differing writes nothing. Returns the ticket and the changed fields."""
    require_writing_agent(actor)
    unknown = set(data) - set(PROPERTY_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in sorted(unknown)})
    locked = ticket_lock_fresh(ticket=ticket, expected_version=expected_version, seen_event_id=seen_event_id)
    changes = {
        name: value
        for name, value in data.items()
        if _comparable(name, value)
        != _comparable(name, getattr(locked, f"{name}_id" if name in ("team", "assignee", "category") else name))
    }
    if not changes:
        return locked, []
    updated = services.ticket_update(ticket=locked, actor=actor, data=changes)
    return updated, sorted(changes)
