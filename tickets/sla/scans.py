"""The SLA scan Celery beat runs: breach and warning stamps. (Escalation and auto-close are default
automations now: tickets/rules/automations.py.)

Set-based: a bounded batch of ids is locked (skip-locked on PostgreSQL, so two beat runs never
fight), changed with one UPDATE per rule, audited with one bulk INSERT of events and announced
with one bulk INSERT of outbox rows. Their query count does not grow with the number of tickets.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

import notifications
from tickets.events import ticket_payload
from tickets.models import (
    ACTIVE_STATUSES,
    EventKind,
    SLAEvent,
    Ticket,
    TicketEvent,
)
from tickets.sla import rules
from tickets.sla.selection import policies_cached
from tickets.sla.services import batch_size

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
    event each, and a `breached` entry in the ticket's SLA log), then next_reply_breached_at on
    those whose next reply is late (once per clock), then sla_warned_at on those past the warning
    point (`ticket.sla_warning`). Each is stamped once: a second run changes nothing. A clock its
    policy pauses in the ticket's status is not late (running_q)."""
    now = now or timezone.now()
    limit = limit or batch_size()
    breached = _stamp(
        now=now,
        limit=limit,
        condition=(rules.first_response_overdue_q(now) & Q(sla_breached_at__isnull=True) & running_q("first_response"))
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
        | (active & Q(sla_paused_at__isnull=True) & Q(resolution_warn_at__lte=now)),
        stamp="sla_warned_at",
        kind=EventKind.SLA_WARNING,
        event="ticket.sla_warning",
        due_field={"first_response": "first_response_warn_at", "resolution": "resolution_warn_at"},
    )
    late_replies = _next_reply_breaches(now=now, limit=limit)
    if breached or warned or late_replies:
        logger.info("SLA scan: %d breached, %d late next replies, %d warned", breached, late_replies, warned)
    return {"breached": breached + late_replies, "warned": warned}


def running_q(metric: str) -> Q:
    """Tickets whose policy does not pause `metric` in their current status: NOT an OR over the
    few policies that pause it (tickets without a policy follow the default one); no condition
    at all when no policy pauses it (the default for first response and next reply)."""
    paused: Q | None = None
    for choice in policies_cached():
        statuses = sorted(choice.spec.pauses.get(metric, ()))
        if not statuses:
            continue
        branches = [Q(sla_policy_id=choice.id, status__in=statuses)] if choice.id is not None else []
        if choice.is_default:
            branches.append(Q(sla_policy__isnull=True, status__in=statuses))
        for branch in branches:
            paused = branch if paused is None else paused | branch
    return Q() if paused is None else ~paused


def _next_reply_breaches(*, now: datetime, limit: int) -> int:
    """Stamp next_reply_breached_at (and sla_breached_at, when not yet) on tickets whose open
    next-reply clock is past due: ticket_nrt_due_open_idx, one UPDATE, bulk INSERTs."""
    condition = rules.next_reply_overdue_q(now) & Q(next_reply_breached_at__isnull=True) & running_q("next_reply")
    rows = _lock_batch(Ticket.objects.filter(condition), "next_reply_due_at", limit=limit)
    if not rows:
        return 0
    ids = [pk for pk, _ in rows]
    Ticket.objects.filter(pk__in=ids).update(
        next_reply_breached_at=now,
        sla_breached_at=Coalesce(F("sla_breached_at"), Value(now)),
        version=F("version") + 1,
        updated_at=now,
    )
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket_id=pk,
                kind=EventKind.SLA_BREACHED,
                field="next_reply",
                new_value={"target": "next_reply", "due_at": due.isoformat()},
                note="SLA breached: next reply target.",
                created_at=now,
            )
            for pk, due in rows
        ]
    )
    SLAEvent.objects.bulk_create(
        [
            SLAEvent(ticket_id=pk, metric="next_reply", kind="breached", at=now, detail={"due_at": due.isoformat()})
            for pk, due in rows
        ]
    )
    notifications.publish_many(
        "ticket.sla_breached", _payloads(ids, {pk: {"target": "next_reply", "due_at": due} for pk, due in rows})
    )
    return len(ids)


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
    if kind == EventKind.SLA_BREACHED:
        SLAEvent.objects.bulk_create(
            [
                SLAEvent(
                    ticket_id=pk,
                    metric=info["target"],
                    kind="breached",
                    at=now,
                    detail={"due_at": info["due_at"].isoformat() if info["due_at"] else None},
                )
                for pk, info in targets.items()
            ]
        )
    notifications.publish_many(
        event,
        _payloads(ids, {pk: {"target": info["target"], "due_at": info["due_at"]} for pk, info in targets.items()}),
    )
    return len(ids)
