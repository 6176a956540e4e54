"""Merging one ticket into another (the same request twice, a customer writing again instead of
replying), and undoing it within TICKET_MERGE_UNDO_MINUTES.

A merge moves the source's conversation (its request as the first message, comments,
attachments), its audit trail and its followers to the target, where they sort by their own
times; closes the source with a `merged_into` link; writes an internal note on both sides; and
records what moved (TicketMerge), which is what an undo puts back. Mail that later answers the
source's thread lands on the target (tickets/inbound/ follows `merge_destination`). Two
organisations' tickets merge only when the caller confirms it: the target's customer would see
the other organisation's conversation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

import notifications
from agents.models import User
from config.exceptions import ApplicationError
from tickets.audit import actor_id, event_record, require_writing_agent, ticket_lock, ticket_save
from tickets.events import ticket_payload
from tickets.models import (
    Attachment,
    Comment,
    EventKind,
    LinkKind,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketMerge,
    TimeEntry,
)
from tickets.models.followers import FollowerSource, TicketFollower
from tickets.sla import services as sla_services

Actor = User | None
MAX_MERGE_CHAIN = 10


def merge_destination(ticket: Ticket) -> Ticket:
    """The ticket that now holds `ticket`'s conversation: itself, or where it was merged (followed
    through later merges, a bounded number of steps)."""
    for _ in range(MAX_MERGE_CHAIN):
        link = (
            TicketLink.objects.select_related("to_ticket__customer")
            .filter(from_ticket_id=ticket.pk, kind=LinkKind.MERGED_INTO)
            .first()
        )
        if link is None:
            break
        ticket = link.to_ticket
    return ticket


def _owner(ticket: Ticket) -> str:
    if ticket.organization_id is not None:
        return ticket.organization.name  # type: ignore[union-attr]
    return ticket.customer.email


def _lock_pair(source: Ticket, target: Ticket, expected_version: Any) -> tuple[Ticket, Ticket]:
    """Both rows locked in id order (two merges of the same pair cannot deadlock)."""
    locked = {}
    for pk in sorted((source.pk, target.pk)):
        locked[pk] = ticket_lock(Ticket(pk=pk), expected_version=expected_version if pk == source.pk else None)
    return locked[source.pk], locked[target.pk]


def _check(source: Ticket, target: Ticket, confirm_organization_mismatch: bool) -> None:
    if TicketLink.objects.filter(from_ticket=source, kind=LinkKind.MERGED_INTO).exists():
        raise ApplicationError(f"{source.reference} is already merged.", code="already_merged", http_status=409)
    into = TicketLink.objects.filter(from_ticket=target, kind=LinkKind.MERGED_INTO).first()
    if into is not None:
        raise ValidationError(
            {"target": [f"{target.reference} was itself merged into #{into.to_ticket_id}; merge into that one."]},
            code="target_merged",
        )
    same_owner = source.customer_id == target.customer_id or (
        source.organization_id is not None and source.organization_id == target.organization_id
    )
    if not same_owner and not confirm_organization_mismatch:
        raise ValidationError(
            {
                "confirm_organization_mismatch": [
                    f"{source.reference} belongs to {_owner(source)} and {target.reference} to {_owner(target)}: "
                    "the merged conversation is seen by both. Confirm to merge anyway."
                ]
            },
            code="organization_mismatch",
        )


def _move_followers(source: Ticket, target: Ticket, actor: Actor) -> tuple[list[int], list[int]]:
    """The source's followers follow the target (addresses it already has stay behind); the
    source's customer, when another person, becomes a follower so their replies still land."""
    taken = set(TicketFollower.objects.filter(ticket=target).values_list("email", flat=True))
    taken.add(target.customer.email.lower())
    moved = [
        pk
        for pk, email in TicketFollower.objects.filter(ticket=source).values_list("pk", "email")
        if email not in taken
    ]
    TicketFollower.objects.filter(pk__in=moved).update(ticket=target)
    created: list[int] = []
    email = source.customer.email.lower()
    if source.customer_id != target.customer_id and email and email not in taken:
        follower = TicketFollower.objects.create(
            ticket=target,
            email=email,
            customer=source.customer,
            source=FollowerSource.MERGE,
            added_by=actor if actor is not None and actor.is_authenticated else None,
        )
        created.append(follower.pk)
    return moved, created


