"""A ticket's SLA as a person reads it (the ticket page, `GET /api/v1/tickets/{id}/sla/`, explain):
the policy it runs under and why, each metric's clock (target, start, pauses, due time, achieved or
breached) as replaying its event log gives it, and the log itself. Reads only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from tickets.models import Ticket
from tickets.sla import clock, rules
from tickets.sla import log as sla_log
from tickets.sla.selection import PolicyChoice, policy_evaluations
from tickets.sla.services import ticket_policy

LABELS = {"first_response": "First response", "next_reply": "Next reply", "resolution": "Resolution"}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _metric(c: clock.Clock, minutes: int | None, choice: PolicyChoice, stored: datetime | None) -> dict[str, Any]:
    cal = choice.spec.calendar
    due = c.due_at(minutes, cal) if (c.metric != "next_reply" or c.is_open) else None
    if minutes is None:
        how = "no target for this priority and tier in the policy"
    elif c.started_at is None:
        how = "not started"
    else:
        how = (
            f"started {c.started_at.isoformat()} + {minutes} min target"
            + (f" + {c.paused_minutes} min paused" if c.paused_minutes else "")
            + f" in business time of {choice.calendar_name}"
        )
    state = "not started"
    if c.breached_at is not None:
        state = "breached"
    elif c.achieved_at is not None:
        state = "achieved"
    elif c.paused_since is not None:
        state = "paused"
    elif c.started_at is not None:
        state = "running"
    return {
        "metric": c.metric,
        "label": LABELS[c.metric],
        "state": state,
        "target_minutes": minutes,
        "started_at": c.started_at,
        "paused_minutes": c.paused_minutes,
        "paused_since": c.paused_since,
        "pauses": [{"from": p.start, "to": p.end, "business_minutes": p.minutes, "status": p.reason} for p in c.pauses],
        "achieved_at": c.achieved_at,
        "breached_at": c.breached_at,
        "due_at": due,
        "stored_due_at": stored,
        "how": how,
    }


def ticket_sla_report(*, ticket: Ticket, with_policies: bool = False) -> dict[str, Any]:
    """The ticket's SLA: policy, per-metric clocks, state and log (a few queries: the log, the
    customer's tier, and with `with_policies` nothing more: the policies come from the cache)."""
    tier = ticket.customer.tier if ticket.customer_id else None
    choice = ticket_policy(ticket, tier=tier)
    entries = sla_log.ticket_log(ticket)
    clocks = clock.replay(entries, choice.spec.calendar)
    target = choice.spec.target_for(ticket.priority, tier)
    minutes = {
        "first_response": target.first_response_minutes,
        "next_reply": target.next_reply_minutes,
        "resolution": target.resolution_minutes,
    }
    now = timezone.now()
    report: dict[str, Any] = {
        "ticket": ticket.pk,
        "policy": {"id": choice.id, "name": choice.name, "is_default": choice.is_default},
        "calendar": choice.calendar_name,
        "priority": ticket.priority,
        "customer_tier": tier,
        "pause_statuses": {m: sorted(choice.spec.pauses.get(m, ())) for m in clock.METRICS},
        "state": rules.sla_state(ticket, now=now),
        "missed": rules.missed_targets(ticket, now=now),
        "metrics": [_metric(clocks[m], minutes[m], choice, getattr(ticket, clock.DUE_FIELD[m])) for m in clock.METRICS],
        "events": [
            {"metric": e.metric, "kind": e.kind, "at": e.at, "detail": e.detail}
            for e in entries
            if e.detail.get("from") != "ticket"
        ],
    }
    if with_policies:
        report["policies"] = [
            {
                "id": c.id,
                "name": c.name,
                "is_default": c.is_default,
                "matches": evaluation.matched,
                "chosen": c.id == choice.id and c.name == choice.name,
                "conditions": [o.as_dict() for o in evaluation.outcomes],
            }
            for c, evaluation in policy_evaluations(ticket, tier=tier)
        ]
        report["chosen_because"] = (
            "the first policy (in order) whose conditions the ticket meets"
            if not choice.is_default
            else "no other policy's conditions hold: the default applies"
        )
    return report
