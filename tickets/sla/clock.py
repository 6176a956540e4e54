"""A ticket's SLA clocks replayed from its event log (tickets/models/sla.py SLAEvent). Pure, no I/O.

Each metric (first response, next reply, resolution) is a clock: `started` starts it afresh (a
next-reply clock starts at every customer reply that finds none running), `paused` stops it for a
while, `resumed` lets it run again (the business minutes in between, rounded to the minute, push
its due time back), `achieved` stops it for good (resolution: until a reopening `resumed` it, the
time in between counting as paused), `breached` only records that the scan saw it late.

    due = start + (target + business minutes paused) on the policy's calendar
    warn = start + (floor(target x warning ratio) + business minutes paused)

The services write the log and store what replaying it gives; explain and the SLA API replay it to
show how each due time came about."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tickets.business_time import Calendar, add_business_minutes, business_minutes_between

METRICS = ("first_response", "next_reply", "resolution")
KINDS = ("started", "paused", "resumed", "achieved", "breached")
DUE_FIELD = {
    "first_response": "first_response_due_at",
    "next_reply": "next_reply_due_at",
    "resolution": "resolution_due_at",
}
WARN_FIELD = {"first_response": "first_response_warn_at", "resolution": "resolution_warn_at"}


@dataclass(frozen=True)
class Entry:
    metric: str
    kind: str
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None  # None: still paused
    minutes: int  # business minutes, rounded (0 while still paused)
    reason: str


@dataclass
class Clock:
    """One metric's clock as the log tells it."""

    metric: str
    started_at: datetime | None = None
    paused_since: datetime | None = None
    achieved_at: datetime | None = None
    breached_at: datetime | None = None
    pauses: list[Pause] = field(default_factory=list)

    @property
    def paused_minutes(self) -> int:
        return sum(p.minutes for p in self.pauses)

    @property
    def is_running(self) -> bool:
        return self.started_at is not None and self.achieved_at is None and self.paused_since is None

    @property
    def is_open(self) -> bool:
        """Started and not achieved (it may be paused)."""
        return self.started_at is not None and self.achieved_at is None

    def due_at(self, minutes: int | None, calendar: Calendar) -> datetime | None:
        if minutes is None or self.started_at is None:
            return None
        return add_business_minutes(self.started_at, minutes + self.paused_minutes, calendar)

    def warn_at(self, minutes: int | None, ratio: float, calendar: Calendar) -> datetime | None:
        if minutes is None or self.started_at is None:
            return None
        return add_business_minutes(self.started_at, math.floor(minutes * ratio) + self.paused_minutes, calendar)


def _stop(clock: Clock, at: datetime, reason: str) -> None:
    if clock.paused_since is None:
        clock.paused_since = at
        clock.pauses.append(Pause(at, None, 0, reason))


def _resume(clock: Clock, at: datetime, calendar: Calendar) -> None:
    if clock.paused_since is None:
        return
    start = clock.paused_since
    minutes = max(0, round(business_minutes_between(start, at, calendar)))
    last = clock.pauses.pop()
    clock.pauses.append(Pause(start, at, minutes, last.reason))
    clock.paused_since = None


def replay(entries: Iterable[Entry], calendar: Calendar) -> dict[str, Clock]:
    """Every metric's clock after the entries (in time order, ties in the given order)."""
    clocks = {metric: Clock(metric) for metric in METRICS}
    for entry in entries:
        clock = clocks[entry.metric]
        if entry.kind == "started":
            clocks[entry.metric] = clock = Clock(entry.metric, started_at=entry.at)
            carried = int(entry.detail.get("paused_minutes") or 0)  # a ticket older than its log
            if carried:
                clock.pauses.append(Pause(entry.at, entry.at, carried, "before the event log"))
        elif clock.started_at is None:
            continue  # nothing to pause, resume or achieve
        elif entry.kind == "paused":
            _stop(clock, entry.at, str(entry.detail.get("status", "paused")))
        elif entry.kind == "resumed":
            _resume(clock, entry.at, calendar)
            clock.achieved_at = None
        elif entry.kind == "achieved":
            if entry.metric == "resolution":  # a reopening resumes it: the time done counts as paused
                _stop(clock, entry.at, str(entry.detail.get("status", "resolved")))
            clock.achieved_at = entry.at
        elif entry.kind == "breached":
            clock.breached_at = clock.breached_at or entry.at
    return clocks


@dataclass(frozen=True)
class Targets:
    first_response: int | None
    next_reply: int | None
    resolution: int | None

    def minutes(self, metric: str) -> int | None:
        return getattr(self, metric)


def due_times(
    clocks: dict[str, Clock], targets: Targets, calendar: Calendar, *, warning_ratio: float
) -> dict[str, datetime | None]:
    """The ticket's stored SLA timestamps as the clocks give them. First response and resolution
    keep their due time once achieved (the record of what was promised); the next-reply due time
    exists only while a next-reply clock is open."""
    first, nxt, res = clocks["first_response"], clocks["next_reply"], clocks["resolution"]
    return {
        "first_response_due_at": first.due_at(targets.first_response, calendar),
        "first_response_warn_at": first.warn_at(targets.first_response, warning_ratio, calendar),
        "next_reply_due_at": nxt.due_at(targets.next_reply, calendar) if nxt.is_open else None,
        "resolution_due_at": res.due_at(targets.resolution, calendar),
        "resolution_warn_at": res.warn_at(targets.resolution, warning_ratio, calendar),
    }
