"""A ticket's conversation as one timeline: public replies, internal notes, attachments and
events in plain words with names ("Tom Becker assigned Sam Okafor", "priority high → critical").

Reads only; a fixed number of queries whatever the conversation's length (the names behind
ids in events are fetched in one query per kind)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from agents.models import Team
from tickets.models import Attachment, Category, Comment, EventKind, Priority, Status, Ticket, TicketEvent, TicketType

# Events the timeline shows through another entry (the comment itself, its attachments).
SHOWN_ELSEWHERE = frozenset({EventKind.COMMENTED})
STATUS_LABELS = dict(Status.choices)
PRIORITY_LABELS = dict(Priority.choices)
FIELD_LABELS = {"external_id": "external id", "ticket_type": "type"}


@dataclass
class Entry:
    """One item of the timeline: `kind` is "comment", "attachment" or "event"."""

    kind: str
    id: int
    created_at: datetime
    comment: Comment | None = None
    attachment: Attachment | None = None
    event: TicketEvent | None = None
    text: str = ""
    actor_name: str = ""
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.id}"


def person_name(user: Any) -> str:
    if user is None:
        return "System"
    return user.get_full_name() or user.email or f"user {user.pk}"


class Names:
    """Names for the ids events hold (users, teams, categories): one query per kind, on demand."""

    def __init__(self, events: list[TicketEvent]) -> None:
        user_ids: set[int] = set()
        team_ids: set[int] = set()
        category_ids: set[int] = set()
        type_ids: set[int] = set()
        for event in events:
            buckets = {"assignee": user_ids, "team": team_ids, "category": category_ids, "ticket_type": type_ids}
            bucket = buckets.get(event.field)
            if bucket is None:
                continue
            for value in (event.old_value, event.new_value):
                if isinstance(value, int):
                    bucket.add(value)
        users = get_user_model().objects
        self.users = {u.pk: person_name(u) for u in users.filter(pk__in=user_ids)} if user_ids else {}
        self.teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")) if team_ids else {}
        self.categories = (
            dict(Category.objects.filter(pk__in=category_ids).values_list("pk", "name")) if category_ids else {}
        )
        self.types = dict(TicketType.objects.filter(pk__in=type_ids).values_list("pk", "name")) if type_ids else {}

    def value(self, field_name: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "none"
        if field_name == "assignee":
            return self.users.get(value, f"agent {value}")
        if field_name == "team":
            return self.teams.get(value, f"team {value}")
        if field_name == "category":
            return self.categories.get(value, f"category {value}")
        if field_name == "ticket_type":
            return self.types.get(value, f"type {value}")
        if field_name == "status":
            return STATUS_LABELS.get(value, str(value)).lower()
        if field_name == "priority":
            return PRIORITY_LABELS.get(value, str(value)).lower()
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)


def _updated_text(event: TicketEvent, names: Names) -> str:
    """A field change; custom fields key by key ("resolution_code none → fixed"); time logged or removed."""
    old, new, name = event.old_value, event.new_value, event.field
    label = FIELD_LABELS.get(name, name)
    if name in ("description", "metadata", "title"):
        return f"changed the {label}"
    if name not in ("custom_fields", "time_spent"):
        return f"{label} {names.value(name, old)} → {names.value(name, new)}"
    if name == "custom_fields":
        old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
        changed = sorted(k for k in {*old, *new} if old.get(k) != new.get(k))
        return "; ".join(f"{k} {names.value(k, old.get(k))} → {names.value(k, new.get(k))}" for k in changed)
    entry = new if isinstance(new, dict) else old if isinstance(old, dict) else {}
    what = "logged" if isinstance(new, dict) else "removed"
    billable = " billable" if entry.get("billable") else ""
    return f"{what} {entry.get('minutes', '?')} min of time{billable}" + (f": {event.note}" if event.note else "")


def event_text(event: TicketEvent, names: Names) -> str:
    """What happened, in plain words, without the actor (shown beside it)."""
    kind, name = event.kind, event.field
    old, new = event.old_value, event.new_value
    if kind == EventKind.CREATED:
        return "opened the ticket"
    if kind == EventKind.ASSIGNED:
        if new is None:
            return f"unassigned {names.value('assignee', old)}"
        return f"assigned {names.value('assignee', new)}"
    if kind == EventKind.STATUS_CHANGED:
        return f"status {names.value('status', old)} → {names.value('status', new)}"
    if kind == EventKind.ESCALATED:
        return f"escalated: priority {names.value('priority', old)} → {names.value('priority', new)}"
    if kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACHED):
        target = (new or {}).get("target", name) if isinstance(new, dict) else name
        label = "breached" if kind == EventKind.SLA_BREACHED else "at risk"
        return f"SLA {str(target or 'target').replace('_', ' ')} {label}"
    if kind == EventKind.ATTACHED:
        filename = new.get("name", "a file") if isinstance(new, dict) else "a file"
        return f"attached {filename}"
    if kind == EventKind.COMMENTED:
        internal = isinstance(new, dict) and new.get("is_internal")
        return "added an internal note" if internal else "replied"
    if kind == EventKind.UPDATED:
        return _updated_text(event, names)
    if kind == EventKind.MERGED:
        return event.note or "merged the customer"
    if kind == EventKind.RULE_SKIPPED:
        return f"{event.rule or 'a rule'}: {event.note}"
    return event.note or event.get_kind_display()


def describe_events(events: list[TicketEvent]) -> list[str]:
    """ "Sam Okafor: priority high → critical" for each event (actors must be joined)."""
    names = Names(events)
    return [f"{person_name(e.actor) if e.actor_id else 'System'}: {event_text(e, names)}" for e in events]


def timeline(*, ticket: Ticket, include_internal: bool = True, after_event_id: int | None = None) -> list[Entry]:
    """The conversation, oldest first. With `after_event_id`, only what happened since that event
    (the live poll): comments and attachments are found through their events."""
    events_qs = TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("created_at", "id")
    if after_event_id is not None:
        events_qs = events_qs.filter(pk__gt=after_event_id)
    events = list(events_qs)
    comments_qs = (
        Comment.objects.filter(ticket=ticket)
        .select_related("author", "customer")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")))
    )
    loose_qs = Attachment.objects.filter(ticket=ticket, comment__isnull=True).select_related("uploaded_by")
    if not include_internal:
        comments_qs = comments_qs.filter(is_internal=False)
    if after_event_id is not None:
        comment_ids = [
            e.new_value["comment_id"]
            for e in events
            if e.kind == EventKind.COMMENTED and isinstance(e.new_value, dict) and "comment_id" in e.new_value
        ]
        attachment_ids = [
            e.new_value["attachment_id"]
            for e in events
            if e.kind == EventKind.ATTACHED and isinstance(e.new_value, dict) and "attachment_id" in e.new_value
        ]
        comments = list(comments_qs.filter(pk__in=comment_ids)) if comment_ids else []
        loose = list(loose_qs.filter(pk__in=attachment_ids)) if attachment_ids else []
    else:
        comments = list(comments_qs)
        loose = list(loose_qs)
    names = Names(events)
    entries: list[Entry] = []
    in_comments: set[int] = set()
    for comment in comments:
        attachments = list(comment.attachments.all())
        in_comments.update(a.pk for a in attachments)
        author = comment.author if comment.author_id else None
        if author is not None:
            actor_name = person_name(author)
        elif comment.customer_id:
            actor_name = comment.customer.name or comment.customer.email
        else:
            actor_name = "Unknown"
        entries.append(
            Entry(
                kind="comment",
                id=comment.pk,
                created_at=comment.created_at,
                comment=comment,
                actor_name=actor_name,
                attachments=attachments,
            )
        )
    for attachment in loose:
        entries.append(
            Entry(
                kind="attachment",
                id=attachment.pk,
                created_at=attachment.created_at,
                attachment=attachment,
                actor_name=person_name(attachment.uploaded_by) if attachment.uploaded_by_id else "System",
            )
        )
    for event in events:
        if event.kind in SHOWN_ELSEWHERE or event.kind == EventKind.ATTACHED:
            continue  # the comment or attachment entry shows it
        entries.append(
            Entry(
                kind="event",
                id=event.pk,
                created_at=event.created_at,
                event=event,
                text=event_text(event, names),
                actor_name=person_name(event.actor) if event.actor_id else "System",
            )
        )
    entries.sort(key=lambda e: (e.created_at, {"comment": 0, "attachment": 1, "event": 2}[e.kind], e.id))
    return entries
