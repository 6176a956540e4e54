"""Splitting a ticket: one message (and, when asked, every message after it) becomes a new ticket
of the same customer, linked `split_from` the original. The messages move with their attachments;
the original's audit trail keeps what happened there."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

import notifications
from agents.models import User
from tickets.audit import actor_id, event_record, require_writing_agent, ticket_lock, ticket_save
from tickets.events import ticket_payload
from tickets.models import Attachment, Comment, EventKind, LinkKind, Ticket, TicketLink
from tickets.services import ticket_create

Actor = User | None


@transaction.atomic
def ticket_split(
    *,
    ticket: Ticket,
    comment: Comment | int,
    actor: Actor,
    include_following: bool = False,
    title: str = "",
    expected_version: Any = None,
) -> Ticket:
    """Move `comment` (and what follows it with `include_following`) to a new ticket; returns it.
    The new ticket keeps the original's customer (the message's, when a customer wrote it),
    priority, category and team."""
    require_writing_agent(actor)
    ticket = ticket_lock(ticket, expected_version=expected_version)
    comment_id = comment.pk if isinstance(comment, Comment) else comment
    first = Comment.objects.select_related("customer").filter(pk=comment_id, ticket=ticket).first()
    if first is None:
        raise ValidationError({"comment": [f"Message {comment_id} is not part of {ticket.reference}."]})
    moving = Comment.objects.filter(pk=first.pk)
    if include_following:
        moving = Comment.objects.filter(ticket=ticket).filter(
            Q(created_at__gt=first.created_at) | Q(created_at=first.created_at, pk__gte=first.pk)
        )
    ids = list(moving.order_by("created_at", "pk").values_list("pk", flat=True))
    if not title:
        title = f"{ticket.title} (split from {ticket.reference})"[:200]
    customer = first.customer if first.customer_id else ticket.customer
    new = ticket_create(
        actor=actor,
        title=title,
        customer=customer,
        priority=ticket.priority,
        category=ticket.category,
        team=ticket.team,
        channel=ticket.channel,
    )
    Comment.objects.filter(pk__in=ids).update(ticket=new)
    Attachment.objects.filter(comment_id__in=ids).update(ticket=new)
    TicketLink.objects.create(
        from_ticket=new,
        to_ticket=ticket,
        kind=LinkKind.SPLIT_FROM,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    event_record(
        ticket,
        actor=actor,
        kind=EventKind.SPLIT,
        field="split_into",
        new={"ticket": new.pk, "comments": ids},
        note=f"{len(ids)} message(s) split into {new.reference}.",
    )
    event_record(
        new,
        actor=actor,
        kind=EventKind.SPLIT,
        field="split_from",
        new={"ticket": ticket.pk, "comments": ids},
        note=f"Split from {ticket.reference}: {len(ids)} message(s).",
    )
    ticket_save(ticket, [])
    notifications.publish(
        "ticket.split",
        {
            "ticket": ticket_payload(ticket),
            "new_ticket": ticket_payload(new),
            "comment_ids": ids,
            "actor_id": actor_id(actor),
        },
    )
    return new
