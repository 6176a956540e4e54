"""SLA rules and business-hours arithmetic: pure functions, no I/O (ARCHITECTURE "pure rules").

Modelled on Zendesk's SLA policies: a policy holds targets in *business minutes* for the first
response and for resolution, per priority and optionally per customer tier (a tier-specific
target wins over the tier-less one). Targets are measured on a business calendar: a time zone,
weekly working hours, holidays; or a 24x7 calendar where business time is wall-clock time.

Everything here works on plain values (`Calendar`, `PolicySpec`, datetimes); tickets/sla_services.py
loads them from the database and writes the results. Datetimes must be aware; results are UTC.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.db.models import Q

# --- defaults (Zendesk-like) ----------------------------------------------------------------

PRIORITIES = ("low", "medium", "high", "critical")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# First response, in (business) minutes: critical 1 h, high 4 h, medium 24 h, low 72 h.
DEFAULT_FIRST_RESPONSE_MINUTES: dict[str, int] = {"critical": 60, "high": 240, "medium": 1440, "low": 4320}
# Resolution, in (business) minutes; editable per policy in the admin.
DEFAULT_RESOLUTION_MINUTES: dict[str, int] = {"critical": 480, "high": 1440, "medium": 4320, "low": 10080}
DEFAULT_WORKING_HOURS: dict[str, list[list[str]]] = {
    day: ([["09:00", "17:00"]] if day in WEEKDAYS[:5] else []) for day in WEEKDAYS
}
WARNING_RATIO = 0.8
# Statuses that stop the resolution clock: pending (waiting on the customer), and done.
PAUSED_STATUSES = frozenset({"pending", "resolved", "closed"})
ACTIVE_STATUSES = frozenset({"open", "in_progress", "pending", "on_hold"})
# Safety bound for calendar walks (a calendar with no working time would loop forever).
_MAX_DAYS = 366 * 5

_HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")


# --- calendars ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """A business calendar. `hours[weekday]` (0 = Monday) is a tuple of (start, end) minute
    offsets from local midnight; `end` may exceed 1440 for a shift that runs past midnight."""

    time_zone: str = "UTC"
    hours: tuple[tuple[tuple[int, int], ...], ...] = ()
    holidays: frozenset[date] = frozenset()
    is_24x7: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


CALENDAR_24X7 = Calendar(is_24x7=True)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def parse_working_hours(value: Any) -> tuple[tuple[tuple[int, int], ...], ...]:
    """`{"mon": [["09:00", "17:00"]], ..., "sun": []}` -> minute intervals per weekday. An end
    at or before its start runs past midnight (22:00-06:00). Raises ValueError with the reason."""
    if not isinstance(value, Mapping):
        raise ValueError('Working hours must be an object like {"mon": [["09:00", "17:00"]], ...}.')  # noqa: TRY004
    unknown = set(value) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"Unknown day(s): {', '.join(sorted(unknown))}; use {', '.join(WEEKDAYS)}.")
    days: list[tuple[tuple[int, int], ...]] = []
    for day in WEEKDAYS:
        intervals = value.get(day) or []
        if not isinstance(intervals, list):
            raise ValueError(f"{day}: a list of [start, end] pairs is expected.")  # noqa: TRY004
        parsed: list[tuple[int, int]] = []
        for pair in intervals:
            if (
                not isinstance(pair, list | tuple)
                or len(pair) != 2
                or not all(isinstance(p, str) and _HHMM.match(p) for p in pair)
            ):
                raise ValueError(f'{day}: {pair!r} is not a ["HH:MM", "HH:MM"] pair.')
            start, end = _minutes(pair[0]), _minutes(pair[1])
            if start == 1440:
                raise ValueError(f"{day}: a shift cannot start at 24:00.")
            if end <= start:
                end += 1440  # overnight shift
            parsed.append((start, end))
        parsed.sort()
        for (_, prev_end), (next_start, _) in itertools.pairwise(parsed):
            if next_start < prev_end:
                raise ValueError(f"{day}: shifts overlap.")
        days.append(tuple(parsed))
    return tuple(days)


def validate_working_hours(value: Any) -> None:
    """Model-field validator (BusinessCalendar.working_hours)."""
    try:
        hours = parse_working_hours(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid_working_hours") from exc
    if not any(hours):
        raise ValidationError(
            "A calendar needs some working time; tick 24x7 for round-the-clock support.", code="no_working_hours"
        )


def validate_time_zone(value: str) -> None:
    """Model-field validator: an IANA zone name such as Europe/Paris."""
    if value not in available_timezones():
        raise ValidationError(
            f"'{value}' is not a known time zone; use an IANA name such as Europe/Paris.", code="invalid_time_zone"
        )


def make_calendar(
    *,
    time_zone: str = "UTC",
    working_hours: Mapping[str, Any] | None = None,
    holidays: Iterable[date] = (),
    is_24x7: bool = False,
) -> Calendar:
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Unknown time zone '{time_zone}'.") from exc
    return Calendar(
        time_zone=time_zone,
        hours=parse_working_hours(DEFAULT_WORKING_HOURS if working_hours is None else working_hours),
        holidays=frozenset(holidays),
        is_24x7=is_24x7,
    )


def _require_aware(*values: datetime) -> None:
    for value in values:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("SLA arithmetic needs aware datetimes.")


def _intervals_from(start: datetime, calendar: Calendar) -> Iterable[tuple[datetime, datetime]]:
    """The calendar's working intervals (UTC, absolute time) in order, starting with any that
    contains `start` (shifts from the previous day included, for overnight hours)."""
    tz = calendar.tz
    day = start.astimezone(tz).date() - timedelta(days=1)
    for _ in range(_MAX_DAYS):
        if day not in calendar.holidays:
            for start_min, end_min in calendar.hours[day.weekday()]:
                # Wall-clock local times converted to absolute time: DST days are 23 or 25 hours.
                begin = _local(day, start_min, tz)
                end = _local(day, end_min, tz)
                if end <= begin:  # a shift erased by a DST gap
                    continue
                if end > start:
                    yield begin.astimezone(UTC), end.astimezone(UTC)
        day += timedelta(days=1)
    raise ValueError("The calendar has no working time in the next five years.")


def _local(day: date, minute: int, tz: ZoneInfo) -> datetime:
    extra_days, minute = divmod(minute, 1440)
    local = datetime.combine(day + timedelta(days=extra_days), time(minute // 60, minute % 60), tzinfo=tz)
    # Round-trip through UTC so a time inside a DST gap moves to the real instant after it.
    return local.astimezone(UTC).astimezone(tz)


def business_minutes_between(start: datetime, end: datetime, calendar: Calendar) -> float:
    """Business minutes from `start` to `end` (negative when `end` is earlier)."""
    _require_aware(start, end)
    if end < start:
        return -business_minutes_between(end, start, calendar)
    if calendar.is_24x7:
        return (end - start).total_seconds() / 60
    if not any(calendar.hours):
        return 0.0
    seconds = 0.0
    for begin, finish in _intervals_from(start, calendar):
        if begin >= end:
            break
        seconds += (min(finish, end) - max(begin, start)).total_seconds()
    return seconds / 60


def add_business_minutes(start: datetime, minutes: float, calendar: Calendar) -> datetime:
    """The instant `minutes` business minutes after `start` (UTC). Zero minutes is `start`."""
    _require_aware(start)
    if minutes < 0:
        raise ValueError("minutes must not be negative.")
    if calendar.is_24x7 or minutes == 0:
        return (start + timedelta(minutes=minutes)).astimezone(UTC)
    remaining = timedelta(minutes=minutes)
    for begin, finish in _intervals_from(start, calendar):
        begin = max(begin, start)
        available = finish - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable")  # pragma: no cover - _intervals_from raises first


class BusinessTimeline:
    """`add_business_minutes` for many starts on one calendar, fast (bulk loads, the demo seed):
    the calendar's working intervals between `since` and `until` are walked once, then each call
    is two binary searches. Same results as `add_business_minutes` (same intervals, exact
    microsecond arithmetic); starts or results outside the window fall back to it."""

    def __init__(self, calendar: Calendar, *, since: datetime, until: datetime) -> None:
        _require_aware(since, until)
        self.calendar = calendar
        self.since, self.until = since, until
        self.begins: list[datetime] = []
        self.ends: list[datetime] = []
        self.cum_end: list[int] = []  # business microseconds from the first interval's start to each end
        if calendar.is_24x7 or not any(calendar.hours):
            return
        total = 0
        for begin, end in _intervals_from(since, calendar):
            if begin > until:
                break
            total += _micros(end - begin)
            self.begins.append(begin)
            self.ends.append(end)
            self.cum_end.append(total)

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        if self.calendar.is_24x7 or minutes == 0 or not self.begins or not (self.since <= start <= self.until):
            return add_business_minutes(start, minutes, self.calendar)
        if minutes < 0:
            raise ValueError("minutes must not be negative.")
        i = bisect.bisect_right(self.begins, start) - 1
        if i < 0:
            elapsed = 0
        else:
            before = self.cum_end[i] - _micros(self.ends[i] - self.begins[i])
            elapsed = before + _micros(min(start, self.ends[i]) - self.begins[i])
        target = elapsed + _micros(timedelta(minutes=minutes))
        j = bisect.bisect_left(self.cum_end, target)
        if j >= len(self.cum_end):
            return add_business_minutes(start, minutes, self.calendar)
        before_j = self.cum_end[j] - _micros(self.ends[j] - self.begins[j])
        return self.begins[j] + timedelta(microseconds=target - before_j)


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


# --- policies and targets -------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    first_response_minutes: int | None
    resolution_minutes: int | None


@dataclass(frozen=True)
class PolicySpec:
    """Targets keyed by (priority, tier); tier "" applies to every tier."""

    calendar: Calendar = field(default_factory=lambda: make_calendar())
    targets: Mapping[tuple[str, str], Target] = field(default_factory=dict)

    def target_for(self, priority: str, tier: str | None) -> Target:
        """The tier-specific target if there is one, else the tier-less one, else none."""
        if tier and (priority, tier) in self.targets:
            return self.targets[(priority, tier)]
        return self.targets.get((priority, ""), Target(None, None))


def default_policy(calendar: Calendar | None = None) -> PolicySpec:
    return PolicySpec(
        calendar=calendar or make_calendar(),
        targets={(p, ""): Target(DEFAULT_FIRST_RESPONSE_MINUTES[p], DEFAULT_RESOLUTION_MINUTES[p]) for p in PRIORITIES},
    )


def calculate_sla_hours(priority: str) -> int:
    """The default first-response target of a priority, in hours (critical 1, high 4, medium 24, low 72)."""
    try:
        return DEFAULT_FIRST_RESPONSE_MINUTES[priority] // 60
    except KeyError:
        raise ValueError(f"Unknown priority '{priority}'; use one of: {', '.join(PRIORITIES)}.") from None


@dataclass(frozen=True)
class DueTimes:
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_warn_at: datetime | None
    resolution_warn_at: datetime | None


def compute_due_times(
    *,
    start: datetime,
    priority: str,
    tier: str | None,
    policy: PolicySpec,
    paused_minutes: float = 0,
    warning_ratio: float = WARNING_RATIO,
    timeline: BusinessTimeline | None = None,
) -> DueTimes:
    """Due times (and the warning points at `warning_ratio` of each target) measured from `start`.
    `paused_minutes` of business time spent paused push the resolution target back. A
    `timeline` of the policy's calendar makes it fast for many tickets (same results)."""
    target = policy.target_for(priority, tier)
    cal = policy.calendar

    use_timeline = timeline is not None and (timeline.calendar is cal or timeline.calendar == cal)

    def at(minutes: float | None, extra: float = 0) -> datetime | None:
        if minutes is None:
            return None
        if use_timeline and timeline is not None:
            return timeline.add_business_minutes(start, minutes + extra)
        return add_business_minutes(start, minutes + extra, cal)

    frt, res = target.first_response_minutes, target.resolution_minutes
    return DueTimes(
        first_response_due_at=at(frt),
        resolution_due_at=at(res, paused_minutes),
        first_response_warn_at=at(None if frt is None else math.floor(frt * warning_ratio)),
        resolution_warn_at=at(None if res is None else math.floor(res * warning_ratio), paused_minutes),
    )


