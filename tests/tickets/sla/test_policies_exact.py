"""SLA policies as plain values (tickets/sla/policies.py) stated exactly: which clock each status
pauses, the target a (priority, tier) gets, the built-in default policy, and due times with their
warning points hand-computed, with and without a timeline, paused minutes and another warning
ratio. No database (found by mutation testing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tickets import business_time
from tickets.sla import policies

T0 = datetime(2025, 1, 6, 10, tzinfo=UTC)  # a Monday
H24 = business_time.CALENDAR_24X7
SPEC = policies.PolicySpec(
    calendar=H24,
    targets={
        ("high", ""): policies.Target(7, 45, 20),
        ("high", "enterprise"): policies.Target(5, 30),
    },
)


def minutes(m: float | None) -> datetime | None:
    return None if m is None else T0 + timedelta(minutes=m)


@pytest.mark.parametrize(
    ("metric", "status", "paused"),
    [
        ("resolution", "pending", True),
        ("resolution", "on_hold", True),
        ("resolution", "open", False),
        ("resolution", "resolved", False),
        ("first_response", "pending", False),
        ("next_reply", "on_hold", False),
        ("escalation", "pending", False),  # not a metric: nothing pauses it
    ],
)
def test_pauses_in_of_the_default_pauses(metric, status, paused):
    assert policies.PolicySpec().pauses_in(metric, status) is paused


@pytest.mark.parametrize(
    ("priority", "tier", "target"),
    [
        ("high", None, policies.Target(7, 45, 20)),
        ("high", "", policies.Target(7, 45, 20)),
        ("high", "free", policies.Target(7, 45, 20)),
        ("high", "enterprise", policies.Target(5, 30, None)),
        ("low", "enterprise", policies.Target(None, None, None)),
        ("low", None, policies.Target(None, None, None)),
    ],
)
def test_target_for(priority, tier, target):
    assert SPEC.target_for(priority, tier) == target


def test_the_default_policy():
    spec = policies.default_policy()

    assert spec.calendar == business_time.make_calendar()
    assert spec.targets == {
        ("low", ""): policies.Target(4320, 10080),
        ("medium", ""): policies.Target(1440, 4320),
        ("high", ""): policies.Target(240, 1440),
        ("critical", ""): policies.Target(60, 480),
    }
    assert spec.pauses == {
        "first_response": frozenset(),
        "next_reply": frozenset(),
        "resolution": frozenset({"pending", "on_hold"}),
    }
    assert policies.default_policy(H24).calendar is H24


@pytest.mark.parametrize("use_timeline", [False, True], ids=["walk", "timeline"])
@pytest.mark.parametrize(
    ("ratio", "paused", "expected"),
    [
        # first response 7 min, resolution 45 min: warning points floor(7 * ratio), floor(45 * ratio)
        pytest.param(0.8, 0, (7, 45, 5, 36), id="ratio-0.8"),
        pytest.param(0.5, 0, (7, 45, 3, 22), id="ratio-0.5-floors"),
        pytest.param(0.8, 90, (7, 135, 5, 126), id="paused-90-pushes-resolution-only"),
    ],
)
def test_due_times_on_24x7(use_timeline, ratio, paused, expected):
    timeline = business_time.BusinessTimeline(H24, since=T0 - timedelta(days=1), until=T0 + timedelta(days=2))

    due = policies.compute_due_times(
        start=T0,
        priority="high",
        tier=None,
        policy=SPEC,
        paused_minutes=paused,
        warning_ratio=ratio,
        timeline=timeline if use_timeline else None,
    )

    assert due == policies.DueTimes(*(minutes(m) for m in expected))


def test_due_times_default_to_no_pause_and_an_80_percent_warning():
    due = policies.compute_due_times(start=T0, priority="high", tier="enterprise", policy=SPEC)

    assert due == policies.DueTimes(minutes(5), minutes(30), minutes(4), minutes(24))


def test_no_target_no_due_times():
    due = policies.compute_due_times(start=T0, priority="low", tier=None, policy=SPEC, paused_minutes=30)

    assert due == policies.DueTimes(None, None, None, None)


def test_a_timeline_of_an_equal_calendar_is_used_and_gives_the_same_times():
    """Business hours (Mon-Fri 09:00-17:00 UTC) from Friday 16:30: a timeline built of an equal
    (not the same) calendar object gives the walk's times."""
    calendar = business_time.make_calendar()
    spec = policies.PolicySpec(calendar=calendar, targets={("high", ""): policies.Target(60, 600)})
    start = datetime(2025, 1, 10, 16, 30, tzinfo=UTC)
    timeline = business_time.BusinessTimeline(
        business_time.make_calendar(), since=start - timedelta(days=1), until=start + timedelta(days=10)
    )

    due = policies.compute_due_times(start=start, priority="high", tier=None, policy=spec, timeline=timeline)

    monday = datetime(2025, 1, 13, tzinfo=UTC)
    assert due == policies.DueTimes(
        first_response_due_at=monday + timedelta(hours=9, minutes=30),  # 30 min Friday, 30 min Monday
        resolution_due_at=monday + timedelta(days=1, hours=10, minutes=30),  # 30 + 480 Monday + 90 Tuesday
        first_response_warn_at=monday + timedelta(hours=9, minutes=18),  # 48 min: 30 Friday, 18 Monday
        resolution_warn_at=monday + timedelta(hours=16, minutes=30),  # 480 min: 30 Friday, 450 Monday
    )


class CountingTimeline(business_time.BusinessTimeline):
    """A timeline that records the business minutes it was asked to add."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[float] = []

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        self.asked.append(minutes)
        return super().add_business_minutes(start, minutes)


@pytest.mark.parametrize(
    "calendar",
    [pytest.param(H24, id="the-same-calendar"), pytest.param(business_time.Calendar(is_24x7=True), id="an-equal-one")],
)
def test_a_timeline_of_the_policys_calendar_does_the_arithmetic(calendar):
    timeline = CountingTimeline(calendar, since=T0 - timedelta(days=1), until=T0 + timedelta(days=2))

    due = policies.compute_due_times(start=T0, priority="high", tier=None, policy=SPEC, timeline=timeline)

    assert due == policies.DueTimes(minutes(7), minutes(45), minutes(5), minutes(36))
    assert timeline.asked == [7, 45, 5, 36]


def test_a_timeline_of_another_calendar_is_not_asked():
    timeline = CountingTimeline(business_time.make_calendar(), since=T0, until=T0 + timedelta(days=2))

    due = policies.compute_due_times(start=T0, priority="high", tier=None, policy=SPEC, timeline=timeline)

    assert due == policies.DueTimes(minutes(7), minutes(45), minutes(5), minutes(36))
    assert timeline.asked == []
