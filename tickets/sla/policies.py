"""SLA policies as plain values, modelled on Zendesk's: targets in *business minutes* for the
first response and for resolution, per priority and optionally per customer tier (a
tier-specific target wins over the tier-less one), on a business calendar. Pure, no I/O;
tickets/sla/services.py loads them from the database."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from tickets.business_time import BusinessTimeline, Calendar, add_business_minutes, make_calendar

PRIORITIES = ("low", "medium", "high", "critical")
# First response, in (business) minutes: critical 1 h, high 4 h, medium 24 h, low 72 h.
DEFAULT_FIRST_RESPONSE_MINUTES: dict[str, int] = {"critical": 60, "high": 240, "medium": 1440, "low": 4320}
# Resolution, in (business) minutes; editable per policy in the admin.
DEFAULT_RESOLUTION_MINUTES: dict[str, int] = {"critical": 480, "high": 1440, "medium": 4320, "low": 10080}
WARNING_RATIO = 0.8


# --- policies and targets -------------------------------------------------------------------


# Which statuses pause which clock when a policy says nothing (resolved and closed always stop
# resolution: tickets/sla/clock.py).
DEFAULT_PAUSES: Mapping[str, frozenset[str]] = {
    "first_response": frozenset(),
    "next_reply": frozenset(),
    "resolution": frozenset({"pending", "on_hold"}),
}
PAUSABLE_STATUSES = ("open", "in_progress", "pending", "on_hold")


@dataclass(frozen=True)
class Target:
    first_response_minutes: int | None
    resolution_minutes: int | None
    next_reply_minutes: int | None = None


@dataclass(frozen=True)
class PolicySpec:
    """Targets keyed by (priority, tier); tier "" applies to every tier. `pauses`: per metric, the
    statuses that pause its clock."""

    calendar: Calendar = field(default_factory=lambda: make_calendar())
    targets: Mapping[tuple[str, str], Target] = field(default_factory=dict)
    pauses: Mapping[str, frozenset[str]] = field(default_factory=lambda: dict(DEFAULT_PAUSES))

    def pauses_in(self, metric: str, status: str) -> bool:
        return status in self.pauses.get(metric, frozenset())

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
