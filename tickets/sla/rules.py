"""A ticket's SLA state: the target it is racing, time left, breached or at risk, as functions
of any object with the Ticket's SLA attributes, and the same rules as queryset filters (for the
breach scan, the admin and the API filters). Pure, no I/O."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from django.db.models import Q

# Statuses that stop the resolution clock by default (a policy may say otherwise,
# tickets/sla/policies.py DEFAULT_PAUSES): pending, on hold, and done. Whether a ticket's
# resolution clock is stopped is `sla_paused_at` (kept by tickets/sla/services.py).
PAUSED_STATUSES = frozenset({"pending", "on_hold", "resolved", "closed"})
ACTIVE_STATUSES = frozenset({"open", "in_progress", "pending", "on_hold"})


# --- a ticket's state (works on any object with the Ticket's SLA attributes) -----------------


class SLATicket(Protocol):
    status: str
    first_responded_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_warn_at: datetime | None
    resolution_warn_at: datetime | None
    next_reply_due_at: datetime | None
    next_reply_breached_at: datetime | None
    sla_breached_at: datetime | None
    sla_paused_at: datetime | None


def _now(now: datetime | None) -> datetime:
    if now is not None:
        return now
    from django.utils import timezone

    return timezone.now()


def next_target(ticket: SLATicket) -> tuple[str, datetime] | None:
    """The target the ticket is racing now: first response until achieved, then the next reply
    while a customer waits for one (if due before resolution), then resolution. None when the
    ticket is done or has no target left."""
    if ticket.status not in ACTIVE_STATUSES:
        return None
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        return "first_response", ticket.first_response_due_at
    next_reply = getattr(ticket, "next_reply_due_at", None)
    if next_reply is not None and (ticket.resolution_due_at is None or next_reply < ticket.resolution_due_at):
        return "next_reply", next_reply
    if ticket.resolution_due_at is not None:
        return "resolution", ticket.resolution_due_at
    return None


def time_remaining(ticket: SLATicket, *, now: datetime | None = None) -> timedelta | None:
    """Wall-clock time until the next target is due; negative once breached. While the resolution
    clock is paused (pending, on hold) the remaining time is frozen where it stopped."""
    target = next_target(ticket)
    if target is None:
        return None
    kind, due = target
    now = _now(now)
    if kind == "resolution" and ticket.sla_paused_at is not None:
        now = min(now, ticket.sla_paused_at)
    return due - now


def is_breached(ticket: SLATicket, *, now: datetime | None = None) -> bool:
    """True once a target passed unmet (or the breach scan stamped it)."""
    if ticket.sla_breached_at is not None:
        return True
    remaining = time_remaining(ticket, now=now)
    return remaining is not None and remaining < timedelta(0)


def missed_targets(ticket: SLATicket, *, now: datetime | None = None) -> list[str]:
    """The targets missed so far ("first_response", "next_reply", "resolution"), done or still
    running. A missed first response stays missed after the reply, a missed next reply until the
    next clock starts; a paused resolution clock is compared where it stopped."""
    now = _now(now)
    done_at = getattr(ticket, "resolved_at", None) if ticket.status not in ACTIVE_STATUSES else None
    missed: list[str] = []
    if ticket.first_response_due_at is not None:
        achieved = ticket.first_responded_at or done_at or now
        if achieved > ticket.first_response_due_at:
            missed.append("first_response")
    next_reply = getattr(ticket, "next_reply_due_at", None)
    if getattr(ticket, "next_reply_breached_at", None) is not None or (
        next_reply is not None and ticket.status in ACTIVE_STATUSES and now > next_reply
    ):
        missed.append("next_reply")
    if ticket.resolution_due_at is not None:
        clock = done_at or now
        if ticket.sla_paused_at is not None:
            clock = min(clock, ticket.sla_paused_at)
        if clock > ticket.resolution_due_at:
            missed.append("resolution")
    return missed


def is_at_risk(ticket: SLATicket, *, now: datetime | None = None) -> bool:
    """Not breached, but past the warning point of the target it is racing."""
    if is_breached(ticket, now=now):
        return False
    target = next_target(ticket)
    if target is None:
        return False
    now = _now(now)
    if target[0] == "first_response":
        warn = ticket.first_response_warn_at
    else:
        if target[0] == "next_reply":
            return False
        if ticket.sla_paused_at is not None:
            return False
        warn = ticket.resolution_warn_at
    return warn is not None and warn <= now


def sla_state(ticket: SLATicket, *, now: datetime | None = None) -> str:
    """ "breached", "at_risk", "ok", or "none" (done, or no target)."""
    return sla_summary(ticket, now=now)[0]


def sla_summary(ticket: SLATicket, *, now: datetime | None = None) -> tuple[str, timedelta | None]:
    """`sla_state` and `time_remaining` together, the target found once (what a list of tickets
    shows per row; the same answers as the two functions, which `test_rules_summary` holds)."""
    target = next_target(ticket)
    if target is None:
        return ("breached" if ticket.sla_breached_at is not None else "none"), None
    kind, due = target
    now = _now(now)
    clock = min(now, ticket.sla_paused_at) if kind == "resolution" and ticket.sla_paused_at is not None else now
    remaining = due - clock
    if ticket.sla_breached_at is not None or remaining < timedelta(0):
        return "breached", remaining
    if kind == "first_response":
        warn = ticket.first_response_warn_at
    elif kind == "next_reply" or ticket.sla_paused_at is not None:
        return "ok", remaining
    else:
        warn = ticket.resolution_warn_at
    return ("at_risk" if warn is not None and warn <= now else "ok"), remaining


# --- the same rules as queryset filters (for the breach scan, admin and API filters) ---------


def _active_q() -> Q:
    return Q(status__in=sorted(ACTIVE_STATUSES))


def first_response_overdue_q(now: datetime) -> Q:
    return _active_q() & Q(first_responded_at__isnull=True, first_response_due_at__lte=now)


def resolution_overdue_q(now: datetime) -> Q:
    return _active_q() & Q(sla_paused_at__isnull=True, resolution_due_at__lte=now)


def next_reply_overdue_q(now: datetime) -> Q:
    return _active_q() & Q(next_reply_due_at__lte=now)


def breached_q(now: datetime) -> Q:
    """Tickets in breach at `now`: stamped by the scan (it stays on record), or a target passed unmet.

    The overdue branches only add unstamped tickets (stamped ones are already in): written so,
    each branch matches a partial index the breach scan uses too (ticket_frt_due_open_idx,
    ticket_res_due_open_idx, ticket_sla_breached_idx) and PostgreSQL answers with a BitmapOr."""
    unstamped = Q(sla_breached_at__isnull=True)
    return (
        Q(sla_breached_at__isnull=False)
        | (first_response_overdue_q(now) & unstamped)
        | (resolution_overdue_q(now) & unstamped)
        | (next_reply_overdue_q(now) & unstamped & Q(next_reply_breached_at__isnull=True))
    )


def at_risk_q(now: datetime) -> Q:
    """Active tickets past a warning point and not (yet) breached.

    Split on sla_warned_at so each branch matches a partial index: not yet stamped, the warning
    scan's ticket_frt_warn_open_idx / ticket_res_warn_open_idx; stamped, ticket_sla_warned_idx
    (PostgreSQL answers with a BitmapOr instead of walking every ticket)."""
    first_response = _active_q() & Q(first_responded_at__isnull=True, first_response_warn_at__lte=now)
    resolution = (
        _active_q()
        & Q(sla_paused_at__isnull=True)
        & (Q(first_responded_at__isnull=False) | Q(first_response_due_at__isnull=True))
        & Q(resolution_warn_at__lte=now)
    )
    unstamped = Q(sla_warned_at__isnull=True)
    warned = (
        (first_response & unstamped)
        | (resolution & unstamped)
        | (Q(sla_warned_at__isnull=False) & (first_response | resolution))
    )
    return warned & ~breached_q(now)
