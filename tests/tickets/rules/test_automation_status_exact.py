"""An automation's set_status over a batch (tickets/rules/automations.py): the columns one UPDATE
writes per target status, the SLA clocks it pauses or achieves (logged in bulk, per open clock),
the audit events and outbox rows, and the tickets it leaves alone. Hand-written expectations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from model_bakery import baker

from notifications.models import OutboxEvent
from tickets.models import Automation, CustomField, SLAEvent, SLAPolicy, Ticket, TicketEvent
from tickets.rules.automations import automation_run
from tickets.rules.services import rule_save

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
EARLIER = NOW - timedelta(days=3)
PAUSED_BEFORE = NOW - timedelta(days=1)


def to_status(value, *, name="Move"):
    return automation_run(automation=status_rule(value, name=name), now=NOW)


def status_rule(value, *, name="Move"):
    return rule_save(
        rule=Automation(
            name=name,
            conditions={"all": [{"field": "hours_since_created", "operator": "gte", "value": 1}], "any": []},
            actions=[{"action": "set_status", "value": value}],
        ),
        actor=None,
    )


def make(customer, **fields):
    with freeze_time(EARLIER):
        return baker.make_recipe("tests.tickets.ticket", customer=customer, **fields)


def row(ticket):
    return Ticket.objects.values(
        "status", "status_changed_at", "resolved_at", "closed_at", "sla_paused_at", "updated_at"
    ).get(pk=ticket.pk)


def sla_log(ticket):
    return sorted(SLAEvent.objects.filter(ticket=ticket).values_list("metric", "kind", "at"))


def test_open_to_pending_pauses_resolution(customer_a):
    ticket = make(customer_a, first_responded_at=EARLIER)
    version = ticket.version
    assert to_status("pending") == 1
    assert row(ticket) == {
        "status": "pending",
        "status_changed_at": NOW,
        "resolved_at": None,
        "closed_at": None,
        "sla_paused_at": NOW,
        "updated_at": NOW,
    }
    assert Ticket.objects.get(pk=ticket.pk).version == version + 1
    assert sla_log(ticket) == [("resolution", "paused", NOW)]
    event = TicketEvent.objects.get(ticket=ticket, kind="status_changed")
    assert (event.field, event.old_value, event.new_value, event.rule, event.note, event.created_at) == (
        "status",
        "open",
        "pending",
        "Automation: Move",
        "Automation: Move",
        NOW,
    )
    payload = OutboxEvent.objects.get(event="ticket.status_changed").payload
    assert (payload["old_status"], payload["new_status"], payload["note"], payload["actor_id"]) == (
        "open",
        "pending",
        "Automation: Move",
        None,
    )
    assert payload["ticket"]["id"] == ticket.pk


def test_pending_to_resolved_achieves_and_keeps_the_pause(customer_a):
    ticket = make(customer_a, status="pending", sla_paused_at=PAUSED_BEFORE, first_responded_at=EARLIER)
    to_status("resolved")
    assert row(ticket) == {
        "status": "resolved",
        "status_changed_at": NOW,
        "resolved_at": NOW,
        "closed_at": None,
        "sla_paused_at": PAUSED_BEFORE,
        "updated_at": NOW,
    }
    assert sla_log(ticket) == [("resolution", "achieved", NOW)]


def test_resolved_to_closed_keeps_the_resolution_time(customer_a):
    ticket = make(customer_a, status="resolved", resolved_at=PAUSED_BEFORE, sla_paused_at=PAUSED_BEFORE)
    to_status("closed")
    assert row(ticket) == {
        "status": "closed",
        "status_changed_at": NOW,
        "resolved_at": PAUSED_BEFORE,
        "closed_at": NOW,
        "sla_paused_at": PAUSED_BEFORE,
        "updated_at": NOW,
    }
    assert sla_log(ticket) == []


def test_open_to_closed_resolves_and_stops_the_clock(customer_a):
    ticket = make(customer_a, first_responded_at=EARLIER)
    to_status("closed")
    assert row(ticket) == {
        "status": "closed",
        "status_changed_at": NOW,
        "resolved_at": NOW,
        "closed_at": NOW,
        "sla_paused_at": NOW,
        "updated_at": NOW,
    }
    assert sla_log(ticket) == [("resolution", "achieved", NOW)]


def test_a_status_that_stops_no_clock_leaves_the_pause_alone(customer_a):
    stopped = make(customer_a, status="pending", sla_paused_at=PAUSED_BEFORE, first_responded_at=EARLIER)
    running = make(customer_a, status="open", first_responded_at=EARLIER)
    to_status("on_hold")  # pending -> on_hold: still paused; open -> on_hold pauses
    assert (row(stopped)["sla_paused_at"], row(running)["sla_paused_at"]) == (PAUSED_BEFORE, NOW)
    assert (sla_log(stopped), sla_log(running)) == ([], [("resolution", "paused", NOW)])


def test_each_open_clock_is_logged(customer_a):
    policy = SLAPolicy.objects.create(
        name="Everything pauses",
        position=1,
        pause_statuses={"first_response": ["pending"], "next_reply": ["pending"], "resolution": ["pending"]},
    )
    unanswered = make(customer_a, sla_policy=policy, next_reply_due_at=NOW)
    answered = make(customer_a, sla_policy=policy, first_responded_at=EARLIER)
    to_status("pending")
    assert sla_log(unanswered) == [
        ("first_response", "paused", NOW),
        ("next_reply", "paused", NOW),
        ("resolution", "paused", NOW),
    ]
    assert sla_log(answered) == [("resolution", "paused", NOW)]


def test_tickets_already_there_or_not_allowed_are_left_alone(customer_a):
    there = make(customer_a, status="pending", sla_paused_at=PAUSED_BEFORE)
    closed = make(customer_a, status="closed", closed_at=PAUSED_BEFORE, resolved_at=PAUSED_BEFORE)
    moved = make(customer_a, status="in_progress")
    assert to_status("pending") == 3  # acted on, as far as the firing goes
    assert dict(Ticket.objects.values_list("pk", "status")) == {
        there.pk: "pending",
        closed.pk: "closed",
        moved.pk: "pending",
    }
    assert list(TicketEvent.objects.filter(kind="status_changed").values_list("ticket_id", flat=True)) == [moved.pk]
    assert row(there)["updated_at"] == EARLIER
    assert row(closed)["updated_at"] == EARLIER


def test_a_resuming_change_goes_through_the_service_named_after_the_rule(customer_a):
    with freeze_time(EARLIER):
        ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, status="on_hold", sla_paused_at=EARLIER)
    with freeze_time(NOW):
        assert to_status("open", name="Wake") == 1
    ticket.refresh_from_db()
    assert (ticket.status, ticket.sla_paused_at, ticket.status_changed_at) == ("open", None, NOW)
    event = TicketEvent.objects.get(ticket=ticket, kind="status_changed")
    assert (event.old_value, event.new_value, event.rule, event.note, event.actor_id) == (
        "on_hold",
        "open",
        "Automation: Wake",
        "Automation: Wake",
        None,
    )
    assert sla_log(ticket) == [("resolution", "resumed", NOW)]


def test_nothing_to_move_costs_no_required_field_lookup(customer_a, django_assert_num_queries):
    """6: savepoint (2), forget firings, lock the batch, stamp last_run_at, record firings."""
    make(customer_a, status="pending")
    make(customer_a, status="pending")
    rule = status_rule("pending")
    with django_assert_num_queries(6):
        assert automation_run(automation=rule, now=NOW) == 2


def test_a_skipped_status_is_recorded_against_the_status_field(customer_a):
    CustomField.objects.create(
        key="resolution_code",
        label="Resolution code",
        field_type="dropdown",
        options=["fixed", "wont_fix"],
        required_statuses=["resolved"],
    )
    ticket = make(customer_a, status="pending")
    to_status("resolved", name="Resolve")
    skipped = TicketEvent.objects.get(ticket=ticket, kind="rule_skipped")
    assert (skipped.field, skipped.old_value, skipped.new_value, skipped.rule, skipped.created_at) == (
        "status",
        "pending",
        "resolved",
        "Automation: Resolve",
        NOW,
    )


def test_a_status_set_after_a_resumed_one_starts_from_it(customer_a):
    with freeze_time(EARLIER):
        ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, status="on_hold", sla_paused_at=EARLIER)
    rule = rule_save(
        rule=Automation(
            name="Wake",
            description="Wake and work",
            conditions={"all": [{"field": "status", "operator": "is", "value": "on_hold"}], "any": []},
            actions=[{"action": "set_status", "value": "open"}, {"action": "set_status", "value": "in_progress"}],
        ),
        actor=None,
    )
    with freeze_time(NOW):
        automation_run(automation=rule, now=NOW)
    events = TicketEvent.objects.filter(ticket=ticket, kind="status_changed").order_by("id")
    # The first through the service (it resumes a clock: the rule is the note), the second in bulk.
    assert list(events.values_list("old_value", "new_value", "note")) == [
        ("on_hold", "open", "Automation: Wake"),
        ("open", "in_progress", "Wake and work"),
    ]
