"""Every SLA write: targets applied to tickets, the breach/warning scan, escalation, auto-close.

The arithmetic lives in tickets/sla.py (pure); this module loads policies and calendars and
writes. The scans are set-based: a bounded batch of ids is locked (skip-locked on PostgreSQL, so
two beat runs never fight), changed with one UPDATE per rule, audited with one bulk INSERT of
events and announced with one bulk INSERT of outbox rows. Their query count does not grow with
the number of tickets.

Settings (env, config/settings/base.py): SLA_WARNING_PERCENT (80), SLA_SCAN_BATCH_SIZE (1000),
ESCALATION_UNASSIGNED_HOURS (72), AUTO_CLOSE_RESOLVED_DAYS (7), AUTO_RESOLVE_PENDING_DAYS (14).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

import notifications
from agents.selectors import is_agent
from customers.models import Customer
from tickets import sla
from tickets.models import (
    ACTIVE_STATUSES,
    NEXT_PRIORITY,
    BusinessCalendar,
    Comment,
    EventKind,
    Holiday,
    SLAPolicy,
    Status,
    Ticket,
    TicketEvent,
)

logger = logging.getLogger(__name__)

DUE_FIELDS = ("first_response_due_at", "resolution_due_at", "first_response_warn_at", "resolution_warn_at")


# --- configuration ----------------------------------------------------------------------------


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def warning_ratio() -> float:
    return _setting("SLA_WARNING_PERCENT", 80) / 100


def batch_size() -> int:
    return _setting("SLA_SCAN_BATCH_SIZE", 1000)


def unassigned_threshold() -> timedelta:
    return timedelta(hours=_setting("ESCALATION_UNASSIGNED_HOURS", 72))


def resolved_close_after() -> timedelta:
    return timedelta(days=_setting("AUTO_CLOSE_RESOLVED_DAYS", 7))


def pending_resolve_after() -> timedelta:
    return timedelta(days=_setting("AUTO_RESOLVE_PENDING_DAYS", 14))


# --- loading policies and calendars -------------------------------------------------------------


def calendar_spec(calendar: BusinessCalendar | None) -> sla.Calendar:
    """The pure calendar of a BusinessCalendar row (None: Mon-Fri 09:00-17:00 UTC)."""
    if calendar is None:
        return sla.make_calendar()
    try:
        spec = sla.make_calendar(
            time_zone=calendar.time_zone,
            working_hours=calendar.working_hours,
            holidays=Holiday.objects.filter(calendar=calendar).values_list("date", flat=True),
            is_24x7=calendar.is_24x7,
        )
    except ValueError as exc:  # saved around the admin's validation: never fail a ticket write for it
        logger.warning("SLA calendar %r is invalid (%s); using Mon-Fri 09:00-17:00 UTC", calendar.name, exc)
        return sla.make_calendar()
    if not spec.is_24x7 and not any(spec.hours):
        logger.warning("SLA calendar %r has no working time; using Mon-Fri 09:00-17:00", calendar.name)
        return sla.make_calendar(time_zone=spec.time_zone, holidays=spec.holidays)
    return spec


def policy_for_team(team_id: int | None) -> SLAPolicy | None:
    """The team's policy, else the default one."""
    qs = SLAPolicy.objects.select_related("calendar").prefetch_related("targets")
    qs = qs.filter(Q(teams=team_id) | Q(is_default=True)) if team_id is not None else qs.filter(is_default=True)
    return qs.order_by("is_default", "name").first()


def policy_spec(policy: SLAPolicy | None) -> sla.PolicySpec:
    """The pure policy of an SLAPolicy row; no policy at all means the built-in defaults."""
    calendar = policy.calendar if policy is not None else None
    if calendar is None:
        calendar = BusinessCalendar.objects.filter(is_default=True).first()
    cal = calendar_spec(calendar)
    if policy is None:
        return sla.default_policy(cal)
    return sla.PolicySpec(
        calendar=cal,
        targets={
            (t.priority, t.tier): sla.Target(t.first_response_minutes, t.resolution_minutes)
            for t in policy.targets.all()
        },
    )


def policy_spec_for_team(team_id: int | None) -> sla.PolicySpec:
    return policy_spec(policy_for_team(team_id))


# --- the rows that exist out of the box -----------------------------------------------------------