# --- a ticket's state (works on any object with the Ticket's SLA attributes) -----------------


class SLATicket(Protocol):
    status: str
    first_responded_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_warn_at: datetime | None
    resolution_warn_at: datetime | None
    sla_breached_at: datetime | None
    sla_paused_at: datetime | None


def _now(now: datetime | None) -> datetime:
    if now is not None:
        return now
    from django.utils import timezone

    return timezone.now()


def next_target(ticket: SLATicket) -> tuple[str, datetime] | None:
    """The target the ticket is racing now: first response until achieved, then resolution.
    None when the ticket is done or has no target left."""
    if ticket.status not in ACTIVE_STATUSES:
        return None
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        return "first_response", ticket.first_response_due_at
    if ticket.resolution_due_at is not None:
        return "resolution", ticket.resolution_due_at
    return None


def time_remaining(ticket: SLATicket, *, now: datetime | None = None) -> timedelta | None:
    """Wall-clock time until the next target is due; negative once breached. While the ticket is
    pending the resolution clock is paused, so the remaining time is frozen where it stopped."""
    target = next_target(ticket)
    if target is None:
        return None
    kind, due = target
    now = _now(now)
    if kind == "resolution" and ticket.status == "pending" and ticket.sla_paused_at is not None:
        now = min(now, ticket.sla_paused_at)
    return due - now


