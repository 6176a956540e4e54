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
from django.db.models import F, Q, QuerySet
from django.utils import timezone

import notifications
from tickets.events import ticket_payload
from tickets.models import (
    ACTIVE_STATUSES,
    EventKind,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.sla import rules
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