def sla_defaults_ensure() -> list[str]:
    """Create the default calendars and policy when missing; never touch existing rows (an admin's
    edits survive). Runs after every migrate (post_migrate, tickets/apps.py). Returns what it made.

    - "Business hours": Mon-Fri 09:00-17:00 in settings.TIME_ZONE, the default calendar.
    - "24x7": wall-clock time.
    - "Default" policy (business hours): first response critical 1 h, high 4 h, medium 24 h,
      low 72 h; resolution critical 8 h, high 24 h, medium 72 h, low 168 h."""
    from zoneinfo import available_timezones

    from tickets.models import SLATarget, default_working_hours

    created: list[str] = []
    time_zone = settings.TIME_ZONE if settings.TIME_ZONE in available_timezones() else "UTC"
    has_default_calendar = BusinessCalendar.objects.filter(is_default=True).exists()
    business, made = BusinessCalendar.objects.get_or_create(
        name="Business hours",
        defaults={
            "time_zone": time_zone,
            "working_hours": default_working_hours(),
            "is_default": not has_default_calendar,
        },
    )
    if made:
        created.append("calendar:Business hours")
    _, made = BusinessCalendar.objects.get_or_create(
        name="24x7", defaults={"time_zone": "UTC", "working_hours": default_working_hours(), "is_24x7": True}
    )
    if made:
        created.append("calendar:24x7")
    if not SLAPolicy.objects.filter(is_default=True).exists():
        policy, made = SLAPolicy.objects.get_or_create(
            name="Default",
            defaults={
                "description": "Out-of-the-box targets, measured in business hours.",
                "calendar": business,
                "is_default": True,
            },
        )
        if made:
            SLATarget.objects.bulk_create(
                SLATarget(
                    policy=policy,
                    priority=priority,
                    tier="",
                    first_response_minutes=sla.DEFAULT_FIRST_RESPONSE_MINUTES[priority],
                    resolution_minutes=sla.DEFAULT_RESOLUTION_MINUTES[priority],
                )
                for priority in sla.PRIORITIES
            )
            created.append("policy:Default")
    return created


# --- targets on one ticket (called by tickets/services.py) ----------------------------------------


def ticket_sla_apply(
    *, ticket: Ticket, tier: str | None = None, spec: sla.PolicySpec | None = None, now: datetime | None = None
) -> list[str]:
    """(Re)compute the ticket's due times from its creation under its policy, priority and its
    customer's tier; time spent paused pushes resolution back. Stamps of a breach or warning the
    new targets no longer justify are cleared, so the scan re-evaluates. Mutates `ticket` and
    returns the changed field names (the caller saves them)."""
    now = now or timezone.now()
    spec = spec or policy_spec_for_team(ticket.team_id)
    if tier is None:
        tier = ticket.customer.tier if ticket.customer_id else None
    due = sla.compute_due_times(
        start=ticket.created_at or now,
        priority=ticket.priority,
        tier=tier,
        policy=spec,
        paused_minutes=ticket.sla_paused_minutes,
        warning_ratio=warning_ratio(),
    )
    changed: list[str] = []
    for name in DUE_FIELDS:
        value = getattr(due, name)
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)
            changed.append(name)
    if changed:
        if ticket.sla_breached_at is not None and not sla.missed_targets(ticket, now=now):
            ticket.sla_breached_at = None
            changed.append("sla_breached_at")
        if ticket.sla_warned_at is not None and ticket.sla_breached_at is None and not sla.is_at_risk(ticket, now=now):
            ticket.sla_warned_at = None
            changed.append("sla_warned_at")
    return changed


def ticket_sla_status_changed(
    *, ticket: Ticket, old: str, new: str, actor: AbstractBaseUser | None, now: datetime
) -> list[str]:
    """The SLA side of a status change (ticket already carries `new`): an agent moving it to
    in_progress achieves the first response; entering pending (or done) pauses the resolution
    clock, leaving it pushes resolution_due_at by the business time paused. Returns changed fields."""
    fields: list[str] = []
    if new == Status.IN_PROGRESS and ticket.first_responded_at is None and is_agent(actor):
        ticket.first_responded_at = now
        fields.append("first_responded_at")
    was_paused, is_paused = old in sla.PAUSED_STATUSES, new in sla.PAUSED_STATUSES
    if is_paused and not was_paused:
        ticket.sla_paused_at = now
        fields.append("sla_paused_at")
    elif was_paused and not is_paused and ticket.sla_paused_at is not None:
        calendar = policy_spec_for_team(ticket.team_id).calendar
        paused = round(sla.business_minutes_between(ticket.sla_paused_at, now, calendar))
        if paused > 0:
            for name in ("resolution_due_at", "resolution_warn_at"):
                value = getattr(ticket, name)
                if value is not None:
                    setattr(ticket, name, sla.add_business_minutes(value, paused, calendar))
                    fields.append(name)
            ticket.sla_paused_minutes += paused
            fields.append("sla_paused_minutes")
        ticket.sla_paused_at = None
        fields.append("sla_paused_at")
    return fields


