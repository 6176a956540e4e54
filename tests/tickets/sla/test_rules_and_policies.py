"""tickets/sla/: the pure rules, as tables (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tickets.sla.sla_tickets import make  # its T0 is this file's T0
from tickets import business_time
from tickets.sla import policies, rules

BUSINESS = business_time.make_calendar()  # Mon-Fri 09:00-17:00 UTC
H24 = business_time.CALENDAR_24X7
NEW_YORK = business_time.make_calendar(time_zone="America/New_York")
TOKYO = business_time.make_calendar(time_zone="Asia/Tokyo")
WITH_HOLIDAY = business_time.make_calendar(holidays=[date(2025, 1, 7)])  # Tuesday
ALL_DAY_LONDON = business_time.make_calendar(
    time_zone="Europe/London", working_hours={day: [["00:00", "24:00"]] for day in business_time.WEEKDAYS}
)
NIGHT_SHIFT = business_time.make_calendar(working_hours={"mon": [["22:00", "06:00"]]})  # Monday night only
NY = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# 2025-01-06 is a Monday.
MON = (2025, 1, 6)


@pytest.mark.parametrize(
    ("calendar", "start", "end", "minutes"),
    [
        pytest.param(BUSINESS, utc(*MON, 9), utc(2025, 1, 7, 9), 480, id="monday-9-to-tuesday-9-is-8h"),
        pytest.param(BUSINESS, utc(*MON, 10, 30), utc(*MON, 12), 90, id="same-day-partial"),
        pytest.param(BUSINESS, utc(*MON, 16), utc(2025, 1, 7, 10), 120, id="overnight"),
        pytest.param(BUSINESS, utc(2025, 1, 10, 16), utc(2025, 1, 13, 10), 120, id="over-the-weekend"),
        pytest.param(BUSINESS, utc(2025, 1, 11, 10), utc(2025, 1, 12, 18), 0, id="inside-a-weekend"),
        pytest.param(BUSINESS, utc(*MON, 7), utc(*MON, 10), 60, id="starts-before-hours"),
        pytest.param(BUSINESS, utc(*MON, 18), utc(2025, 1, 7, 8), 0, id="night-only"),
        pytest.param(BUSINESS, utc(*MON), utc(2025, 1, 13), 2400, id="whole-week"),
        pytest.param(BUSINESS, utc(2025, 1, 7, 9), utc(*MON, 9), -480, id="reversed-is-negative"),
        pytest.param(WITH_HOLIDAY, utc(*MON, 9), utc(2025, 1, 8, 9), 480, id="holiday-skipped"),
        pytest.param(H24, utc(*MON, 9), utc(2025, 1, 7, 9), 1440, id="24x7-is-wall-clock"),
        pytest.param(NEW_YORK, utc(*MON, 13), utc(*MON, 23), 480, id="new-york-hours-in-utc"),
        pytest.param(BUSINESS, utc(*MON, 13), utc(*MON, 23), 240, id="same-span-utc-calendar"),
        pytest.param(TOKYO, utc(2025, 1, 5, 23), utc(*MON, 9), 480, id="tokyo-day-is-utc-night"),
        # America/New_York springs forward on Sunday 2025-03-09: Fri 16:00 EST -> Mon 10:00 EDT.
        pytest.param(NEW_YORK, utc(2025, 3, 7, 21), utc(2025, 3, 10, 14), 120, id="dst-spring-forward-weekend"),
        # A calendar working around the clock: the DST days are 23 h and 25 h long.
        pytest.param(ALL_DAY_LONDON, utc(2024, 3, 30), utc(2024, 3, 31, 23), 47 * 60, id="dst-23-hour-day"),
        pytest.param(ALL_DAY_LONDON, utc(2024, 10, 25, 23), utc(2024, 10, 28), 49 * 60, id="dst-25-hour-day"),
        pytest.param(NIGHT_SHIFT, utc(*MON, 23), utc(2025, 1, 7, 5), 360, id="overnight-shift"),
        pytest.param(NIGHT_SHIFT, utc(2025, 1, 7, 5), utc(2025, 1, 7, 7), 60, id="overnight-shift-end"),
        pytest.param(
            business_time.make_calendar(working_hours={}), utc(*MON), utc(2025, 1, 8), 0, id="no-hours-at-all"
        ),
    ],
)
def test_business_minutes_between(calendar, start, end, minutes):
    assert business_time.business_minutes_between(start, end, calendar) == minutes


@pytest.mark.parametrize(
    ("calendar", "start", "minutes", "due"),
    [
        pytest.param(BUSINESS, utc(*MON, 9), 480, utc(*MON, 17), id="full-day-ends-at-close"),
        pytest.param(BUSINESS, utc(*MON, 16), 120, utc(2025, 1, 7, 10), id="overnight"),
        pytest.param(BUSINESS, utc(2025, 1, 10, 16), 120, utc(2025, 1, 13, 10), id="over-the-weekend"),
        pytest.param(BUSINESS, utc(2025, 1, 10, 17), 1, utc(2025, 1, 13, 9, 1), id="friday-close-plus-1"),
        pytest.param(BUSINESS, utc(2025, 1, 11, 12), 60, utc(2025, 1, 13, 10), id="from-a-saturday"),
        pytest.param(BUSINESS, utc(*MON, 18), 60, utc(2025, 1, 7, 10), id="after-hours"),
        pytest.param(BUSINESS, utc(2025, 1, 11, 12), 0, utc(2025, 1, 11, 12), id="zero-minutes"),
        pytest.param(WITH_HOLIDAY, utc(*MON, 16), 120, utc(2025, 1, 8, 10), id="holiday-skipped"),
        pytest.param(H24, utc(2025, 1, 10, 16), 120, utc(2025, 1, 10, 18), id="24x7-wall-clock"),
        pytest.param(TOKYO, utc(*MON), 480, utc(*MON, 8), id="tokyo"),
        pytest.param(
            NEW_YORK,
            datetime(2025, 3, 7, 16, tzinfo=NY),
            120,
            datetime(2025, 3, 10, 10, tzinfo=NY),
            id="dst-weekend-new-york",
        ),
        pytest.param(NIGHT_SHIFT, utc(*MON, 12), 60, utc(*MON, 23), id="night-shift"),
        pytest.param(
            business_time.make_calendar(holidays=[date(2025, 12, 25), date(2025, 12, 26)]),
            utc(2025, 12, 24, 16),
            120,
            utc(2025, 12, 29, 10),
            id="christmas-and-weekend",
        ),
    ],
)
def test_add_business_minutes(calendar, start, minutes, due):
    result = business_time.add_business_minutes(start, minutes, calendar)

    assert result == due
    assert result.utcoffset() == timedelta(0)


def test_dst_due_time_keeps_local_wall_clock():
    due = business_time.add_business_minutes(datetime(2025, 3, 7, 16, tzinfo=NY), 120, NEW_YORK)

    assert due == utc(2025, 3, 10, 14)  # 10:00 EDT is UTC-4, where Friday was UTC-5
    assert due.astimezone(NY).hour == 10


@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)),
    minutes=st.integers(min_value=0, max_value=20_000),
)
@settings(max_examples=60, deadline=None)
def test_add_then_measure_round_trips(start, minutes):
    due = business_time.add_business_minutes(start, minutes, NEW_YORK)

    assert business_time.business_minutes_between(start, due, NEW_YORK) == pytest.approx(minutes, abs=1e-6)


def test_arithmetic_refuses_naive_datetimes_and_negative_minutes():
    with pytest.raises(ValueError, match="aware"):
        business_time.business_minutes_between(datetime(2025, 1, 6), utc(*MON), BUSINESS)
    with pytest.raises(ValueError, match="negative"):
        business_time.add_business_minutes(utc(*MON), -1, BUSINESS)


def test_a_calendar_without_working_time_cannot_place_a_due_time():
    with pytest.raises(ValueError, match="no working time"):
        business_time.add_business_minutes(utc(*MON), 60, business_time.make_calendar(working_hours={}))


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        pytest.param([], "object", id="not-an-object"),
        pytest.param({"funday": []}, "Unknown day", id="unknown-day"),
        pytest.param({"mon": "09:00-17:00"}, "list of", id="not-a-list"),
        pytest.param({"mon": [["9:00", "17:00"]]}, "HH:MM", id="bad-time"),
        pytest.param({"mon": [["09:00"]]}, "HH:MM", id="half-pair"),
        pytest.param({"mon": [["24:00", "06:00"]]}, "24:00", id="start-at-24"),
        pytest.param({"mon": [["09:00", "13:00"], ["12:00", "17:00"]]}, "overlap", id="overlapping"),
    ],
)
def test_invalid_working_hours_are_refused_with_the_reason(hours, message):
    with pytest.raises(ValueError, match=message):
        business_time.parse_working_hours(hours)
    with pytest.raises(ValidationError):
        business_time.validate_working_hours(hours)


def test_time_zone_validation():
    business_time.validate_time_zone("Europe/Paris")
    with pytest.raises(ValidationError, match="Mars/Olympus"):
        business_time.validate_time_zone("Mars/Olympus")
    with pytest.raises(ValueError, match="Unknown time zone"):
        business_time.make_calendar(time_zone="Mars/Olympus")


# --- due times per tier and priority -------------------------------------------------------------

POLICY = policies.PolicySpec(
    calendar=H24,
    targets={
        ("critical", ""): policies.Target(60, 480),
        ("critical", "enterprise"): policies.Target(30, 240),
        ("high", ""): policies.Target(240, 1440),
        ("high", "premium"): policies.Target(120, None),
        ("low", ""): policies.Target(4320, None),
    },
)
T0 = utc(*MON, 10)


@pytest.mark.parametrize(
    ("priority", "tier", "first_response", "resolution"),
    [
        pytest.param("critical", "free", 60, 480, id="critical-free-uses-tierless"),
        pytest.param("critical", None, 60, 480, id="critical-no-tier"),
        pytest.param("critical", "enterprise", 30, 240, id="critical-enterprise-tier-wins"),
        pytest.param("high", "basic", 240, 1440, id="high-basic"),
        pytest.param("high", "premium", 120, None, id="high-premium-no-resolution-target"),
        pytest.param("low", "enterprise", 4320, None, id="low-enterprise-falls-back"),
        pytest.param("medium", "free", None, None, id="medium-has-no-row"),
    ],
)
def test_due_times_per_tier_and_priority(priority, tier, first_response, resolution):
    due = policies.compute_due_times(start=T0, priority=priority, tier=tier, policy=POLICY)

    def at(minutes):
        return None if minutes is None else T0 + timedelta(minutes=minutes)

    assert due.first_response_due_at == at(first_response)
    assert due.resolution_due_at == at(resolution)
    assert due.first_response_warn_at == at(None if first_response is None else first_response * 0.8)
    assert due.resolution_warn_at == at(None if resolution is None else resolution * 0.8)


@pytest.mark.parametrize(
    ("priority", "first_response_due"),
    [
        pytest.param("critical", utc(2025, 1, 13, 9, 30), id="critical-1h"),
        pytest.param("high", utc(2025, 1, 13, 12, 30), id="high-4h"),
        pytest.param("medium", utc(2025, 1, 15, 16, 30), id="medium-24h-is-3-business-days"),
        pytest.param("low", utc(2025, 1, 23, 16, 30), id="low-72h-is-9-business-days"),
    ],
)
def test_default_policy_in_business_hours_from_friday_afternoon(priority, first_response_due):
    due = policies.compute_due_times(
        start=utc(2025, 1, 10, 16, 30), priority=priority, tier=None, policy=policies.default_policy()
    )

    assert due.first_response_due_at == first_response_due


def test_paused_minutes_push_resolution_only():
    due = policies.compute_due_times(start=T0, priority="critical", tier=None, policy=POLICY, paused_minutes=90)

    assert due.first_response_due_at == T0 + timedelta(minutes=60)
    assert due.resolution_due_at == T0 + timedelta(minutes=480 + 90)


# --- a ticket's state ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ticket", "now", "remaining", "state"),
    [
        pytest.param(make(), T0 + timedelta(minutes=10), timedelta(minutes=50), "ok", id="fresh"),
        pytest.param(make(), T0 + timedelta(minutes=50), timedelta(minutes=10), "at_risk", id="past-80-percent"),
        pytest.param(make(), T0 + timedelta(hours=2), timedelta(hours=-1), "breached", id="overdue-negative"),
        pytest.param(
            make(first_responded_at=T0 + timedelta(minutes=5)),
            T0 + timedelta(hours=2),
            timedelta(hours=6),
            "ok",
            id="responded-races-resolution",
        ),
        pytest.param(
            make(first_responded_at=T0, status="pending", sla_paused_at=T0 + timedelta(hours=1)),
            T0 + timedelta(hours=30),
            timedelta(hours=7),
            "ok",
            id="pending-clock-frozen",
        ),
        pytest.param(
            make(first_responded_at=T0, status="in_progress"),
            T0 + timedelta(hours=7),
            timedelta(hours=1),
            "at_risk",
            id="resolution-at-risk",
        ),
        pytest.param(make(status="resolved", resolved_at=T0), T0 + timedelta(days=3), None, "none", id="done"),
        pytest.param(
            make(sla_breached_at=T0, first_responded_at=T0),
            T0 + timedelta(minutes=1),
            timedelta(minutes=479),
            "breached",
            id="stamped-stays-breached",
        ),
        pytest.param(make(first_response_due_at=None, resolution_due_at=None), T0, None, "none", id="no-targets"),
    ],
)
def test_time_remaining_and_state(ticket, now, remaining, state):
    assert rules.time_remaining(ticket, now=now) == remaining
    assert rules.sla_state(ticket, now=now) == state
    assert rules.sla_summary(ticket, now=now) == (state, remaining)
    assert rules.is_breached(ticket, now=now) is (state == "breached")
    assert rules.is_at_risk(ticket, now=now) is (state == "at_risk")


def test_pending_ticket_is_never_at_risk_on_resolution():
    ticket = make(first_responded_at=T0, status="pending", sla_paused_at=T0 + timedelta(hours=7))

    assert rules.is_at_risk(ticket, now=T0 + timedelta(hours=7, minutes=30)) is False


@pytest.mark.parametrize(
    ("ticket", "now", "missed"),
    [
        pytest.param(make(), T0, [], id="nothing-yet"),
        pytest.param(make(), T0 + timedelta(hours=2), ["first_response"], id="first-response"),
        pytest.param(
            make(first_responded_at=T0 + timedelta(hours=2)),
            T0 + timedelta(hours=3),
            ["first_response"],
            id="late-reply",
        ),
        pytest.param(
            make(first_responded_at=T0), T0 + timedelta(hours=9), ["resolution"], id="resolution-running-late"
        ),
        pytest.param(
            make(first_responded_at=T0, status="resolved", resolved_at=T0 + timedelta(hours=1)),
            T0 + timedelta(days=9),
            [],
            id="resolved-in-time",
        ),
        pytest.param(
            make(status="closed", resolved_at=T0 + timedelta(hours=9)),
            T0 + timedelta(days=9),
            ["first_response", "resolution"],
            id="closed-late-without-reply",
        ),
        pytest.param(
            make(first_responded_at=T0, status="pending", sla_paused_at=T0 + timedelta(hours=1)),
            T0 + timedelta(days=2),
            [],
            id="pending-paused-before-due",
        ),
    ],
)
def test_missed_targets(ticket, now, missed):
    assert rules.missed_targets(ticket, now=now) == missed


def test_a_shift_erased_by_the_dst_gap_counts_nothing():
    """A Sunday 02:00-03:00 shift in New York: on 2025-03-09 02:00 jumps to 03:00, the shift is gone."""
    calendar = business_time.make_calendar(time_zone="America/New_York", working_hours={"sun": [["02:00", "03:00"]]})

    assert business_time.business_minutes_between(utc(2025, 3, 8), utc(2025, 3, 10), calendar) == 0
    assert business_time.business_minutes_between(utc(2025, 3, 15), utc(2025, 3, 17), calendar) == 60


def test_time_remaining_defaults_to_now():
    from freezegun import freeze_time

    with freeze_time(T0 + timedelta(minutes=15)):
        assert rules.time_remaining(make()) == timedelta(minutes=45)
