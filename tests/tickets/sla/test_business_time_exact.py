"""tickets/business_time.py in exact terms: parsed working hours as minute offsets worked out by
hand, every refusal's words, the validators run on valid calendars too, and results in UTC (found by
mutation testing)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from tickets import business_time

NY = ZoneInfo("America/New_York")
MON_9 = datetime(2025, 1, 6, 9, tzinfo=UTC)  # a Monday
NONE = ()


@pytest.mark.parametrize(
    ("hours", "parsed"),
    [
        pytest.param(
            business_time.DEFAULT_WORKING_HOURS,
            (((540, 1020),),) * 5 + (NONE, NONE),
            id="default-mon-fri-9-17",
        ),
        pytest.param(
            {"tue": [["22:00", "06:00"]], "wed": [["00:00", "24:00"]], "sun": [["09:00", "09:00"]]},
            (NONE, ((1320, 1800),), ((0, 1440),), NONE, NONE, NONE, ((540, 1980),)),
            id="overnight-whole-day-and-a-24h-shift",
        ),
        pytest.param(
            {"thu": [["13:00", "17:00"], ("09:00", "12:00"), ["12:00", "13:00"]], "fri": None},
            (NONE, NONE, NONE, ((540, 720), (720, 780), (780, 1020)), NONE, NONE, NONE),
            id="sorted-and-touching-shifts",
        ),
        pytest.param({"sat": [["23:59", "00:00"]]}, (NONE,) * 5 + (((1439, 1440),), NONE), id="last-minute"),
    ],
)
def test_parse_working_hours(hours, parsed):
    assert business_time.parse_working_hours(hours) == parsed


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        pytest.param([], 'Working hours must be an object like {"mon": [["09:00", "17:00"]], ...}.', id="list"),
        pytest.param(
            {"mon": [], "funday": [], "xday": []},
            "Unknown day(s): funday, xday; use mon, tue, wed, thu, fri, sat, sun.",
            id="unknown-days",
        ),
        pytest.param({"wed": "09:00-17:00"}, "wed: a list of [start, end] pairs is expected.", id="not-a-list"),
        pytest.param(
            {"tue": [["9:00", "17:00"]]}, "tue: ['9:00', '17:00'] is not a [\"HH:MM\", \"HH:MM\"] pair.", id="h"
        ),
        pytest.param({"fri": [["09:00"]]}, 'fri: [\'09:00\'] is not a ["HH:MM", "HH:MM"] pair.', id="half"),
        pytest.param(
            {"fri": [["09:00", "12:00", "17:00"]]},
            "fri: ['09:00', '12:00', '17:00'] is not a [\"HH:MM\", \"HH:MM\"] pair.",
            id="three",
        ),
        pytest.param({"sat": [[9, 17]]}, 'sat: [9, 17] is not a ["HH:MM", "HH:MM"] pair.', id="numbers"),
        pytest.param({"sat": ["09:00-17:00"]}, 'sat: \'09:00-17:00\' is not a ["HH:MM", "HH:MM"] pair.', id="str"),
        pytest.param(
            {"sun": [["24:01", "06:00"]]}, "sun: ['24:01', '06:00'] is not a [\"HH:MM\", \"HH:MM\"] pair.", id="x"
        ),
        pytest.param({"mon": [["24:00", "06:00"]]}, "mon: a shift cannot start at 24:00.", id="start-at-24"),
        pytest.param({"thu": [["09:00", "13:00"], ["12:59", "17:00"]]}, "thu: shifts overlap.", id="overlap"),
    ],
)
def test_parse_working_hours_refusals(hours, message):
    with pytest.raises(ValueError) as exc:
        business_time.parse_working_hours(hours)
    assert str(exc.value) == message
    with pytest.raises(ValidationError) as invalid:
        business_time.validate_working_hours(hours)
    assert (invalid.value.messages, invalid.value.code) == ([message], "invalid_working_hours")


@pytest.mark.parametrize(
    "hours",
    [
        pytest.param(business_time.DEFAULT_WORKING_HOURS, id="default"),
        pytest.param({"sun": [["22:00", "06:00"]]}, id="one-night-shift"),
        pytest.param({day: [["00:00", "24:00"]] for day in business_time.WEEKDAYS}, id="round-the-clock"),
    ],
)
def test_validate_working_hours_accepts_a_valid_calendar(hours):
    assert business_time.validate_working_hours(hours) is None


@pytest.mark.parametrize("hours", [{}, {"mon": [], "sat": None}])
def test_a_calendar_without_working_time_is_refused(hours):
    with pytest.raises(ValidationError) as exc:
        business_time.validate_working_hours(hours)
    assert (exc.value.messages, exc.value.code) == (
        ["A calendar needs some working time; tick 24x7 for round-the-clock support."],
        "no_working_hours",
    )


def test_time_zone_validator():
    assert business_time.validate_time_zone("America/New_York") is None
    with pytest.raises(ValidationError) as exc:
        business_time.validate_time_zone("Mars/Olympus")
    assert (exc.value.messages, exc.value.code) == (
        ["'Mars/Olympus' is not a known time zone; use an IANA name such as Europe/Paris."],
        "invalid_time_zone",
    )


def test_make_calendar_defaults():
    calendar = business_time.make_calendar()
    assert calendar == business_time.Calendar(
        time_zone="UTC", hours=(((540, 1020),),) * 5 + (NONE, NONE), holidays=frozenset(), is_24x7=False
    )
    assert calendar.tz == ZoneInfo("UTC")
    assert business_time.make_calendar(working_hours={}).hours == (NONE,) * 7


def test_make_calendar_keeps_what_it_is_given():
    calendar = business_time.make_calendar(
        time_zone="Asia/Tokyo", working_hours={"mon": [["10:00", "11:00"]]}, holidays=[date(2025, 1, 1)], is_24x7=True
    )
    assert calendar == business_time.Calendar(
        time_zone="Asia/Tokyo",
        hours=(((600, 660),),) + (NONE,) * 6,
        holidays=frozenset({date(2025, 1, 1)}),
        is_24x7=True,
    )
    assert calendar.tz == ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../etc/passwd"])
def test_make_calendar_refuses_an_unknown_zone(zone):
    with pytest.raises(ValueError) as exc:
        business_time.make_calendar(time_zone=zone)
    assert str(exc.value) == f"Unknown time zone '{zone}'."


def test_naive_datetimes_and_negative_minutes_are_refused_with_these_words():
    calendar = business_time.make_calendar()
    for call in (
        lambda: business_time.business_minutes_between(MON_9, datetime(2025, 1, 6, 10), calendar),
        lambda: business_time.add_business_minutes(datetime(2025, 1, 6, 10), 5, calendar),
        lambda: business_time.BusinessTimeline(calendar, since=datetime(2025, 1, 6), until=MON_9),
        lambda: business_time.BusinessTimeline(calendar, since=MON_9, until=datetime(2025, 1, 9)),
        lambda: business_time.BusinessTimeline(business_time.CALENDAR_24X7, since=MON_9, until=datetime(2025, 1, 9)),
    ):
        with pytest.raises(ValueError) as exc:
            call()
        assert str(exc.value) == "SLA arithmetic needs aware datetimes."
    for call in (
        lambda: business_time.add_business_minutes(MON_9, -0.5, calendar),
        lambda: business_time.BusinessTimeline(
            calendar, since=MON_9, until=MON_9 + timedelta(days=9)
        ).add_business_minutes(MON_9 + timedelta(hours=1), -1),
    ):
        with pytest.raises(ValueError) as exc:
            call()
        assert str(exc.value) == "minutes must not be negative."


def test_no_working_time_in_five_years_is_said_so():
    with pytest.raises(ValueError) as exc:
        business_time.add_business_minutes(MON_9, 1, business_time.make_calendar(working_hours={}))
    assert str(exc.value) == "The calendar has no working time in the next five years."


@pytest.mark.parametrize(
    ("calendar", "start", "minutes", "due"),
    [
        pytest.param(
            business_time.CALENDAR_24X7,
            datetime(2025, 1, 6, 4, tzinfo=NY),
            90,
            datetime(2025, 1, 6, 10, 30, tzinfo=UTC),
            id="24x7",
        ),
        pytest.param(
            business_time.make_calendar(),
            datetime(2025, 1, 6, 4, tzinfo=NY),
            0,
            datetime(2025, 1, 6, 9, tzinfo=UTC),
            id="zero",
        ),
        pytest.param(
            business_time.make_calendar(),
            datetime(2025, 1, 6, 4, tzinfo=NY),
            59.5,
            datetime(2025, 1, 6, 9, 59, 30, tzinfo=UTC),
            id="half-minute",
        ),
        pytest.param(
            business_time.make_calendar(),
            datetime(2025, 1, 6, 16, 59, tzinfo=UTC),
            2,
            datetime(2025, 1, 7, 9, 1, tzinfo=UTC),
            id="over-the-close",
        ),
        pytest.param(
            business_time.make_calendar(),
            datetime(2025, 1, 6, 17, tzinfo=UTC),
            1,
            datetime(2025, 1, 7, 9, 1, tzinfo=UTC),
            id="at-the-close",
        ),
    ],
)
def test_add_business_minutes_answers_in_utc(calendar, start, minutes, due):
    result = business_time.add_business_minutes(start, minutes, calendar)
    assert (result, result.tzinfo) == (due, UTC)


@pytest.mark.parametrize(
    ("calendar", "start", "end", "minutes"),
    [
        pytest.param(business_time.CALENDAR_24X7, MON_9, MON_9 + timedelta(seconds=90), 1.5, id="24x7-seconds"),
        pytest.param(business_time.make_calendar(), MON_9, MON_9 + timedelta(seconds=90), 1.5, id="seconds"),
        pytest.param(
            business_time.make_calendar(), MON_9 + timedelta(hours=8), MON_9 + timedelta(hours=24), 0, id="closed"
        ),
        pytest.param(
            business_time.make_calendar(),
            MON_9 + timedelta(hours=8),
            MON_9 + timedelta(hours=25),
            60,
            id="next-morning",
        ),
        pytest.param(business_time.make_calendar(), MON_9, MON_9, 0, id="no-time"),
        pytest.param(
            business_time.make_calendar(working_hours={"mon": [["22:00", "06:00"]]}),
            datetime(2025, 1, 7, 5, tzinfo=UTC),
            datetime(2025, 1, 7, 5, 30, tzinfo=UTC),
            30,
            id="inside-last-nights-shift",
        ),
    ],
)
def test_business_minutes_between_exact(calendar, start, end, minutes):
    assert business_time.business_minutes_between(start, end, calendar) == minutes


def test_a_timeline_gives_the_hand_computed_instants():
    calendar = business_time.make_calendar()
    timeline = business_time.BusinessTimeline(
        calendar, since=MON_9 - timedelta(days=3), until=MON_9 + timedelta(days=14)
    )
    assert timeline.add_business_minutes(MON_9, 0) == MON_9
    assert timeline.add_business_minutes(MON_9 + timedelta(hours=7), 90) == datetime(2025, 1, 7, 9, 30, tzinfo=UTC)
    assert timeline.add_business_minutes(MON_9 - timedelta(hours=1), 60) == datetime(2025, 1, 6, 10, tzinfo=UTC)
    assert timeline.add_business_minutes(MON_9 + timedelta(hours=8), 480) == datetime(2025, 1, 7, 17, tzinfo=UTC)
    assert timeline.add_business_minutes(datetime(2025, 1, 4, 12, tzinfo=UTC), 1) == datetime(
        2025, 1, 6, 9, 1, tzinfo=UTC
    )
    assert timeline.add_business_minutes(MON_9, 0.001) == MON_9 + timedelta(milliseconds=60)
    assert (timeline.since, timeline.until) == (MON_9 - timedelta(days=3), MON_9 + timedelta(days=14))


def test_a_timeline_starts_with_the_interval_holding_since():
    calendar = business_time.make_calendar()
    timeline = business_time.BusinessTimeline(
        calendar, since=MON_9 + timedelta(hours=2), until=MON_9 + timedelta(days=1)
    )
    assert (timeline.begins, timeline.ends) == (
        [MON_9, MON_9 + timedelta(days=1)],
        [MON_9 + timedelta(hours=8), MON_9 + timedelta(days=1, hours=8)],
    )
    assert timeline.cum_end == [8 * 3600 * 10**6, 16 * 3600 * 10**6]


def test_a_24x7_or_empty_timeline_holds_no_intervals():
    for calendar in (business_time.CALENDAR_24X7, business_time.make_calendar(working_hours={})):
        timeline = business_time.BusinessTimeline(calendar, since=MON_9, until=MON_9 + timedelta(days=3))
        assert (timeline.begins, timeline.ends, timeline.cum_end) == ([], [], [])
    timeline = business_time.BusinessTimeline(business_time.CALENDAR_24X7, since=MON_9, until=MON_9 + timedelta(days=3))
    assert timeline.add_business_minutes(MON_9, 90) == MON_9 + timedelta(minutes=90)


def test_micros():
    assert business_time._micros(timedelta(days=1, seconds=2, microseconds=3)) == 86_402_000_003
    assert business_time._micros(timedelta(microseconds=-1)) == -1


def test_inside_its_window_a_timeline_walks_the_calendar_no_more(monkeypatch):
    """Its window's bounds included: the instants come from the intervals walked when it was built
    (a second walk, the slow path it exists to avoid, fails the test)."""
    calendar = business_time.make_calendar()
    since, until = MON_9 + timedelta(hours=1), MON_9 + timedelta(days=1, hours=1)  # Monday 10:00, Tuesday 10:00
    timeline = business_time.BusinessTimeline(calendar, since=since, until=until)

    def walk(*args):
        raise AssertionError("walked the calendar again")

    monkeypatch.setattr(business_time, "_intervals_from", walk)
    assert timeline.add_business_minutes(since, 60) == datetime(2025, 1, 6, 11, tzinfo=UTC)
    assert timeline.add_business_minutes(since, 480) == datetime(2025, 1, 7, 10, tzinfo=UTC)  # 420 + 60
    assert timeline.add_business_minutes(until, 30) == datetime(2025, 1, 7, 10, 30, tzinfo=UTC)
    monday_16_30 = MON_9 + timedelta(hours=7, minutes=30)
    assert timeline.add_business_minutes(monday_16_30, 30) == datetime(2025, 1, 6, 17, tzinfo=UTC)
