"""tickets/sla/clock.py replayed by hand: each log entry's effect on a clock, pause minutes rounded
on the calendar, and due and warning times worked out in business minutes (no database; found by
mutation testing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tickets import business_time
from tickets.sla.clock import DUE_FIELD, KINDS, METRICS, WARN_FIELD, Clock, Entry, Pause, Targets, due_times, replay

H24 = business_time.CALENDAR_24X7
DESK = business_time.make_calendar()  # Mon-Fri 09:00-17:00 UTC
T0 = datetime(2025, 1, 6, 10, tzinfo=UTC)  # a Monday


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_the_vocabulary():
    assert METRICS == ("first_response", "next_reply", "resolution")
    assert KINDS == ("started", "paused", "resumed", "achieved", "breached")
    assert DUE_FIELD == {
        "first_response": "first_response_due_at",
        "next_reply": "next_reply_due_at",
        "resolution": "resolution_due_at",
    }
    assert WARN_FIELD == {"first_response": "first_response_warn_at", "resolution": "resolution_warn_at"}


def test_an_empty_log_gives_three_idle_clocks():
    clocks = replay([], H24)
    assert clocks == {metric: Clock(metric) for metric in METRICS}
    assert [(c.is_running, c.is_open, c.paused_minutes) for c in clocks.values()] == [(False, False, 0)] * 3


def test_started_runs_the_clock():
    clock = replay([Entry("resolution", "started", at(0))], H24)["resolution"]
    assert clock == Clock("resolution", started_at=at(0))
    assert (clock.is_running, clock.is_open) == (True, True)


@pytest.mark.parametrize(
    ("carried", "pauses"), [(15, [Pause(at(0), at(0), 15, "before the event log")]), (0, []), (None, [])]
)
def test_minutes_paused_before_the_log_are_carried(carried, pauses):
    clock = replay([Entry("resolution", "started", at(0), {"paused_minutes": carried})], H24)["resolution"]
    assert clock.pauses == pauses
    assert clock.paused_minutes == (carried or 0)


def test_entries_before_a_start_are_ignored():
    entries = [Entry("resolution", kind, at(i)) for i, kind in enumerate(("paused", "resumed", "achieved", "breached"))]
    assert replay(entries, H24)["resolution"] == Clock("resolution")


def test_an_entry_for_an_idle_clock_does_not_stop_the_replay():
    """A late next-reply `achieved` (its clock never started) is skipped; the entries after it count."""
    entries = [
        Entry("next_reply", "achieved", at(0)),
        Entry("resolution", "started", at(1)),
        Entry("first_response", "started", at(2)),
    ]
    assert replay(entries, H24) == {
        "first_response": Clock("first_response", started_at=at(2)),
        "next_reply": Clock("next_reply"),
        "resolution": Clock("resolution", started_at=at(1)),
    }


def test_a_pause_records_its_reason_and_a_second_pause_changes_nothing():
    clock = replay(
        [
            Entry("resolution", "started", at(0)),
            Entry("resolution", "paused", at(10), {"status": "on_hold"}),
            Entry("resolution", "paused", at(20), {"status": "pending"}),
        ],
        H24,
    )["resolution"]
    assert (clock.paused_since, clock.pauses) == (at(10), [Pause(at(10), None, 0, "on_hold")])
    assert (clock.is_running, clock.is_open) == (False, True)


def test_a_pause_without_a_status_is_called_paused():
    entries = [Entry("first_response", "started", at(0)), Entry("first_response", "paused", at(5))]
    assert replay(entries, H24)["first_response"].pauses == [Pause(at(5), None, 0, "paused")]


@pytest.mark.parametrize(
    ("calendar", "paused", "resumed", "minutes"),
    [
        pytest.param(H24, at(10), at(39) + timedelta(seconds=40), 30, id="rounded-up"),
        pytest.param(H24, at(10), at(39) + timedelta(seconds=20), 29, id="rounded-down"),
        pytest.param(
            DESK, datetime(2025, 1, 10, 16, tzinfo=UTC), datetime(2025, 1, 13, 10, tzinfo=UTC), 120, id="over-a-weekend"
        ),
        pytest.param(
            DESK, datetime(2025, 1, 11, 10, tzinfo=UTC), datetime(2025, 1, 12, 10, tzinfo=UTC), 0, id="inside-a-weekend"
        ),
    ],
)
def test_resuming_counts_the_business_minutes_paused(calendar, paused, resumed, minutes):
    clock = replay(
        [
            Entry("resolution", "started", paused - timedelta(hours=1)),
            Entry("resolution", "paused", paused, {"status": "pending"}),
            Entry("resolution", "resumed", resumed),
        ],
        calendar,
    )["resolution"]
    assert clock.pauses == [Pause(paused, resumed, minutes, "pending")]
    assert (clock.paused_since, clock.paused_minutes, clock.is_running) == (None, minutes, True)


def test_resuming_a_running_clock_changes_nothing():
    entries = [Entry("next_reply", "started", at(0)), Entry("next_reply", "resumed", at(5))]
    assert replay(entries, H24)["next_reply"] == Clock("next_reply", started_at=at(0))


def test_achieving_first_response_stops_it_for_good():
    clock = replay([Entry("first_response", "started", at(0)), Entry("first_response", "achieved", at(7))], H24)[
        "first_response"
    ]
    assert clock == Clock("first_response", started_at=at(0), achieved_at=at(7))
    assert (clock.is_running, clock.is_open) == (False, False)


def test_a_resolved_then_reopened_ticket_counts_the_time_done_as_paused():
    entries = [
        Entry("resolution", "started", at(0)),
        Entry("resolution", "achieved", at(60), {"status": "closed"}),
        Entry("resolution", "resumed", at(100)),
    ]
    done = replay(entries[:2], H24)["resolution"]
    assert (done.achieved_at, done.paused_since, done.pauses) == (at(60), at(60), [Pause(at(60), None, 0, "closed")])
    reopened = replay(entries, H24)["resolution"]
    assert (reopened.achieved_at, reopened.paused_since) == (None, None)
    assert reopened.pauses == [Pause(at(60), at(100), 40, "closed")]


def test_a_resolution_achieved_without_a_status_is_called_resolved():
    entries = [Entry("resolution", "started", at(0)), Entry("resolution", "achieved", at(5))]
    assert replay(entries, H24)["resolution"].pauses == [Pause(at(5), None, 0, "resolved")]


def test_the_first_breach_is_kept():
    entries = [
        Entry("next_reply", "started", at(0)),
        Entry("next_reply", "breached", at(61)),
        Entry("next_reply", "breached", at(90)),
    ]
    assert replay(entries, H24)["next_reply"].breached_at == at(61)


def test_starting_again_begins_a_new_clock():
    entries = [
        Entry("next_reply", "started", at(0)),
        Entry("next_reply", "paused", at(5)),
        Entry("next_reply", "breached", at(6)),
        Entry("next_reply", "achieved", at(7)),
        Entry("next_reply", "started", at(30)),
    ]
    assert replay(entries, H24) == {
        "first_response": Clock("first_response"),
        "next_reply": Clock("next_reply", started_at=at(30)),
        "resolution": Clock("resolution"),
    }


def test_due_and_warning_times_add_the_paused_minutes():
    clock = Clock("resolution", started_at=at(0), pauses=[Pause(at(10), at(40), 30, "pending")])
    assert clock.due_at(120, H24) == at(150)
    assert clock.warn_at(120, 0.75, H24) == at(90 + 30)
    assert clock.warn_at(99, 0.8, H24) == at(79 + 30)  # floor(79.2)
    assert clock.due_at(None, H24) is None
    assert clock.warn_at(None, 0.8, H24) is None
    assert Clock("resolution").due_at(120, H24) is None
    assert Clock("resolution").warn_at(120, 0.8, H24) is None


def test_due_times_on_business_hours():
    """Started Monday 10:00, first response 60 min, resolution 480 min, 30 paused, next reply open."""
    clocks = {
        "first_response": Clock("first_response", started_at=T0, achieved_at=T0 + timedelta(minutes=20)),
        "next_reply": Clock("next_reply", started_at=datetime(2025, 1, 6, 16, 30, tzinfo=UTC)),
        "resolution": Clock("resolution", started_at=T0, pauses=[Pause(T0, T0, 30, "pending")]),
    }
    targets = Targets(first_response=60, next_reply=90, resolution=480)
    assert due_times(clocks, targets, DESK, warning_ratio=0.5) == {
        "first_response_due_at": datetime(2025, 1, 6, 11, tzinfo=UTC),
        "first_response_warn_at": datetime(2025, 1, 6, 10, 30, tzinfo=UTC),
        # 30 minutes on Monday, 60 on Tuesday
        "next_reply_due_at": datetime(2025, 1, 7, 10, tzinfo=UTC),
        # 510 minutes: Monday 10-17 (420), Tuesday 9-10:30 (90)
        "resolution_due_at": datetime(2025, 1, 7, 10, 30, tzinfo=UTC),
        # 240 + 30 = 270 minutes: Monday 10:00-14:30
        "resolution_warn_at": datetime(2025, 1, 6, 14, 30, tzinfo=UTC),
    }


def test_no_next_reply_due_time_unless_its_clock_is_open():
    targets = Targets(first_response=None, next_reply=90, resolution=None)
    achieved = {m: Clock(m) for m in METRICS} | {"next_reply": Clock("next_reply", started_at=T0, achieved_at=T0)}
    assert due_times(achieved, targets, H24, warning_ratio=0.8) == dict.fromkeys(
        (
            "first_response_due_at",
            "first_response_warn_at",
            "next_reply_due_at",
            "resolution_due_at",
            "resolution_warn_at",
        )
    )
    paused = {m: Clock(m) for m in METRICS} | {"next_reply": Clock("next_reply", started_at=T0, paused_since=T0)}
    assert due_times(paused, targets, H24, warning_ratio=0.8)["next_reply_due_at"] == T0 + timedelta(minutes=90)


def test_targets_by_metric():
    targets = Targets(first_response=1, next_reply=2, resolution=3)
    assert [targets.minutes(metric) for metric in METRICS] == [1, 2, 3]
