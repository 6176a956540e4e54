"""`rules.sla_summary`: a row's SLA state and time left from one look at its targets (what the API's
list shows per ticket). Every expected pair is written out by hand; the same table is then held
against `sla_state` and `time_remaining`, so the fast path and the two rules cannot drift apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from tests.tickets.sla.sla_tickets import T0, make
from tickets.sla import rules

MIN = timedelta(minutes=1)


RESPONDED = {"first_responded_at": T0, "status": "in_progress"}
TABLE = [
    pytest.param(make(), T0 + 10 * MIN, ("ok", 50 * MIN), id="first-response-fresh"),
    pytest.param(make(), T0 + 48 * MIN, ("at_risk", 12 * MIN), id="first-response-at-the-warning"),
    pytest.param(make(), T0 + 60 * MIN, ("at_risk", timedelta(0)), id="first-response-at-the-due-time"),
    pytest.param(make(), T0 + 61 * MIN, ("breached", -MIN), id="first-response-overdue"),
    pytest.param(make(first_response_warn_at=None), T0 + 59 * MIN, ("ok", MIN), id="first-response-no-warning"),
    pytest.param(make(**RESPONDED), T0 + 383 * MIN, ("ok", 97 * MIN), id="resolution-before-the-warning"),
    pytest.param(make(**RESPONDED), T0 + 384 * MIN, ("at_risk", 96 * MIN), id="resolution-at-the-warning"),
    pytest.param(make(**RESPONDED), T0 + 481 * MIN, ("breached", -MIN), id="resolution-overdue"),
    pytest.param(
        make(**{**RESPONDED, "status": "pending"}, sla_paused_at=T0 + 400 * MIN),
        T0 + 900 * MIN,
        ("ok", 80 * MIN),
        id="paused-frozen-and-never-at-risk",
    ),
    pytest.param(
        make(**{**RESPONDED, "status": "on_hold"}, sla_paused_at=T0 + 500 * MIN),
        T0 + 900 * MIN,
        ("breached", -20 * MIN),
        id="paused-after-the-due-time",
    ),
    pytest.param(
        make(**{**RESPONDED, "status": "pending"}, sla_paused_at=T0 + 900 * MIN),
        T0 + 400 * MIN,
        ("ok", 80 * MIN),
        id="pause-stamped-after-now-leaves-now",
    ),
    pytest.param(
        make(**RESPONDED, next_reply_due_at=T0 + 120 * MIN),
        T0 + 110 * MIN,
        ("ok", 10 * MIN),
        id="next-reply-never-at-risk",
    ),
    pytest.param(
        make(**RESPONDED, next_reply_due_at=T0 + 120 * MIN),
        T0 + 125 * MIN,
        ("breached", -5 * MIN),
        id="next-reply-overdue",
    ),
    pytest.param(
        make(**RESPONDED, next_reply_due_at=T0 + 600 * MIN),
        T0 + 400 * MIN,
        ("at_risk", 80 * MIN),
        id="next-reply-after-resolution-races-resolution",
    ),
    pytest.param(
        make(**RESPONDED, sla_breached_at=T0 + MIN), T0 + 2 * MIN, ("breached", 478 * MIN), id="stamped-breach"
    ),
    pytest.param(make(status="resolved", resolved_at=T0), T0 + 900 * MIN, ("none", None), id="done"),
    pytest.param(
        make(status="closed", sla_breached_at=T0 + 61 * MIN), T0 + 900 * MIN, ("breached", None), id="done-breached"
    ),
    pytest.param(make(first_response_due_at=None, resolution_due_at=None), T0, ("none", None), id="no-targets"),
]


@pytest.mark.parametrize(("ticket", "now", "expected"), TABLE)
def test_summary(ticket, now, expected):
    assert rules.sla_summary(ticket, now=now) == expected


@pytest.mark.parametrize(("ticket", "now", "expected"), TABLE)
def test_the_summary_is_the_two_rules(ticket, now, expected):
    assert (rules.sla_state(ticket, now=now), rules.time_remaining(ticket, now=now)) == expected


@freeze_time(T0 + 30 * MIN)
def test_the_summary_defaults_to_now():
    assert rules.sla_summary(make()) == ("ok", 30 * MIN)
