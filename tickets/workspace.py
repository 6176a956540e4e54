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

from tickets import comments, services, validators
from tickets.concurrency import StaleTicketError, require_writing_agent, ticket_lock_fresh
from tickets.custom_fields import changed_from_form
from tickets.macros.services import macro_changes
from tickets.models import Channel, Comment, Status, Ticket
from tickets.models.macros import Macro
from tickets.time_tracking import time_entry_add

__all__ = ["StaleTicketError", "ticket_properties_save", "ticket_reply"]

# The statuses "Send and set status" offers.
SEND_AND_SET = (Status.PENDING, Status.RESOLVED)
PROPERTY_FIELDS = ("status", "priority", "team", "assignee", "category", "ticket_type", "tags", "custom_fields")
RELATED_FIELDS = ("team", "assignee", "category", "ticket_type")


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser,
    body: str,
    is_internal: bool,
    files: Sequence[UploadedFile] = (),
    set_status: str = "",
    macro: Macro | None = None,
    expected_version: int | None,
    seen_event_id: int | None = None,
    time_minutes: Any = "",
    time_billable: bool = False,
) -> Comment:
    """Send a public reply or an internal note from the ticket page, then the field changes of the
    macro it was written from (if any), then (optionally) the status ("Send and set status"): all
    or nothing, each change an ordinary audited event."""
    require_writing_agent(actor)
    if set_status and set_status not in SEND_AND_SET:
        allowed = ", ".join(SEND_AND_SET)
        raise ValidationError({"set_status": [f"'{set_status}' cannot be set from the composer; use {allowed}."]})
    locked = ticket_lock_fresh(ticket=ticket, expected_version=expected_version, seen_event_id=seen_event_id)
    if macro is not None and not macro.is_usable_by(actor):
        raise ValidationError({"macro": ["No such macro (or not yours to use)."]})
    comment = comments.comment_add(
        ticket=locked, actor=actor, body=body, is_internal=is_internal, files=files, channel=Channel.ADMIN
    )
    if time_minutes not in (None, ""):  # time spent on this reply or note
        time_entry_add(ticket=locked, actor=actor, minutes=time_minutes, is_billable=time_billable, comment=comment)
    if macro is not None:
        changes, _ = macro_changes(macro=macro, ticket=locked)
        if changes:
            locked = services.ticket_update(ticket=locked, actor=actor, data=changes)
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
    data = dict(data)
    posted_fields = data.pop("custom_fields", None) or {}
    changes = {
        name: value
        for name, value in data.items()
        if _comparable(name, value)
        != _comparable(name, getattr(locked, f"{name}_id" if name in RELATED_FIELDS else name))
    }
    custom_changes = changed_from_form(locked, posted_fields)
    if custom_changes:
        changes["custom_fields"] = custom_changes
    if not changes:
        return locked, []
    updated = services.ticket_update(ticket=locked, actor=actor, data=changes)
    return updated, sorted(changes)