def is_breached(ticket: SLATicket, *, now: datetime | None = None) -> bool:
    """True once a target passed unmet (or the breach scan stamped it)."""
    if ticket.sla_breached_at is not None:
        return True
    remaining = time_remaining(ticket, now=now)
    return remaining is not None and remaining < timedelta(0)


def missed_targets(ticket: SLATicket, *, now: datetime | None = None) -> list[str]:
    """The targets missed so far ("first_response", "resolution"), done or still running.
    A missed first response stays missed after the reply; the paused clock of a pending ticket
    is compared where it stopped."""
    now = _now(now)
    done_at = getattr(ticket, "resolved_at", None) if ticket.status not in ACTIVE_STATUSES else None
    missed: list[str] = []
    if ticket.first_response_due_at is not None:
        achieved = ticket.first_responded_at or done_at or now
        if achieved > ticket.first_response_due_at:
            missed.append("first_response")
    if ticket.resolution_due_at is not None:
        clock = done_at or now
        if ticket.status in PAUSED_STATUSES and ticket.sla_paused_at is not None:
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
        if ticket.status == "pending":
            return False
        warn = ticket.resolution_warn_at
    return warn is not None and warn <= now


def sla_state(ticket: SLATicket, *, now: datetime | None = None) -> str:
    """ "breached", "at_risk", "ok", or "none" (done, or no target)."""
    if is_breached(ticket, now=now):
        return "breached"
    if next_target(ticket) is None:
        return "none"
    return "at_risk" if is_at_risk(ticket, now=now) else "ok"


# --- the same rules as queryset filters (for the breach scan, admin and API filters) ---------


def _active_q() -> Q:
    return Q(status__in=sorted(ACTIVE_STATUSES))


def first_response_overdue_q(now: datetime) -> Q:
    return _active_q() & Q(first_responded_at__isnull=True, first_response_due_at__lte=now)


def resolution_overdue_q(now: datetime) -> Q:
    return _active_q() & ~Q(status="pending") & Q(resolution_due_at__lte=now)


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
    )


def at_risk_q(now: datetime) -> Q:
    """Active tickets past a warning point and not (yet) breached.

    Split on sla_warned_at so each branch matches a partial index: not yet stamped, the warning
    scan's ticket_frt_warn_open_idx / ticket_res_warn_open_idx; stamped, ticket_sla_warned_idx
    (PostgreSQL answers with a BitmapOr instead of walking every ticket)."""
    first_response = _active_q() & Q(first_responded_at__isnull=True, first_response_warn_at__lte=now)
    resolution = (
        _active_q()
        & ~Q(status="pending")
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
