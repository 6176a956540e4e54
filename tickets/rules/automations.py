"""Automations: time rules run by beat, set-based.

For each active automation, in order: its conditions become one filter on tickets (time fields are
cutoffs on indexed columns, reply times subqueries on the comments' (ticket, created_at) index); a
bounded batch of matching tickets it has not fired on yet is locked (skip-locked on PostgreSQL, so
two runs never fight); each action is one UPDATE over the batch; the audit events, notes and outbox
rows are one bulk INSERT each. The number of queries does not grow with the number of tickets.

An automation fires once per ticket (an AutomationFiring row) until the ticket stops matching: the
row is deleted then, and the automation fires again when the ticket matches again.

One case goes through the per-ticket service instead of SQL, because each ticket needs its own
calendar arithmetic: a status change that resumes an SLA clock (leaving a status its policy pauses
in, or reopening) — rare for automations, which mostly close and resolve. Clocks the status change
pauses or achieves are logged in bulk (the tickets' SLA event log)."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

import notifications
from tickets import services
from tickets.changes import rule_applying
from tickets.conditions import to_q
from tickets.events import ticket_payload
from tickets.models import (
    ALLOWED_TRANSITIONS,
    NEXT_PRIORITY,
    Automation,
    AutomationFiring,
    Category,
    Comment,
    EventKind,
    SLAEvent,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.required_fields import missing_by_ticket, skip_note
from tickets.sla import log as sla_log
from tickets.sla.clock import Entry
from tickets.sla.services import batch_size, policy_by_id, status_entries

logger = logging.getLogger(__name__)
STATE = (
    "status",
    "priority",
    "tags",
    "team_id",
    "assignee_id",
    "category_id",
    "sla_policy_id",
    "first_responded_at",
    "next_reply_due_at",
)


@dataclass
class Batch:
    """The tickets one automation acts on, their state as the actions change it, and what to write."""

    now: datetime
    rule: str
    key: str
    note: str
    state: dict[int, dict[str, Any]]
    events: list[TicketEvent] = field(default_factory=list)
    outbox: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    sla_events: list[SLAEvent] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return list(self.state)

    def event(self, pk: int, kind: str, field_name: str = "", old: Any = None, new: Any = None, note: str = "") -> None:
        self.events.append(
            TicketEvent(
                ticket_id=pk,
                kind=kind,
                field=field_name,
                old_value=old,
                new_value=new,
                note=(note or self.note)[:255],
                rule=self.rule[:140],
                created_at=self.now,
            )
        )

    def update(self, ids: list[int], **values: Any) -> None:
        Ticket.objects.filter(pk__in=ids).update(**values, version=F("version") + 1, updated_at=self.now)


def matching(automation: Automation, *, now: datetime) -> QuerySet[Ticket]:
    return Ticket.objects.filter(to_q(automation.conditions, now=now))


def automations_run(
    *, now: datetime | None = None, limit: int | None = None, keys: list[str] | None = None
) -> dict[str, int]:
    """Beat: every active automation in order (or only those with `keys`). Returns tickets acted
    on per automation (its key, or its id for an admin's own)."""
    now = now or timezone.now()
    qs = Automation.objects.filter(is_active=True).order_by("position", "id")
    if keys is not None:
        qs = qs.filter(key__in=keys)
    done = {
        automation.key or str(automation.pk): automation_run(automation=automation, now=now, limit=limit)
        for automation in qs
    }
    if any(done.values()):
        logger.info("Automations: %s", done)
    return done


@transaction.atomic
def automation_run(
    *, automation: Automation, now: datetime, limit: int | None = None, scope_ids: list[int] | None = None
) -> int:
    """One automation over its matching tickets (at most `limit`, SLA_SCAN_BATCH_SIZE by default;
    only `scope_ids` when given: a dry run)."""
    limit = limit or batch_size()
    candidates = matching(automation, now=now)
    if scope_ids is not None:
        candidates = candidates.filter(pk__in=scope_ids)
    # A ticket that stopped matching may fire again when it matches again.
    AutomationFiring.objects.filter(automation=automation).exclude(ticket_id__in=candidates.values("pk")).delete()
    fired = AutomationFiring.objects.filter(automation=automation, ticket_id=OuterRef("pk"))
    rows = list(
        candidates.exclude(Exists(fired))
        .select_for_update(skip_locked=True, of=("self",))  # conditions may outer-join
        .order_by()
        .values_list("pk", *STATE)[:limit]
    )
    Automation.objects.filter(pk=automation.pk).update(last_run_at=now)
    if not rows:
        return 0
    AutomationFiring.objects.bulk_create(
        [AutomationFiring(automation=automation, ticket_id=row[0], fired_at=now) for row in rows]
    )
    batch = Batch(
        now=now,
        rule=f"Automation: {automation.name}",
        key=automation.key or str(automation.pk),
        note=automation.description or f"Automation: {automation.name}",
        state={row[0]: dict(zip(STATE, row[1:], strict=True)) for row in rows},
    )
    for action in automation.actions:
        APPLY[action["action"]](batch, action.get("value"))
    TicketEvent.objects.bulk_create(batch.events)
    if batch.sla_events:
        SLAEvent.objects.bulk_create(batch.sla_events)
    _publish(batch)
    return len(rows)


def _publish(batch: Batch) -> None:
    if not batch.outbox:
        return
    ids = sorted({pk for _, pk, _ in batch.outbox})
    tickets = {t.pk: t for t in Ticket.objects.filter(pk__in=ids).select_related("category", "team")}
    by_event: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event, pk, extra in batch.outbox:
        ticket = tickets.get(pk)
        if ticket is None:
            continue
        lead = ticket.team.lead_id if ticket.team is not None else None
        by_event[event].append({"ticket": ticket_payload(ticket), "team_lead_id": lead, "actor_id": None, **extra})
    for event, payloads in by_event.items():
        notifications.publish_many(event, payloads)


# --- actions over a batch ----------------------------------------------------------------------------


def _sla_entries(batch: Batch, pk: int, value: str) -> list[Entry]:
    s = batch.state[pk]
    metrics = ["resolution"]
    if s["first_responded_at"] is None:
        metrics.append("first_response")
    if s["next_reply_due_at"] is not None:
        metrics.append("next_reply")
    return status_entries(policy_by_id(s["sla_policy_id"]).spec, metrics, s["status"], value, batch.now)


def _set_status(batch: Batch, value: str) -> None:
    """One UPDATE for the tickets that may make the transition (their SLA clocks paused or achieved
    logged in bulk); tickets on which it resumes a clock go through ticket_change_status (the due
    time moves on their own calendar); tickets that lack a field required for the status are skipped."""
    movable = [
        pk for pk, s in batch.state.items() if s["status"] != value and value in ALLOWED_TRANSITIONS[s["status"]]
    ]
    # A ticket that lacks a custom field required for the status keeps its status: the skip is
    # recorded (tickets/required_fields.py).
    missing = missing_by_ticket(movable, value) if movable else {}
    for pk, fields in missing.items():
        batch.event(pk, EventKind.RULE_SKIPPED, "status", batch.state[pk]["status"], value, skip_note(value, fields))
    movable = [pk for pk in movable if pk not in missing]
    entries = {pk: _sla_entries(batch, pk, value) for pk in movable}
    resuming = [pk for pk in movable if any(e.kind == "resumed" for e in entries[pk])]
    bulk = [pk for pk in movable if pk not in resuming]
    if bulk:
        values: dict[str, Any] = {"status": value, "status_changed_at": batch.now}
        if value == Status.RESOLVED:
            values["resolved_at"] = batch.now
        elif value == Status.CLOSED:
            values["closed_at"] = batch.now
            values["resolved_at"] = Coalesce(F("resolved_at"), Value(batch.now))
        stopping = [pk for pk in bulk if any(e.metric == "resolution" for e in entries[pk])]
        if stopping:
            values["sla_paused_at"] = Case(
                When(pk__in=stopping, then=Coalesce(F("sla_paused_at"), Value(batch.now))),
                default=F("sla_paused_at"),
            )
        batch.update(bulk, **values)
        for pk in bulk:
            batch.sla_events += sla_log.log_rows(pk, entries[pk])
        for pk in bulk:
            old = batch.state[pk]["status"]
            batch.event(pk, EventKind.STATUS_CHANGED, "status", old, value)
            batch.outbox.append(
                ("ticket.status_changed", pk, {"old_status": old, "new_status": value, "note": batch.rule})
            )
            batch.state[pk]["status"] = value
    with rule_applying(batch.rule):
        for pk in resuming:
            services.ticket_change_status(ticket=Ticket(pk=pk), actor=None, status=value, note=batch.rule)
            batch.state[pk]["status"] = value


def _set_field(batch: Batch, value: Any, *, name: str, event_field: str) -> None:
    stored = value
    if name == "category_id":
        stored = Category.objects.filter(slug=value).values_list("pk", flat=True).first() if value else None
    ids = [pk for pk, s in batch.state.items() if s[name] != stored]
    if not ids:
        return
    batch.update(ids, **{name: stored})
    for pk in ids:
        old = batch.state[pk][name]
        if name == "assignee_id":
            batch.event(pk, EventKind.ASSIGNED, "assignee", old, stored)
            batch.outbox.append(("ticket.assigned", pk, {"old_assignee_id": old, "assignee_id": stored}))
        else:
            batch.event(pk, EventKind.UPDATED, event_field, old, stored)
            batch.outbox.append(("ticket.updated", pk, {"changes": {event_field: {"old": old, "new": stored}}}))
        batch.state[pk][name] = stored


def _escalate(batch: Batch, value: Any) -> None:
    ids = batch.ids
    batch.update(
        ids,
        priority=Case(*(When(priority=p, then=Value(n)) for p, n in NEXT_PRIORITY.items()), default=F("priority")),
        escalated=True,
        escalated_at=batch.now,
    )
    for pk in ids:
        old = batch.state[pk]["priority"]
        new = NEXT_PRIORITY[old]
        batch.event(pk, EventKind.ESCALATED, "priority", old, new)
        batch.outbox.append(
            (
                "ticket.escalated",
                pk,
                {"rule": batch.key, "reason": batch.note, "old_priority": old, "new_priority": new},
            )
        )
        batch.state[pk]["priority"] = new


def _tags(batch: Batch, value: list[str], *, remove: bool) -> None:
    changed = []
    for pk, s in batch.state.items():
        old = list(s["tags"] or [])
        new = [t for t in old if t not in value] if remove else old + [t for t in value if t not in old]
        if new != old:
            changed.append(Ticket(pk=pk, tags=new, updated_at=batch.now))
            batch.event(pk, EventKind.UPDATED, "tags", old, new)
            batch.outbox.append(("ticket.updated", pk, {"changes": {"tags": {"old": old, "new": new}}}))
            s["tags"] = new
    if changed:
        for ticket in changed:
            ticket.version = F("version") + 1
        Ticket.objects.bulk_update(changed, ["tags", "updated_at", "version"])


def _note(batch: Batch, value: str) -> None:
    notes = Comment.objects.bulk_create(
        [Comment(ticket_id=pk, body=value, is_internal=True, created_at=batch.now) for pk in batch.ids]
    )
    for note in notes:
        batch.event(note.ticket_id, EventKind.COMMENTED, new={"comment_id": note.pk, "is_internal": True})


def _publish_event(batch: Batch, value: str) -> None:
    for pk in batch.ids:
        batch.outbox.append(("ticket.rule_event", pk, {"name": value, "rule": batch.rule}))


def _send_email(batch: Batch, value: dict[str, str]) -> None:
    for pk in batch.ids:
        batch.outbox.append(("ticket.rule_email", pk, {"email": value, "rule": batch.rule}))


# Plain functions with bound parameters, not closures built at import (mutation testing sees them).
APPLY: dict[str, Any] = {
    "set_status": _set_status,
    "set_priority": partial(_set_field, name="priority", event_field="priority"),
    "set_team": partial(_set_field, name="team_id", event_field="team"),
    "set_category": partial(_set_field, name="category_id", event_field="category"),
    "assign": partial(_set_field, name="assignee_id", event_field="assignee"),
    "unassign": lambda batch, value: _set_field(batch, None, name="assignee_id", event_field="assignee"),
    "escalate": _escalate,
    "add_tags": partial(_tags, remove=False),
    "remove_tags": partial(_tags, remove=True),
    "add_note": _note,
    "publish_event": _publish_event,
    "send_email": _send_email,
}


# --- the former fixed behaviours, by their default automations' keys --------------------------------

ESCALATION_KEYS = {"escalate-sla-breached": "sla_breached", "escalate-unassigned": "unassigned"}
AUTO_CLOSE_KEYS = {"auto-close-resolved": "closed", "auto-resolve-pending": "resolved"}


def _run_defaults(keys: dict[str, str], now: datetime | None, limit: int | None) -> dict[str, int]:
    done = automations_run(now=now, limit=limit, keys=list(keys))
    return {name: done.get(key, 0) for key, name in keys.items()}


def sla_escalate(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Escalation: the default automations "Escalate on SLA breach" (once per breach) and "Escalate
    open and unassigned": one priority up, escalated, the team lead notified. A disabled one does
    nothing. Counts under the names the escalation scan always returned."""
    return _run_defaults(ESCALATION_KEYS, now, limit)


def tickets_auto_close(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Auto-close: the default automations "Close resolved tickets" and "Resolve pending tickets"."""
    return _run_defaults(AUTO_CLOSE_KEYS, now, limit)
