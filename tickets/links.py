"""Links between tickets: related, duplicate of, parent and child (a problem and its incidents).
Merges and splits make their own links (tickets/ticket_merge.py, tickets/split.py); these are the
ones an agent adds and removes. Closing a parent can close its open children when asked."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

import notifications
from agents.models import User
from tickets.audit import actor_id, event_record, require_writing_agent, ticket_lock
from tickets.events import ticket_payload
from tickets.models import DONE_STATUSES, REVERSE_LABELS, LinkKind, Status, Ticket, TicketLink
from tickets.services import ticket_change_status

Actor = User | None

# What the API and the admin offer; "parent_of" is stored as the other ticket's "child_of".
LINK_CHOICES: dict[str, str] = {
    "related": "Related to",
    "duplicate_of": "Duplicate of",
    "child_of": "Child of (its parent is the other ticket)",
    "parent_of": "Parent of (the other ticket is its child)",
}
MAX_DEPTH = 50


def _parent_id(ticket_id: int) -> int | None:
    return (
        TicketLink.objects.filter(from_ticket_id=ticket_id, kind=LinkKind.CHILD_OF)
        .values_list("to_ticket_id", flat=True)
        .first()
    )


def _check_child(child: Ticket, parent: Ticket) -> None:
    existing = _parent_id(child.pk)
    if existing is not None and existing != parent.pk:
        raise ValidationError(
            {"ticket": [f"{child.reference} already has a parent, #{existing}; remove that link first."]},
            code="has_parent",
        )
    ancestor: int | None = parent.pk
    for _ in range(MAX_DEPTH):
        if ancestor is None:
            return
        if ancestor == child.pk:
            raise ValidationError(
                {
                    "ticket": [
                        f"{child.reference} is an ancestor of {parent.reference}: a ticket cannot be its own parent."
                    ]
                },
                code="link_cycle",
            )
        ancestor = _parent_id(ancestor)


@transaction.atomic
def ticket_link_add(*, ticket: Ticket, other: Ticket, kind: str, actor: Actor) -> tuple[TicketLink, bool]:
    """Link `ticket` to `other` as `kind` (LINK_CHOICES). Idempotent: an existing link is returned
    with False. Both tickets record the event."""
    require_writing_agent(actor)
    if kind not in LINK_CHOICES:
        raise ValidationError({"kind": [f"'{kind}' is not a link kind; use one of: {', '.join(LINK_CHOICES)}."]})
    if other.pk == ticket.pk:
        raise ValidationError({"ticket": ["A ticket cannot be linked to itself."]}, code="link_to_itself")
    for pk in sorted((ticket.pk, other.pk)):
        ticket_lock(Ticket(pk=pk))
    source, target, stored = ticket, other, kind
    if kind == "parent_of":
        source, target, stored = other, ticket, LinkKind.CHILD_OF
    if stored == LinkKind.RELATED:
        found = TicketLink.objects.filter(
            Q(from_ticket=source, to_ticket=target) | Q(from_ticket=target, to_ticket=source), kind=LinkKind.RELATED
        ).first()
    else:
        found = TicketLink.objects.filter(from_ticket=source, to_ticket=target, kind=stored).first()
    if found is not None:
        return found, False
    if stored == LinkKind.CHILD_OF:
        _check_child(source, target)
    if (
        stored == LinkKind.DUPLICATE_OF
        and TicketLink.objects.filter(from_ticket=target, to_ticket=source, kind=LinkKind.DUPLICATE_OF).exists()
    ):
        raise ValidationError(
            {"kind": [f"{target.reference} is already a duplicate of {source.reference}."]}, code="duplicate_cycle"
        )
    link = TicketLink.objects.create(
        from_ticket=source,
        to_ticket=target,
        kind=stored,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _record(link, actor, linked=True)
    return link, True


def _record(link: TicketLink, actor: Actor, *, linked: bool) -> None:
    kind = LinkKind(link.kind)
    value = {"kind": link.kind, "ticket": link.to_ticket_id}
    back = {"kind": link.kind, "ticket": link.from_ticket_id, "reverse": True}
    verb = "Linked" if linked else "Unlinked"
    event_kind = "linked" if linked else "unlinked"
    event_record(
        link.from_ticket,
        actor=actor,
        kind=event_kind,
        field="links",
        old=None if linked else value,
        new=value if linked else None,
        note=f"{verb}: {kind.label.lower()} #{link.to_ticket_id}.",
    )
    event_record(
        link.to_ticket,
        actor=actor,
        kind=event_kind,
        field="links",
        old=None if linked else back,
        new=back if linked else None,
        note=f"{verb}: {REVERSE_LABELS[link.kind].lower()} #{link.from_ticket_id}.",
    )
    notifications.publish(
        "ticket.linked" if linked else "ticket.unlinked",
        {
            "ticket": ticket_payload(link.from_ticket),
            "link": {"kind": link.kind, "ticket_id": link.from_ticket_id, "other_ticket_id": link.to_ticket_id},
            "actor_id": actor_id(actor),
        },
    )


@transaction.atomic
def ticket_link_remove(*, link: TicketLink, actor: Actor) -> None:
    """Remove a link an agent made; merge and split links are history and stay."""
    require_writing_agent(actor)
    if link.kind in (LinkKind.MERGED_INTO, LinkKind.SPLIT_FROM):
        raise ValidationError(
            {"link": ["A merge or split link is part of the tickets' history; undo the merge instead."]},
            code="link_is_history",
        )
    for pk in sorted((link.from_ticket_id, link.to_ticket_id)):
        ticket_lock(Ticket(pk=pk))
    _record(link, actor, linked=False)
    link.delete()


@transaction.atomic
def ticket_children_close(*, parent: Ticket, actor: Actor, status: str = Status.CLOSED) -> list[int]:
    """Give every open child of `parent` the done `status` (resolved or closed), each through the
    lifecycle like any status change. Returns the ids changed."""
    require_writing_agent(actor)
    if status not in DONE_STATUSES:
        raise ValidationError({"status": [f"'{status}' is not resolved or closed."]}, code="invalid_status")
    children = (
        Ticket.objects.filter(links_out__to_ticket=parent, links_out__kind=LinkKind.CHILD_OF)
        .exclude(status__in=sorted({status, Status.CLOSED}))
        .order_by("pk")
    )
    changed = []
    for child in children:
        ticket_change_status(
            ticket=child, actor=actor, status=status, note=f"Closed with its parent {parent.reference}."
        )
        changed.append(child.pk)
    return changed
