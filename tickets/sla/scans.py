"""The SLA scans Celery beat runs: breach and warning stamps, escalation, auto-close.

Set-based: a bounded batch of ids is locked (skip-locked on PostgreSQL, so two beat runs never
fight), changed with one UPDATE per rule, audited with one bulk INSERT of events and announced
with one bulk INSERT of outbox rows. Their query count does not grow with the number of tickets.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.utils import timezone

import notifications
from tickets.events import ticket_payload
from tickets.models import (
    ACTIVE_STATUSES,
    NEXT_PRIORITY,
    Comment,
    EventKind,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.sla import rules
from tickets.sla.services import (
    batch_size,
    pending_resolve_after,
    resolved_close_after,
    unassigned_threshold,
)

logger = logging.getLogger(__name__)


# --- outbox, in bulk ------------------------------------------------------------------------------


def _payloads(ids: list[int], extra: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """Outbox payloads for tickets changed by a scan: the usual ticket shape plus the team lead
    (for the notification) and per-ticket extras. One query."""
    tickets = Ticket.objects.filter(pk__in=ids).select_related("category", "team").order_by("pk")
    return [
        {
            "ticket": ticket_payload(t),
            "team_lead_id": t.team.lead_id if t.team is not None else None,
            "actor_id": None,
            **extra.get(t.pk, {}),
        }
        for t in tickets
    ]


def _lock_batch(qs: QuerySet[Ticket], *fields: str, limit: int) -> list[tuple[Any, ...]]:
    """Lock up to `limit` matching rows, skipping rows another run holds (PostgreSQL)."""
    return list(qs.select_for_update(skip_locked=True).order_by().values_list("pk", *fields)[:limit])


# --- breach and warning scan -----------------------------------------------------------------------


@transaction.atomic
def sla_breach_scan(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Beat, every minute. Stamp sla_breached_at on active tickets whose first response or
    resolution target passed unmet (a `sla_breached` event and a `ticket.sla_breached` outbox
    event each), then sla_warned_at on those past the warning point (`ticket.sla_warning`).
    Each ticket is stamped once: a second run changes nothing."""
    now = now or timezone.now()
    limit = limit or batch_size()
    breached = _stamp(
        now=now,
        limit=limit,
        condition=(rules.first_response_overdue_q(now) & Q(sla_breached_at__isnull=True))
        | (rules.resolution_overdue_q(now) & Q(sla_breached_at__isnull=True)),
        stamp="sla_breached_at",
        kind=EventKind.SLA_BREACHED,
        event="ticket.sla_breached",
        due_field={"first_response": "first_response_due_at", "resolution": "resolution_due_at"},
    )
    active = Q(status__in=sorted(ACTIVE_STATUSES), sla_warned_at__isnull=True, sla_breached_at__isnull=True)
    warned = _stamp(
        now=now,
        limit=limit,
        condition=(active & Q(first_responded_at__isnull=True, first_response_warn_at__lte=now))
        | (active & ~Q(status=Status.PENDING) & Q(resolution_warn_at__lte=now)),
        stamp="sla_warned_at",
        kind=EventKind.SLA_WARNING,
        event="ticket.sla_warning",
        due_field={"first_response": "first_response_warn_at", "resolution": "resolution_warn_at"},
    )
    if breached or warned:
        logger.info("SLA scan: %d breached, %d warned", breached, warned)
    return {"breached": breached, "warned": warned}


def _stamp(
    *, now: datetime, limit: int, condition: Q, stamp: str, kind: str, event: str, due_field: dict[str, str]
) -> int:
    rows = _lock_batch(
        Ticket.objects.filter(condition),
        "first_responded_at",
        "first_response_due_at",
        "resolution_due_at",
        "first_response_warn_at",
        "resolution_warn_at",
        limit=limit,
    )
    if not rows:
        return 0
    values = {"first_response_due_at": 2, "resolution_due_at": 3, "first_response_warn_at": 4, "resolution_warn_at": 5}
    targets: dict[int, dict[str, Any]] = {}
    for row in rows:
        frt_point = row[values[due_field["first_response"]]]
        # The first response is the target when it is the one that passed; else resolution.
        target = "first_response" if row[1] is None and frt_point is not None and frt_point <= now else "resolution"
        point = row[values[due_field[target]]]
        due = row[values["first_response_due_at" if target == "first_response" else "resolution_due_at"]]
        targets[row[0]] = {"target": target, "due_at": due, "point": point}
    ids = list(targets)
    Ticket.objects.filter(pk__in=ids).update(**{stamp: now}, version=F("version") + 1, updated_at=now)
    label = "breached" if kind == EventKind.SLA_BREACHED else "at risk"
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket_id=pk,
                kind=kind,
                field=info["target"],
                new_value={"target": info["target"], "due_at": info["due_at"].isoformat() if info["due_at"] else None},
                note=f"SLA {label}: {info['target'].replace('_', ' ')} target.",
                created_at=now,
            )
            for pk, info in targets.items()
        ]
    )
    notifications.publish_many(
        event,
        _payloads(ids, {pk: {"target": info["target"], "due_at": info["due_at"]} for pk, info in targets.items()}),
    )
    return len(ids)


# --- escalation --------------------------------------------------------------------------------------


