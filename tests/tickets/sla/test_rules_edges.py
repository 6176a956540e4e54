"""tickets/sla/rules.py at its edges: the exact instant a target falls due or a warning starts, which
target a ticket races when two fall due together, and the queryset rules matched against the same
tickets. Every expected value is written out by hand (found by mutation testing)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from model_bakery import baker

from tests.tickets.sla.sla_tickets import T0, make
from tickets.models import Ticket
from tickets.sla import rules

US = timedelta(microseconds=1)
ACTIVE = ("open", "in_progress", "pending", "on_hold")


def test_the_constants():
    assert frozenset({"pending", "on_hold", "resolved", "closed"}) == rules.PAUSED_STATUSES
    assert frozenset(ACTIVE) == rules.ACTIVE_STATUSES


@pytest.mark.parametrize(
    ("now", "state", "missed"),
    [
        pytest.param(T0 + timedelta(minutes=48) - US, "ok", [], id="just-before-the-warning"),
        pytest.param(T0 + timedelta(minutes=48), "at_risk", [], id="at-the-warning"),
        pytest.param(T0 + timedelta(hours=1), "at_risk", [], id="at-the-due-time"),
        pytest.param(T0 + timedelta(hours=1) + US, "breached", ["first_response"], id="just-after"),
    ],
)
def test_first_response_edges(now, state, missed):
    ticket = make()
    assert rules.sla_state(ticket, now=now) == state
    assert rules.sla_summary(ticket, now=now)[0] == state
    assert rules.is_breached(ticket, now=now) is (state == "breached")
    assert rules.is_at_risk(ticket, now=now) is (state == "at_risk")
    assert rules.missed_targets(ticket, now=now) == missed


@pytest.mark.parametrize(
    ("now", "state", "missed"),
    [
        pytest.param(T0 + timedelta(minutes=384) - US, "ok", [], id="just-before-the-warning"),
        pytest.param(T0 + timedelta(minutes=384), "at_risk", [], id="at-the-warning"),
        pytest.param(T0 + timedelta(hours=8), "at_risk", [], id="at-the-due-time"),
        pytest.param(T0 + timedelta(hours=8) + US, "breached", ["resolution"], id="just-after"),
    ],
)
def test_resolution_edges(now, state, missed):
    ticket = make(first_responded_at=T0, status="in_progress")
    assert rules.sla_state(ticket, now=now) == state
    assert rules.sla_summary(ticket, now=now)[0] == state
    assert rules.is_breached(ticket, now=now) is (state == "breached")
    assert rules.is_at_risk(ticket, now=now) is (state == "at_risk")
    assert rules.missed_targets(ticket, now=now) == missed


@pytest.mark.parametrize(
    ("ticket", "expected"),
    [
        pytest.param(make(), ("first_response", T0 + timedelta(hours=1)), id="first-response-first"),
        pytest.param(
            make(first_responded_at=T0, next_reply_due_at=T0 + timedelta(hours=2)),
            ("next_reply", T0 + timedelta(hours=2)),
            id="next-reply-before-resolution",
        ),
        pytest.param(
            make(first_responded_at=T0, next_reply_due_at=T0 + timedelta(hours=8)),
            ("resolution", T0 + timedelta(hours=8)),
            id="next-reply-due-with-resolution",
        ),
        pytest.param(
            make(first_responded_at=T0, next_reply_due_at=T0 + timedelta(hours=9)),
            ("resolution", T0 + timedelta(hours=8)),
            id="next-reply-after-resolution",
        ),
        pytest.param(
            make(first_responded_at=T0, resolution_due_at=None, next_reply_due_at=T0 + timedelta(hours=9)),
            ("next_reply", T0 + timedelta(hours=9)),
            id="next-reply-without-resolution",
        ),
        pytest.param(
            make(first_response_due_at=None, next_reply_due_at=T0 + timedelta(hours=2)),
            ("next_reply", T0 + timedelta(hours=2)),
            id="no-first-response-target",
        ),
        pytest.param(make(first_responded_at=T0, resolution_due_at=None), None, id="nothing-left"),
        *[
            pytest.param(make(status=status), None, id=status)
            for status in ("resolved", "closed")  # done: no target whatever the due times
        ],
        *[
            pytest.param(make(status=status), ("first_response", T0 + timedelta(hours=1)), id=status)
            for status in ACTIVE
        ],
    ],
)
def test_next_target(ticket, expected):
    assert rules.next_target(ticket) == expected


def test_a_ticket_without_next_reply_attributes_races_resolution():
    ticket = make(first_responded_at=T0)
    del ticket.next_reply_due_at
    assert rules.next_target(ticket) == ("resolution", T0 + timedelta(hours=8))


def test_a_done_ticket_without_a_resolved_at_attribute_is_judged_at_now():
    """resolved_at is not part of the SLA attributes: a done ticket without it counts up to `now`."""
    ticket = make(status="closed", sla_paused_at=T0 + timedelta(hours=9))
    del ticket.resolved_at
    assert rules.missed_targets(ticket, now=T0 + timedelta(hours=2)) == ["first_response"]
    assert rules.missed_targets(ticket, now=T0 + timedelta(hours=10)) == ["first_response", "resolution"]


def test_a_paused_resolution_clock_does_not_freeze_the_first_response_clock():
    ticket = make(status="pending", sla_paused_at=T0 + timedelta(minutes=10))
    assert rules.time_remaining(ticket, now=T0 + timedelta(minutes=30)) == timedelta(minutes=30)


def test_a_pause_stamped_after_now_leaves_now_as_it_is():
    ticket = make(first_responded_at=T0, status="pending", sla_paused_at=T0 + timedelta(hours=5))
    assert rules.time_remaining(ticket, now=T0 + timedelta(hours=2)) == timedelta(hours=6)


def test_racing_a_next_reply_is_never_at_risk_of_the_resolution_warning():
    ticket = make(first_responded_at=T0, status="open", next_reply_due_at=T0 + timedelta(hours=7))
    assert rules.is_at_risk(ticket, now=T0 + timedelta(hours=6, minutes=59)) is False
    assert rules.sla_state(ticket, now=T0 + timedelta(hours=6, minutes=59)) == "ok"


def test_no_warning_time_means_never_at_risk():
    ticket = make(first_response_warn_at=None)
    assert rules.sla_state(ticket, now=T0 + timedelta(minutes=59)) == "ok"


@pytest.mark.parametrize(
    ("ticket", "now", "missed"),
    [
        pytest.param(
            make(first_responded_at=T0, next_reply_due_at=T0 + timedelta(hours=2)),
            T0 + timedelta(hours=2),
            [],
            id="next-reply-at-its-due-time",
        ),
        pytest.param(
            make(first_responded_at=T0, next_reply_due_at=T0 + timedelta(hours=2)),
            T0 + timedelta(hours=2) + US,
            ["next_reply"],
            id="next-reply-just-after",
        ),
        pytest.param(
            make(
                first_responded_at=T0,
                status="resolved",
                resolved_at=T0 + timedelta(hours=1),
                next_reply_due_at=T0 + timedelta(minutes=30),
            ),
            T0 + timedelta(days=1),
            [],
            id="next-reply-of-a-done-ticket-is-not-late-by-the-clock",
        ),
        pytest.param(
            make(
                first_responded_at=T0,
                status="closed",
                resolved_at=T0 + timedelta(hours=1),
                next_reply_breached_at=T0 + timedelta(hours=3),
            ),
            T0 + timedelta(days=1),
            ["next_reply"],
            id="a-stamped-next-reply-breach-stays",
        ),
        pytest.param(
            make(status="resolved", resolved_at=T0 + timedelta(minutes=30)),
            T0 + timedelta(days=9),
            [],
            id="resolved-before-any-reply-counts-the-resolution-time",
        ),
        pytest.param(
            make(first_responded_at=T0, status="in_progress", resolved_at=T0 + timedelta(minutes=30)),
            T0 + timedelta(hours=9),
            ["resolution"],
            id="an-active-ticket-ignores-an-old-resolved-at",
        ),
        pytest.param(
            make(first_responded_at=T0, status="resolved", resolved_at=T0 + timedelta(hours=8)),
            T0 + timedelta(days=9),
            [],
            id="resolved-at-the-due-time",
        ),
        pytest.param(
            make(first_responded_at=T0, status="pending", sla_paused_at=T0 + timedelta(hours=8) + US),
            T0 + timedelta(days=2),
            ["resolution"],
            id="paused-just-after-the-due-time",
        ),
    ],
)
def test_missed_targets_edges(ticket, now, missed):
    assert rules.missed_targets(ticket, now=now) == missed


# --- the queryset rules, on tickets in the database -------------------------------------------------

NOW = T0 + timedelta(hours=10)


def _ticket(**fields) -> Ticket:
    defaults = {
        "status": "open",
        "first_responded_at": None,
        "first_response_due_at": None,
        "first_response_warn_at": None,
        "resolution_due_at": None,
        "resolution_warn_at": None,
        "next_reply_due_at": None,
        "next_reply_breached_at": None,
        "sla_breached_at": None,
        "sla_paused_at": None,
        "sla_warned_at": None,
    }
    return baker.make(Ticket, **{**defaults, **fields})


# name: (fields, in breached_q, in at_risk_q)
CASES = {
    "frt-due-now": ({"first_response_due_at": NOW}, True, False),
    "frt-due-later": ({"first_response_due_at": NOW + US, "first_response_warn_at": NOW - US}, False, True),
    "frt-warn-now": ({"first_response_due_at": NOW + US, "first_response_warn_at": NOW}, False, True),
    "frt-warn-later": ({"first_response_due_at": NOW + US, "first_response_warn_at": NOW + US}, False, False),
    "frt-answered": ({"first_responded_at": T0, "first_response_due_at": NOW - US}, False, False),
    "frt-warn-answered": (
        {"first_responded_at": T0, "first_response_due_at": NOW + US, "first_response_warn_at": NOW - US},
        False,
        False,
    ),
    "res-due-now": ({"first_responded_at": T0, "resolution_due_at": NOW}, True, False),
    "res-due-paused": ({"first_responded_at": T0, "resolution_due_at": NOW, "sla_paused_at": T0}, False, False),
    "res-warn-now": ({"first_responded_at": T0, "resolution_due_at": NOW + US, "resolution_warn_at": NOW}, False, True),
    "res-warn-paused": (
        {"first_responded_at": T0, "resolution_due_at": NOW + US, "resolution_warn_at": NOW, "sla_paused_at": T0},
        False,
        False,
    ),
    "res-warn-before-any-reply": (
        {"first_response_due_at": NOW + timedelta(hours=1), "resolution_due_at": NOW + US, "resolution_warn_at": NOW},
        False,
        False,
    ),
    "res-warn-no-frt-target": ({"resolution_due_at": NOW + US, "resolution_warn_at": NOW}, False, True),
    "res-warned-already": (
        {"first_responded_at": T0, "resolution_due_at": NOW + US, "resolution_warn_at": NOW, "sla_warned_at": T0},
        False,
        True,
    ),
    "next-reply-due-now": ({"first_responded_at": T0, "next_reply_due_at": NOW}, True, False),
    "next-reply-stamped": (
        {"first_responded_at": T0, "next_reply_due_at": NOW, "next_reply_breached_at": NOW},
        False,
        False,
    ),
    "next-reply-later": ({"first_responded_at": T0, "next_reply_due_at": NOW + US}, False, False),
    "stamped-breach": ({"sla_breached_at": T0, "first_response_due_at": NOW + timedelta(hours=1)}, True, False),
    "stamped-breach-warned": (
        {"sla_breached_at": T0, "sla_warned_at": T0, "first_response_warn_at": T0, "first_response_due_at": NOW},
        True,
        False,
    ),
    "resolved-overdue": (
        {"status": "resolved", "resolved_at": T0, "first_response_due_at": T0, "resolution_due_at": T0},
        False,
        False,
    ),
    "closed-warned": (
        {"status": "closed", "resolved_at": T0, "closed_at": T0, "first_response_warn_at": T0, "sla_warned_at": T0},
        False,
        False,
    ),
    "pending-frt-overdue": ({"status": "pending", "first_response_due_at": NOW}, True, False),
    "on-hold-frt-warn": (
        {"status": "on_hold", "first_response_due_at": NOW + US, "first_response_warn_at": NOW},
        False,
        True,
    ),
    "in-progress-frt-overdue": ({"status": "in_progress", "first_response_due_at": NOW - US}, True, False),
}


@pytest.mark.django_db
def test_breached_q_and_at_risk_q_select_exactly_these_tickets():
    ids = {name: _ticket(**fields).pk for name, (fields, _, _) in CASES.items()}
    by_id = {pk: name for name, pk in ids.items()}

    breached = {by_id[pk] for pk in Ticket.objects.filter(rules.breached_q(NOW)).values_list("pk", flat=True)}
    at_risk = {by_id[pk] for pk in Ticket.objects.filter(rules.at_risk_q(NOW)).values_list("pk", flat=True)}

    assert sorted(breached) == sorted(name for name, (_, in_breached, _) in CASES.items() if in_breached)
    assert sorted(at_risk) == sorted(name for name, (_, _, in_at_risk) in CASES.items() if in_at_risk)