@transaction.atomic
def tickets_sla_recompute_for_customer(*, customer: Customer) -> int:
    """Recompute the targets of the customer's active tickets after their tier changed.

    customers/ must not import tickets, so a tier change reaches here through the outbox: the
    `customer.updated` consumer `sla_on_customer_updated` (registered in tickets/apps.py) calls it
    after the customer's transaction committed, whichever path changed the tier (API, admin, CRM
    sync). `tickets.services.customer_merge` calls it directly for the target. One policy load
    per team, one bulk UPDATE; returns the tickets changed."""
    tickets = list(
        Ticket.objects.select_for_update().filter(customer=customer, status__in=sorted(ACTIVE_STATUSES)).order_by("pk")
    )
    specs: dict[int | None, sla.PolicySpec] = {}
    changed: list[Ticket] = []
    fields: set[str] = set()
    now = timezone.now()
    for ticket in tickets:
        if ticket.team_id not in specs:
            specs[ticket.team_id] = policy_spec_for_team(ticket.team_id)
        names = ticket_sla_apply(ticket=ticket, tier=customer.tier, spec=specs[ticket.team_id], now=now)
        if names:
            ticket.version = F("version") + 1
            ticket.updated_at = now
            fields.update(names)
            changed.append(ticket)
    if changed:
        Ticket.objects.bulk_update(changed, sorted(fields | {"version", "updated_at"}))
    return len(changed)


def sla_on_customer_updated(payload: dict[str, Any]) -> None:
    """Consumer of `customer.updated` (registered in tickets/apps.py through
    notifications.consumers): a changed tier recomputes the customer's active tickets' targets.
    Reads the customer's tier now, so a late or replayed event applies the current tier."""
    if "tier" not in (payload.get("changed") or []):
        return
    customer = Customer.objects.filter(pk=payload.get("id")).first()
    if customer is None:  # deleted (or merged away) since: nothing to recompute
        return
    changed = tickets_sla_recompute_for_customer(customer=customer)
    logger.info(
        "customer %s tier is now %s: SLA targets of %d ticket(s) recomputed", customer.pk, customer.tier, changed
    )


# --- outbox, in bulk ------------------------------------------------------------------------------


def _payloads(ids: list[int], extra: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """Outbox payloads for tickets changed by a scan: the usual ticket shape plus the team lead
    (for the notification) and per-ticket extras. One query."""
    from tickets.services import ticket_payload

    tickets = Ticket.objects.filter(pk__in=ids).select_related("category", "team").order_by("pk")
    return [
        {
            "ticket": ticket_payload(t),
            "team_lead_id": t.team.lead_id if t.team_id else None,
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
        condition=(sla.first_response_overdue_q(now) & Q(sla_breached_at__isnull=True))
        | (sla.resolution_overdue_q(now) & Q(sla_breached_at__isnull=True)),
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
    condition: Q,
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


# --- holidays ---------------------------------------------------------------------------------------


@transaction.atomic
def calendar_import_holidays(*, calendar: BusinessCalendar, years: Iterable[int]) -> int:
    """Fill the calendar's holidays from the `holidays` package for its `holiday_country`
    ("FR", or "US-CA" with a subdivision). Existing dates are kept; returns the rows added."""
    import holidays

    country, _, subdivision = (calendar.holiday_country or "").upper().partition("-")
    if not country:
        raise ValidationError({"holiday_country": ["Set the calendar's holiday country first (e.g. FR or US-CA)."]})
    try:
        found = holidays.country_holidays(country, subdiv=subdivision or None, years=sorted(set(years)))
    except NotImplementedError as exc:
        raise ValidationError(
            {
                "holiday_country": [
                    f"'{calendar.holiday_country}' is not a country (or subdivision) the holidays package knows."
                ]
            }
        ) from exc
    existing = set(Holiday.objects.filter(calendar=calendar).values_list("date", flat=True))
    rows = [
        Holiday(calendar=calendar, date=day, name=str(name)[:200])
        for day, name in sorted(found.items())
        if day not in existing
    ]
    Holiday.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
