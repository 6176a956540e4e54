"""sla.BusinessTimeline (bulk due times): the same instants as add_business_minutes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from tickets import business_time
from tickets.sla import policies

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)

CALENDARS = [
    pytest.param(business_time.make_calendar(), id="mon-fri-utc"),
    pytest.param(
        business_time.make_calendar(time_zone="America/New_York", holidays=[date(2025, 12, 25), date(2026, 1, 1)]),
        id="new-york-holidays-dst",
    ),
    pytest.param(
        business_time.make_calendar(
            time_zone="Europe/Paris",
            working_hours={
                "mon": [["22:00", "06:00"]],
                "tue": [["09:00", "12:00"], ["13:00", "17:30"]],
                "wed": [["00:00", "24:00"]],
                "fri": [["02:00", "03:00"]],
                "sun": [["23:00", "01:00"]],
            },
            holidays=[date(2026, 3, 31), date(2025, 10, 28)],
        ),
        id="paris-overnight-split-shifts",
    ),
    pytest.param(business_time.CALENDAR_24X7, id="24x7"),
]


@pytest.mark.parametrize("calendar", CALENDARS)
def test_timeline_matches_add_business_minutes(calendar):
    timeline = business_time.BusinessTimeline(calendar, since=NOW - timedelta(days=367), until=NOW + timedelta(days=60))
    rng = random.Random(7)
    starts = [
        NOW - timedelta(seconds=rng.randint(0, 365 * 86400), microseconds=rng.randint(0, 999_999)) for _ in range(300)
    ]
    starts += [datetime(2026, 3, 29, 1, 30, tzinfo=UTC), datetime(2025, 11, 2, 6, tzinfo=UTC)]  # DST days
    for start in starts:
        for minutes in (0, 1, 59.5, 480, 1440, 4320, 10080):
            assert timeline.add_business_minutes(start, minutes) == business_time.add_business_minutes(
                start, minutes, calendar
            )


def test_outside_the_window_falls_back():
    calendar = business_time.make_calendar()
    timeline = business_time.BusinessTimeline(calendar, since=NOW, until=NOW + timedelta(days=2))
    before = NOW - timedelta(days=30)
    assert timeline.add_business_minutes(before, 60) == business_time.add_business_minutes(before, 60, calendar)
    long = timeline.add_business_minutes(NOW, 60 * 8 * 20)  # beyond the last interval
    assert long == business_time.add_business_minutes(NOW, 60 * 8 * 20, calendar)
    with pytest.raises(ValueError, match="negative"):
        timeline.add_business_minutes(NOW + timedelta(hours=1), -1)


def test_compute_due_times_with_a_timeline_is_the_same():
    policy = policies.default_policy()
    timeline = business_time.BusinessTimeline(
        policy.calendar, since=NOW - timedelta(days=10), until=NOW + timedelta(days=60)
    )
    for priority in policies.PRIORITIES:
        start = NOW - timedelta(days=3, minutes=17)
        assert policies.compute_due_times(
            start=start, priority=priority, tier=None, policy=policy, timeline=timeline
        ) == (policies.compute_due_times(start=start, priority=priority, tier=None, policy=policy))


def test_a_timeline_of_another_calendar_is_ignored():
    policy = policies.default_policy()
    other = business_time.BusinessTimeline(
        business_time.CALENDAR_24X7, since=NOW - timedelta(days=10), until=NOW + timedelta(days=60)
    )
    start = NOW - timedelta(days=3, minutes=17)
    assert policies.compute_due_times(start=start, priority="low", tier=None, policy=policy, timeline=other) == (
        policies.compute_due_times(start=start, priority="low", tier=None, policy=policy)
    )
