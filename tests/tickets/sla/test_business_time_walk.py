"""tickets/business_time.py's calendar walk, by hand: shifts at minutes past the hour, a shift
erased by a DST gap, an overnight shift from the previous local day, the five-year bound to the
day, and results in UTC whatever the server's own time zone (found by mutation testing)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, tzinfo

import pytest

from tickets import business_time

DESK = business_time.make_calendar()  # Mon-Fri 09:00-17:00 UTC
MON_9 = datetime(2025, 1, 6, 9, tzinfo=UTC)  # a Monday


@pytest.fixture
def server_in_tokyo(monkeypatch):
    """The process's local time zone (what `astimezone()` without a zone uses) is UTC+9."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_shifts_at_minutes_past_the_hour():
    calendar = business_time.make_calendar(working_hours={"mon": [["09:30", "17:45"]]})
    assert business_time.add_business_minutes(MON_9, 15, calendar) == datetime(2025, 1, 6, 9, 45, tzinfo=UTC)
    day = business_time.business_minutes_between(MON_9 - timedelta(hours=9), MON_9 + timedelta(hours=15), calendar)
    assert day == 8 * 60 + 15


# New York, Sunday 9 March 2025: clocks jump from 02:00 EST to 03:00 EDT, so a 02:00-03:00 shift
# does not exist that day; the 10:00-12:00 EDT one is 14:00-16:00 UTC.
NEW_YORK_GAP = business_time.make_calendar(
    time_zone="America/New_York", working_hours={"sun": [["02:00", "03:00"], ["10:00", "12:00"]]}
)
GAP_DAY_MIDNIGHT = datetime(2025, 3, 9, 5, tzinfo=UTC)  # 00:00 EST


def test_a_shift_erased_by_a_dst_gap_is_skipped_and_the_day_goes_on():
    due = business_time.add_business_minutes(GAP_DAY_MIDNIGHT, 30, NEW_YORK_GAP)
    assert due == datetime(2025, 3, 9, 14, 30, tzinfo=UTC)
    timeline = business_time.BusinessTimeline(
        NEW_YORK_GAP, since=GAP_DAY_MIDNIGHT, until=GAP_DAY_MIDNIGHT + timedelta(hours=18)
    )
    assert (timeline.begins, timeline.ends) == (
        [datetime(2025, 3, 9, 14, tzinfo=UTC)],
        [datetime(2025, 3, 9, 16, tzinfo=UTC)],
    )


def test_a_shift_ending_at_the_start_is_not_walked():
    timeline = business_time.BusinessTimeline(
        DESK, since=MON_9 + timedelta(hours=8), until=MON_9 + timedelta(days=1, hours=3)
    )
    assert (timeline.begins, timeline.ends) == ([MON_9 + timedelta(days=1)], [MON_9 + timedelta(days=1, hours=8)])


def test_an_overnight_shift_of_the_previous_local_day_counts():
    """New York, a 24-hour shift from Sunday 23:00 to Monday 23:00 EST. Monday 20:00 EST is already
    Tuesday 01:00 UTC: the walk starts from the local day before (Sunday), not the UTC one."""
    calendar = business_time.make_calendar(time_zone="America/New_York", working_hours={"sun": [["23:00", "23:00"]]})
    monday_20_est = datetime(2025, 1, 7, 1, tzinfo=UTC)
    assert business_time.add_business_minutes(monday_20_est, 60, calendar) == datetime(2025, 1, 7, 2, tzinfo=UTC)
    assert business_time.business_minutes_between(monday_20_est, datetime(2025, 1, 8, tzinfo=UTC), calendar) == 180


def _every_day_but(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_the_walk_looks_1830_days_ahead_from_the_day_before_the_start():
    """Every day 09:00-17:00; holidays from the day before Monday 6 January 2025 on. Working time on
    Tuesday 8 January 2030 (day 1828 after the start's) is found; one day later it is not."""
    hours = {day: [["09:00", "17:00"]] for day in business_time.WEEKDAYS}
    found = business_time.make_calendar(
        working_hours=hours, holidays=_every_day_but(date(2025, 1, 5), date(2030, 1, 7))
    )
    assert business_time.add_business_minutes(MON_9, 1, found) == datetime(2030, 1, 8, 9, 1, tzinfo=UTC)
    beyond = business_time.make_calendar(
        working_hours=hours, holidays=_every_day_but(date(2025, 1, 5), date(2030, 1, 8))
    )
    with pytest.raises(ValueError, match=r"^The calendar has no working time in the next five years\.$"):
        business_time.add_business_minutes(MON_9, 1, beyond)


@pytest.mark.usefixtures("server_in_tokyo")
def test_results_are_utc_whatever_the_server_time_zone():
    saturday_noon = datetime(2025, 1, 4, 12, tzinfo=UTC)
    for calendar, minutes, due in [(business_time.CALENDAR_24X7, 90, "13:30"), (DESK, 0, "12:00")]:
        assert (
            business_time.add_business_minutes(saturday_noon, minutes, calendar).isoformat()
            == f"2025-01-04T{due}:00+00:00"
        )
    assert business_time.add_business_minutes(saturday_noon, 30, DESK).isoformat() == "2025-01-06T09:30:00+00:00"
    timeline = business_time.BusinessTimeline(DESK, since=MON_9, until=MON_9 + timedelta(hours=3))
    assert [(b.isoformat(), e.isoformat()) for b, e in zip(timeline.begins, timeline.ends, strict=True)] == [
        ("2025-01-06T09:00:00+00:00", "2025-01-06T17:00:00+00:00")
    ]


class _NoOffset(tzinfo):
    """A time zone that does not know its offset: the datetime counts as naive."""

    def utcoffset(self, dt):
        return None


def test_a_datetime_whose_zone_has_no_offset_is_refused():
    with pytest.raises(ValueError, match=r"^SLA arithmetic needs aware datetimes\.$"):
        business_time.add_business_minutes(datetime(2025, 1, 6, 9, tzinfo=_NoOffset()), 5, DESK)