def _escalation_rules(now: datetime) -> list[tuple[str, Q, str]]:
    """(rule, condition, reason). A ticket escalated at or after a rule's trigger moment (its
    breach, or the end of the unassigned grace period) is not escalated again by that rule, and
    a ticket matching both rules at once goes up one step, not two."""
    threshold = unassigned_threshold()
    hours = int(threshold.total_seconds() // 3600)
    return [
        (
            "sla_breached",
            Q(status__in=sorted(ACTIVE_STATUSES), sla_breached_at__isnull=False)
            & (Q(escalated_at__isnull=True) | Q(escalated_at__lt=F("sla_breached_at"))),
            "SLA breached.",
        ),
        (
            "unassigned",
            Q(status=Status.OPEN, assignee__isnull=True, created_at__lte=now - threshold)
            & (Q(escalated_at__isnull=True) | Q(escalated_at__lt=F("created_at") + threshold)),
            f"Open and unassigned for more than {hours} hours.",
        ),
    ]


@transaction.atomic
def sla_escalate(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Beat, every 5 minutes. Breached tickets, and tickets open and unassigned longer than
    ESCALATION_UNASSIGNED_HOURS, go up one priority (critical stays critical) with escalated=True
    and escalated_at: one UPDATE per rule (priority through CASE), an `escalated` event per ticket
    (one bulk INSERT) and a `ticket.escalated` outbox event carrying the team lead's id.
    Due times are not recomputed (a tighter target would only re-breach a breached ticket)."""
    now = now or timezone.now()
    limit = limit or batch_size()
    done: dict[str, int] = {}
    for rule, condition, reason in _escalation_rules(now):
        rows = _lock_batch(Ticket.objects.filter(condition), "priority", limit=limit)
        done[rule] = len(rows)
        if not rows:
            continue
        old = dict(rows)
        ids = list(old)
        Ticket.objects.filter(pk__in=ids).update(
            priority=Case(*(When(priority=p, then=Value(n)) for p, n in NEXT_PRIORITY.items()), default=F("priority")),
            escalated=True,
            escalated_at=now,
            version=F("version") + 1,
            updated_at=now,
        )
        TicketEvent.objects.bulk_create(
            [
                TicketEvent(
                    ticket_id=pk,
                    kind=EventKind.ESCALATED,
                    field="priority",
                    old_value=old[pk],
                    new_value=NEXT_PRIORITY[old[pk]],
                    note=f"Escalated ({rule}): {reason}"[:255],
                    created_at=now,
                )
                for pk in ids
            ]
        )
        notifications.publish_many(
            "ticket.escalated",
            _payloads(
                ids,
                {
                    pk: {
                        "rule": rule,
                        "reason": reason,
                        "old_priority": old[pk],
                        "new_priority": NEXT_PRIORITY[old[pk]],
                    }
                    for pk in ids
                },
            ),
        )
    if any(done.values()):
        logger.info("SLA escalation: %s", done)
    return done


# --- auto-close ---------------------------------------------------------------------------------------


def _no_customer_reply_since(cutoff: datetime) -> Exists:
    return Exists(Comment.objects.filter(ticket=OuterRef("pk"), customer__isnull=False, created_at__gt=cutoff))


@transaction.atomic
def tickets_auto_close(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Beat, hourly. Resolved tickets with no customer reply for AUTO_CLOSE_RESOLVED_DAYS are
    closed; pending tickets with no customer reply for AUTO_RESOLVE_PENDING_DAYS are resolved with
    an internal note. Set-based like the other scans; `ticket.status_changed` per ticket."""
    now = now or timezone.now()
    limit = limit or batch_size()
    close_cutoff = now - resolved_close_after()
    resolve_cutoff = now - pending_resolve_after()
    close_days, resolve_days = resolved_close_after().days, pending_resolve_after().days
    closed = _auto_transition(
        now=now,
        limit=limit,
        condition=Q(status=Status.RESOLVED, resolved_at__lte=close_cutoff) & ~_no_customer_reply_since(close_cutoff),
        old=Status.RESOLVED,
        new=Status.CLOSED,
        changes={"closed_at": now},
        note=f"Closed automatically: no customer reply for {close_days} days.",
        internal_note=False,
    )
    resolved = _auto_transition(
        now=now,
        limit=limit,
        condition=Q(status=Status.PENDING)
        & (Q(sla_paused_at__lte=resolve_cutoff) | Q(sla_paused_at__isnull=True, updated_at__lte=resolve_cutoff))
        & ~_no_customer_reply_since(resolve_cutoff),
        old=Status.PENDING,
        new=Status.RESOLVED,
        changes={"resolved_at": now},
        note=f"Resolved automatically: no customer reply for {resolve_days} days while pending.",
        internal_note=True,
    )
    if closed or resolved:
        logger.info("Auto-close: %d closed, %d resolved", closed, resolved)
    return {"closed": closed, "resolved": resolved}


def _auto_transition(
    *,
    now: datetime,
    limit: int,
    condition: Q | Combinable,
    old: str,
    new: str,
    changes: dict[str, Any],
    note: str,
    internal_note: bool,
) -> int:
    ids = [row[0] for row in _lock_batch(Ticket.objects.filter(condition), limit=limit)]
    if not ids:
        return 0
    Ticket.objects.filter(pk__in=ids).update(status=new, **changes, version=F("version") + 1, updated_at=now)
    events = [
        TicketEvent(
            ticket_id=pk, kind=EventKind.STATUS_CHANGED, field="status", old_value=old, new_value=new, note=note
        )
        for pk in ids
    ]
    if internal_note:
        comments = Comment.objects.bulk_create(
            [Comment(ticket_id=pk, body=note, is_internal=True, created_at=now) for pk in ids]
        )
        events += [
            TicketEvent(
                ticket_id=c.ticket_id,
                kind=EventKind.COMMENTED,
                new_value={"comment_id": c.pk, "is_internal": True},
                created_at=now,
            )
            for c in comments
        ]
    TicketEvent.objects.bulk_create(events)
    notifications.publish_many(
        "ticket.status_changed",
        _payloads(ids, {key: {"old_status": old, "new_status": new, "note": note} for key in ids}),
    )
    return len(ids)
