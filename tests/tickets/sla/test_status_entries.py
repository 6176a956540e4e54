"""What a status change writes to a ticket's SLA log, as a table written out by hand: each clock's
state per status (tickets/sla/services.py clock_state) and the entries for each move between
statuses (status_entries). No database (found by mutation testing)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tickets.models import Ticket
from tickets.sla import policies
from tickets.sla import services as sla_services

AT = datetime(2025, 1, 6, 10, tzinfo=UTC)
DEFAULT = policies.default_policy()
# A policy that also pauses the first response on hold and the next reply while pending.
CUSTOM = policies.PolicySpec(
    pauses={"first_response": frozenset({"on_hold"}), "next_reply": frozenset({"pending"}), "resolution": frozenset()}
)
STATUSES = ("open", "in_progress", "pending", "on_hold", "resolved", "closed")
STATES = {
    # (policy, metric): the state in open, in_progress, pending, on_hold, resolved, closed
    ("default", "resolution"): ("running", "running", "paused", "paused", "done", "done"),
    ("default", "first_response"): ("running",) * 6,
    ("default", "next_reply"): ("running",) * 6,
    ("custom", "resolution"): ("running", "running", "running", "running", "done", "done"),
    ("custom", "first_response"): ("running", "running", "running", "paused", "running", "running"),
    ("custom", "next_reply"): ("running", "running", "paused", "running", "running", "running"),
}
SPECS = {"default": DEFAULT, "custom": CUSTOM}


@pytest.mark.parametrize(("policy", "metric"), list(STATES))
def test_clock_state(policy, metric):
    assert (
        tuple(sla_services.clock_state(SPECS[policy], metric, status) for status in STATUSES) == STATES[policy, metric]
    )


@pytest.mark.parametrize(
    ("policy", "old", "new", "entries"),
    [
        ("default", "open", "in_progress", []),
        ("default", "open", "pending", [("resolution", "paused")]),
        ("default", "pending", "open", [("resolution", "resumed")]),
        ("default", "pending", "on_hold", []),
        ("default", "on_hold", "resolved", [("resolution", "achieved")]),
        ("default", "open", "closed", [("resolution", "achieved")]),
        ("default", "resolved", "in_progress", [("resolution", "resumed")]),
        ("default", "resolved", "pending", [("resolution", "resumed"), ("resolution", "paused")]),
        ("default", "resolved", "closed", []),
        ("custom", "open", "on_hold", [("first_response", "paused")]),
        ("custom", "on_hold", "pending", [("first_response", "resumed"), ("next_reply", "paused")]),
        ("custom", "pending", "resolved", [("resolution", "achieved"), ("next_reply", "resumed")]),
    ],
)
def test_status_entries(policy, old, new, entries):
    written = sla_services.status_entries(SPECS[policy], ["resolution", "first_response", "next_reply"], old, new, AT)
    assert [(e.metric, e.kind, e.at, e.detail) for e in written] == [(m, k, AT, {"status": new}) for m, k in entries]


def test_only_the_open_clocks_get_entries():
    assert sla_services.status_entries(CUSTOM, ["resolution"], "open", "on_hold", AT) == []


@pytest.mark.parametrize(
    ("responded", "next_reply", "metrics"),
    [
        (None, None, ["resolution", "first_response"]),
        (AT, None, ["resolution"]),
        (AT, AT, ["resolution", "next_reply"]),
        (None, AT, ["resolution", "first_response", "next_reply"]),
    ],
)
def test_open_metrics(responded, next_reply, metrics):
    assert sla_services._open_metrics(Ticket(first_responded_at=responded, next_reply_due_at=next_reply)) == metrics


def test_settings(settings):
    assert (sla_services.warning_ratio(), sla_services.batch_size()) == (0.8, 1000)
    settings.SLA_WARNING_PERCENT = 50
    settings.SLA_SCAN_BATCH_SIZE = 7
    assert (sla_services.warning_ratio(), sla_services.batch_size()) == (0.5, 7)
    del settings.SLA_WARNING_PERCENT
    del settings.SLA_SCAN_BATCH_SIZE
    assert (sla_services.warning_ratio(), sla_services.batch_size()) == (0.8, 1000)


def test_due_fields():
    assert sla_services.DUE_FIELDS == (
        "first_response_due_at",
        "resolution_due_at",
        "first_response_warn_at",
        "resolution_warn_at",
        "next_reply_due_at",
    )
