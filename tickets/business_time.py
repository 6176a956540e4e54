"""Business-time arithmetic: calendars (time zone, weekly working hours, holidays, or 24x7) and
business minutes between/after moments. Pure and generic: it knows nothing of tickets. Datetimes
must be aware; results are UTC."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WORKING_HOURS: dict[str, list[list[str]]] = {
    day: ([["09:00", "17:00"]] if day in WEEKDAYS[:5] else []) for day in WEEKDAYS
}
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