def _close_source(source: Ticket, target: Ticket, actor: Actor, now: Any) -> None:
    old = source.status
    if old == Status.CLOSED:
        return
    source.status = Status.CLOSED
    source.closed_at = now
    fields = ["status", "closed_at"]
    if source.resolved_at is None:
        source.resolved_at = now
        fields.append("resolved_at")
    fields += sla_services.ticket_sla_status_changed(ticket=source, old=old, new=Status.CLOSED, actor=actor, now=now)
    ticket_save(source, sorted(set(fields)))
    event_record(
        source,
        actor=actor,
        kind=EventKind.STATUS_CHANGED,
        field="status",
        old=old,
        new=Status.CLOSED,
        note=f"Closed by the merge into {target.reference}.",
    )


def _note(ticket: Ticket, actor: Actor, body: str) -> Comment:
    return Comment.objects.create(
        ticket=ticket,
        author=actor if actor is not None and actor.is_authenticated else None,
        body=body,
        is_internal=True,
    )


@transaction.atomic
def ticket_merge(
    *,
    source: Ticket,
    target: Ticket,
    actor: Actor,
    confirm_organization_mismatch: bool = False,
    expected_version: Any = None,
) -> TicketMerge:
    """Merge `source` into `target` (see the module doc). `expected_version` is checked on the
    source (a stale page or If-Match is a 412)."""
    require_writing_agent(actor)
    if source.pk == target.pk:
        raise ValidationError({"target": ["A ticket cannot be merged into itself."]}, code="merge_into_itself")
    source, target = _lock_pair(source, target, expected_version)
    source = Ticket.objects.select_related("customer", "organization").get(pk=source.pk)
    target = Ticket.objects.select_related("customer", "organization").get(pk=target.pk)
    _check(source, target, confirm_organization_mismatch)
    now = timezone.now()
    snapshot = {"status": source.status, "resolved_at": source.resolved_at, "closed_at": source.closed_at}

    comment_ids = list(Comment.objects.filter(ticket=source).values_list("pk", flat=True))
    attachment_ids = list(Attachment.objects.filter(ticket=source).values_list("pk", flat=True))
    time_entry_ids = list(TimeEntry.objects.filter(ticket=source).values_list("pk", flat=True))
    event_ids = list(TicketEvent.objects.filter(ticket=source).values_list("pk", flat=True))
    created_comments: list[int] = []
    if source.description.strip():
        # The source's request, as a message from its customer at the time it was made.
        request = Comment.objects.create(
            ticket=target,
            customer=source.customer,
            body=source.description,
            channel=source.channel,
            created_at=source.created_at,
        )
        created_comments.append(request.pk)
    Comment.objects.filter(pk__in=comment_ids).update(ticket=target)
    Attachment.objects.filter(pk__in=attachment_ids).update(ticket=target)
    TimeEntry.objects.filter(pk__in=time_entry_ids).update(ticket=target)  # with their messages; customer as logged
    TicketEvent.objects.filter(pk__in=event_ids).update(ticket=target)
    moved_followers, created_followers = _move_followers(source, target, actor)

    who = f" by {actor.get_full_name() or actor.email}" if actor is not None else ""
    _note(
        target,
        actor,
        f"{source.reference} “{source.title}” was merged into this ticket{who}: its request, "
        f"{len(comment_ids)} message(s) and {len(attachment_ids)} attachment(s) are now here.",
    )
    _note(source, actor, f"Merged into {target.reference} “{target.title}”; the conversation continues there.")
    TicketLink.objects.create(
        from_ticket=source,
        to_ticket=target,
        kind=LinkKind.MERGED_INTO,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _close_source(source, target, actor, now)
    event_record(
        source,
        actor=actor,
        kind=EventKind.MERGED,
        field="merged_into",
        new=target.pk,
        note=f"Merged into {target.reference}.",
    )
    event_record(
        target,
        actor=actor,
        kind=EventKind.MERGED,
        field="merged_from",
        new=source.pk,
        note=f"{source.reference} merged in.",
    )
    ticket_save(target, [])
    merge = TicketMerge.objects.create(
        source=source,
        target=target,
        actor=actor if actor is not None and actor.is_authenticated else None,
        source_status=snapshot["status"],
        source_resolved_at=snapshot["resolved_at"],
        source_closed_at=snapshot["closed_at"],
        moved={
            "comments": comment_ids,
            "attachments": attachment_ids,
            "events": event_ids,
            "followers": moved_followers,
            "time_entries": time_entry_ids,
        },
        created={"comments": created_comments, "followers": created_followers},
    )
    notifications.publish(
        "ticket.merged",
        {
            "ticket": ticket_payload(source),
            "target": ticket_payload(target),
            "moved": {"comments": len(comment_ids), "attachments": len(attachment_ids), "events": len(event_ids)},
            "actor_id": actor_id(actor),
        },
    )
    return merge


def merge_undo_deadline(merge: TicketMerge) -> Any:
    return merge.created_at + timedelta(minutes=settings.TICKET_MERGE_UNDO_MINUTES)


def merge_undoable(merge: TicketMerge | None, *, now: Any = None) -> bool:
    return merge is not None and merge.undone_at is None and (now or timezone.now()) <= merge_undo_deadline(merge)


@transaction.atomic
def ticket_merge_undo(*, source: Ticket, actor: Actor) -> TicketMerge:
    """Undo `source`'s merge: what moved goes back (what was written on the target since stays
    there), what the merge created goes, the source gets its status back and the link goes.
    Refused (409) after the window, or when the target was itself merged since."""
    require_writing_agent(actor)
    merge = TicketMerge.objects.filter(source=source).order_by("-created_at", "-id").first()
    if merge is None or merge.undone_at is not None:
        raise ApplicationError(f"{source.reference} has no merge to undo.", code="no_merge", http_status=409)
    source, target = _lock_pair(source, merge.target, None)
    merge = TicketMerge.objects.select_for_update().get(pk=merge.pk)
    now = timezone.now()
    if not merge_undoable(merge, now=now):
        raise ApplicationError(
            f"The merge can only be undone within {settings.TICKET_MERGE_UNDO_MINUTES} minutes; link the "
            "tickets or split the messages out instead.",
            code="undo_window_passed",
            http_status=409,
        )
    further = TicketLink.objects.filter(from_ticket=target, kind=LinkKind.MERGED_INTO).first()
    if further is not None:
        raise ApplicationError(
            f"{target.reference} was merged into #{further.to_ticket_id} since; undo that merge first.",
            code="target_merged",
            http_status=409,
        )
    moved, created = merge.moved, merge.created
    Comment.objects.filter(ticket=target, pk__in=moved.get("comments", [])).update(ticket=source)
    Attachment.objects.filter(ticket=target, pk__in=moved.get("attachments", [])).update(ticket=source)
    TicketEvent.objects.filter(ticket=target, pk__in=moved.get("events", [])).update(ticket=source)
    TicketFollower.objects.filter(ticket=target, pk__in=moved.get("followers", [])).update(ticket=source)
    TimeEntry.objects.filter(ticket=target, pk__in=moved.get("time_entries", [])).update(ticket=source)
    Comment.objects.filter(ticket=target, pk__in=created.get("comments", [])).delete()
    TicketFollower.objects.filter(ticket=target, pk__in=created.get("followers", [])).delete()
    TicketLink.objects.filter(from_ticket=source, to_ticket=target, kind=LinkKind.MERGED_INTO).delete()

    old = source.status
    if old != merge.source_status:
        source.status = merge.source_status
        source.resolved_at = merge.source_resolved_at
        source.closed_at = merge.source_closed_at
        fields = ["status", "resolved_at", "closed_at"]
        fields += sla_services.ticket_sla_status_changed(
            ticket=source, old=old, new=merge.source_status, actor=actor, now=now
        )
        ticket_save(source, sorted(set(fields)))
        event_record(
            source,
            actor=actor,
            kind=EventKind.STATUS_CHANGED,
            field="status",
            old=old,
            new=merge.source_status,
            note="Restored by undoing the merge.",
        )
    else:
        ticket_save(source, [])
    event_record(
        source,
        actor=actor,
        kind=EventKind.MERGE_UNDONE,
        field="merged_into",
        old=target.pk,
        note=f"Merge into {target.reference} undone.",
    )
    event_record(
        target,
        actor=actor,
        kind=EventKind.MERGE_UNDONE,
        field="merged_from",
        old=source.pk,
        note=f"{source.reference} taken back out (merge undone).",
    )
    ticket_save(target, [])
    merge.undone_at = now
    merge.undone_by = actor if actor is not None and actor.is_authenticated else None
    merge.save(update_fields=["undone_at", "undone_by"])
    notifications.publish(
        "ticket.merge_undone",
        {"ticket": ticket_payload(source), "target": ticket_payload(target), "actor_id": actor_id(actor)},
    )
    return merge
