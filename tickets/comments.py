"""The conversation: replies, internal notes and attachments, written through the same rules as
every ticket change (lock, event, outbox; a customer reply reopens a waiting ticket)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

import notifications
from agents.models import User
from agents.selectors import is_agent
from config.exceptions import ApplicationError
from customers.models import Customer
from tickets import validators
from tickets.audit import actor_id, event_record, ticket_lock, ticket_save
from tickets.changes import change_note, change_scope
from tickets.events import ticket_payload
from tickets.file_types import detect_content_type, safe_filename
from tickets.followers.mentions import mentions_apply
from tickets.models import (
    Attachment,
    Channel,
    Comment,
    EventKind,
    Ticket,
)
from tickets.sla import services as sla_services

Actor = User | None

# Fields ticket_update may change; status goes through ticket_change_status, the assignee
# through ticket_assign.

# --- comments and attachments ------------------------------------------------------------------


@transaction.atomic
@change_scope
def comment_add(
    *,
    ticket: Ticket,
    body: str,
    actor: Actor = None,
    customer: Customer | None = None,
    is_internal: bool = False,
    channel: str = Channel.WEB,
    email_message_id: str = "",
    files: Sequence[UploadedFile] = (),
) -> Comment:
    """Add a public reply or an internal note, with its files (`files`: each checked against the
    size and type limits first, so one bad file refuses the whole message, naming the file).

    - `actor` an agent: an agent reply (or note). `customer` (with or without a portal `actor`):
      a customer reply, never internal.
    - Triggers run after it (tickets/rules/): the default one reopens a pending or resolved
      ticket on a customer reply.
    - The outbox event lists the files, so a public reply's email carries them.
    """
    try:
        body = validators.validate_body(body)
    except ValidationError as exc:
        raise ValidationError({"body": exc.messages}) from exc
    validators.validate_attachments(files)
    from_agent = customer is None and is_agent(actor)
    if customer is None and not from_agent:
        raise ApplicationError("Only agents or the ticket's customer can comment.", code="forbidden", http_status=403)
    if is_internal and not from_agent:
        raise ValidationError({"is_internal": ["Customers cannot write internal notes."]}, code="internal_by_customer")

    ticket = ticket_lock(ticket)
    comment = Comment.objects.create(
        ticket=ticket,
        author=actor if actor is not None and actor.is_authenticated else None,
        customer=customer,
        body=body,
        is_internal=is_internal,
        channel=channel,
        email_message_id=email_message_id,
    )
    event_record(
        ticket,
        actor=actor,
        kind=EventKind.COMMENTED,
        new={"comment_id": comment.pk, "is_internal": is_internal},
    )
    attachments = []
    for upload in files:
        try:
            attachments.append(attachment_add(ticket=ticket, file=upload, actor=actor, comment=comment))
        except ValidationError as exc:
            raise ValidationError({"files": [f"{upload.name}: {' '.join(exc.messages)}"]}) from exc
    # @mentions in a note make the agents followers; the event names them for the mail routing.
    mentioned = mentions_apply(ticket=ticket, body=body, actor=actor) if is_internal and "@" in body else []
    fields: list[str] = []
    if not is_internal:  # first response, next reply (tickets/sla/services.py)
        fields = sla_services.ticket_sla_replied(ticket=ticket, by_agent=from_agent, at=comment.created_at)
    if fields:
        ticket_save(ticket, fields)
    else:
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    notifications.publish(
        "ticket.comment_added",
        {
            "ticket": ticket_payload(ticket),
            "comment": {**comment_payload(comment, attachments=attachments), "mentioned_ids": mentioned},
            "actor_id": actor_id(actor),
        },
    )
    event = "customer_replied" if customer is not None else ("note_added" if is_internal else "agent_replied")
    change_note(ticket, event=event, actor=actor if customer is None else customer)
    return comment


def comment_payload(comment: Comment, *, attachments: Sequence[Attachment] = ()) -> dict[str, Any]:
    """The `comment` of a `ticket.comment_added` event (webhooks, email routing, consumers)."""
    return {
        "id": comment.pk,
        "body": comment.body,
        "is_internal": comment.is_internal,
        "author_id": comment.author_id,
        "customer_id": comment.customer_id,
        "from_customer": comment.customer_id is not None,
        "channel": comment.channel,
        "created_at": comment.created_at,
        "attachments": [attachment_payload(a) for a in attachments],
    }


@transaction.atomic
@change_scope
def system_comment_add(*, ticket: Ticket, body: str, is_internal: bool = True) -> Comment:
    """A note (or public reply) written by the system (a rule): no author, audited and published
    like any comment; a public one is emailed to the customer as a reply."""
    try:
        body = validators.validate_body(body)
    except ValidationError as exc:
        raise ValidationError({"body": exc.messages}) from exc
    ticket = ticket_lock(ticket)
    comment = Comment.objects.create(ticket=ticket, body=body, is_internal=is_internal, channel=Channel.API)
    event_record(
        ticket, actor=None, kind=EventKind.COMMENTED, new={"comment_id": comment.pk, "is_internal": is_internal}
    )
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    notifications.publish(
        "ticket.comment_added",
        {
            "ticket": ticket_payload(ticket),
            "comment": comment_payload(comment),
            "actor_id": None,
        },
    )
    change_note(ticket, event="note_added" if is_internal else "agent_replied")
    return comment


@transaction.atomic
def attachment_add(*, ticket: Ticket, file: UploadedFile, actor: Actor, comment: Comment | None = None) -> Attachment:
    content_type = detect_content_type(file)  # from the bytes, never the client's word
    file.name = safe_filename(file.name)
    try:
        validators.validate_attachment(size=file.size or 0, content_type=content_type)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    attachment = Attachment.objects.create(
        ticket=ticket,
        comment=comment,
        file=file,
        filename=file.name,
        content_type=content_type,
        size=file.size or 0,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    event_record(
        ticket, actor=actor, kind=EventKind.ATTACHED, new={"attachment_id": attachment.pk, "name": attachment.filename}
    )
    return attachment


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    """An attachment in outbox events: `file` is its name on the default storage (the email
    sender reads it from there)."""
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "file": attachment.file.name,
    }
