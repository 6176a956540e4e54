"""Dispatching one outbox event, unit by unit, with exact rows: the planned email log entries and
webhook deliveries, what is enqueued, the event's final state and the sweep's count. The consumer
registry: test_consumer_registry.py; publishing: test_publish.py."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time
from model_bakery import baker

from notifications import dispatch
from notifications.dispatch import _is_internal_note, outbox_event_dispatch, outbox_sweep, webhook_envelope
from notifications.emails import Rendered
from notifications.models import EmailLog, OutboxEvent, WebhookDelivery
from notifications.recipients import Mail

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-12-01T10:00:00+00:00")


@pytest.fixture
def no_sends(monkeypatch) -> list[str]:
    """Nothing leaves: the webhook deliveries that would be enqueued are recorded instead."""
    enqueued: list[str] = []
    monkeypatch.setattr(dispatch, "webhook_attempt_enqueue", enqueued.append)
    return enqueued


def _event(event: str = "ticket.created", payload: dict | None = None, **fields) -> OutboxEvent:
    return baker.make_recipe(
        "tests.notifications.outbox_event", event=event, payload=payload or {"ticket": {"id": 7}}, **fields
    )


@pytest.mark.parametrize(
    ("event", "payload", "expected"),
    [
        pytest.param("ticket.comment_added", {"comment": {"is_internal": True}}, True, id="internal-note"),
        pytest.param("ticket.comment_added", {"comment": {"is_internal": False}}, False, id="public-reply"),
        pytest.param("ticket.comment_added", {"comment": {}}, False, id="no-flag"),
        pytest.param("ticket.comment_added", {"comment": "text"}, False, id="comment-not-an-object"),
        pytest.param("ticket.comment_added", None, False, id="no-payload"),
        pytest.param("ticket.updated", {"comment": {"is_internal": True}}, False, id="other-event"),
    ],
)
def test_is_internal_note(event, payload, expected):
    assert _is_internal_note(OutboxEvent(event=event, payload=payload)) is expected


@freeze_time(NOW)
def test_the_webhook_envelope():
    event = _event(payload={"ticket": {"id": 7, "title": "Printer"}})

    assert webhook_envelope(event) == {
        "type": "ticket.created",
        "timestamp": "2026-12-01T10:00:00+00:00",
        "event_id": str(event.pk),
        "data": {"ticket": {"id": 7, "title": "Printer"}},
    }


@freeze_time(NOW)
def test_plan_records_each_rendered_mail_and_each_matching_subscription(monkeypatch, no_sends):
    mails = [
        Mail("ticket_created", "alice@acme.example", "Alice", True, 7, attachments=({"file": "a/x.pdf"},)),
        Mail("ticket_created_agent", "agent@helpdesk.test", "Agent", False, None),
    ]
    monkeypatch.setattr(dispatch, "email_recipients", lambda event, payload: mails)
    monkeypatch.setattr(
        dispatch.emails,
        "render",
        lambda mail, event_id: Rendered(
            subject=f"S {mail.recipient}",
            text=f"T {event_id}",
            html=f"<p>{mail.template}</p>",
            message_id=f"<{mail.recipient_name}@helpdesk.test>",
            headers={"X-To": mail.recipient},
        ),
    )
    monkeypatch.setattr(dispatch, "email_send_pending", lambda event_id: 0)
    wanted = baker.make_recipe("tests.notifications.webhook_subscription", events=["ticket.created", "ticket.updated"])
    baker.make_recipe("tests.notifications.webhook_subscription", events=["ticket.updated"])
    baker.make_recipe("tests.notifications.webhook_subscription", events=["ticket.created"], is_active=False)
    event = _event()

    outbox_event_dispatch(event_id=str(event.pk))

    logs = EmailLog.objects.order_by("recipient").values_list(
        "event_id",
        "event",
        "template",
        "recipient",
        "ticket_id",
        "essential",
        "subject",
        "body_text",
        "body_html",
        "headers",
        "attachments",
        "message_id",
        "status",
    )
    assert list(logs) == [
        (
            event.pk,
            "ticket.created",
            "ticket_created_agent",
            "agent@helpdesk.test",
            None,
            False,
            "S agent@helpdesk.test",
            f"T {event.pk}",
            "<p>ticket_created_agent</p>",
            {"X-To": "agent@helpdesk.test"},
            [],
            "<Agent@helpdesk.test>",
            "pending",
        ),
        (
            event.pk,
            "ticket.created",
            "ticket_created",
            "alice@acme.example",
            7,
            True,
            "S alice@acme.example",
            f"T {event.pk}",
            "<p>ticket_created</p>",
            {"X-To": "alice@acme.example"},
            [{"file": "a/x.pdf"}],
            "<Alice@helpdesk.test>",
            "pending",
        ),
    ]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.subscription_id, delivery.event_id, delivery.event, delivery.next_attempt_at) == (
        wanted.pk,
        event.pk,
        "ticket.created",
        NOW,
    )
    assert delivery.payload == {
        "type": "ticket.created",
        "timestamp": "2026-12-01T10:00:00+00:00",
        "event_id": str(event.pk),
        "data": {"ticket": {"id": 7}},
    }
    assert no_sends == [str(delivery.pk)]


def test_an_internal_note_is_planned_only_for_subscriptions_that_opted_in(no_sends):
    opted_in = baker.make_recipe(
        "tests.notifications.webhook_subscription", events=["ticket.comment_added"], include_internal_notes=True
    )
    baker.make_recipe("tests.notifications.webhook_subscription", events=["ticket.comment_added"])
    event = _event("ticket.comment_added", {"comment": {"is_internal": True}})

    outbox_event_dispatch(event_id=str(event.pk))

    assert list(WebhookDelivery.objects.values_list("subscription_id", flat=True)) == [opted_in.pk]


@freeze_time(NOW)
def test_a_dispatched_event_is_stamped_and_its_old_error_cleared(no_sends):
    event = _event("ticket.updated", last_error="earlier failure")

    returned = outbox_event_dispatch(event_id=str(event.pk))

    event.refresh_from_db()
    assert (event.status, event.attempts, event.dispatched_at, event.last_error) == ("dispatched", 1, NOW, "")
    assert (returned.pk, returned.status) == (event.pk, "dispatched")


def test_an_event_that_is_not_pending_is_returned_untouched(no_sends):
    event = _event("ticket.updated", status="dispatched", attempts=3)

    returned = outbox_event_dispatch(event_id=str(event.pk))

    event.refresh_from_db()
    assert (returned.pk, event.status, event.attempts) == (event.pk, "dispatched", 3)


def test_planning_again_after_a_crash_adds_nothing_and_sends_only_what_is_pending(no_sends):
    subscription = baker.make_recipe("tests.notifications.webhook_subscription", events=["ticket.updated"])
    event = _event("ticket.updated")
    outbox_event_dispatch(event_id=str(event.pk))
    WebhookDelivery.objects.update(status="delivered")
    other = baker.make_recipe(
        "tests.notifications.webhook_delivery", subscription=subscription, event_id=uuid.uuid4(), event="ticket.updated"
    )
    OutboxEvent.objects.filter(pk=event.pk).update(status="pending")
    no_sends.clear()

    outbox_event_dispatch(event_id=str(event.pk))

    assert WebhookDelivery.objects.filter(event_id=event.pk).count() == 1
    assert no_sends == []  # delivered already; the other event's pending delivery is not this dispatch's
    assert other.pk not in no_sends


def test_only_this_events_mail_is_sent_by_its_dispatch(no_sends, monkeypatch):
    calls: list = []

    def send(event_id):
        calls.append(event_id)
        return 0

    monkeypatch.setattr(dispatch, "email_send_pending", send)
    event = _event("ticket.updated")

    outbox_event_dispatch(event_id=str(event.pk))

    assert calls == [event.pk]


def test_a_failing_plan_records_the_error_cut_to_the_column(monkeypatch, settings, caplog):
    settings.OUTBOX_MAX_ATTEMPTS = 2

    def broken(event, payload):
        raise RuntimeError("x" * 3000)

    monkeypatch.setattr(dispatch, "email_recipients", broken)
    event = _event("ticket.updated")

    with caplog.at_level(logging.ERROR, logger="notifications.dispatch"):
        first = outbox_event_dispatch(event_id=str(event.pk))
    assert (first.status, first.attempts, first.last_error) == ("pending", 1, ("RuntimeError: " + "x" * 3000)[:2000])
    assert caplog.record_tuples == [
        ("notifications.dispatch", logging.ERROR, f"planning outbox event {event.pk} failed; the sweep will retry")
    ]

    second = outbox_event_dispatch(event_id=str(event.pk))

    event.refresh_from_db()
    assert (second.status, event.status, event.attempts) == ("failed", "failed", 2)


def test_an_unfinished_consumer_keeps_the_event_pending_with_a_count(monkeypatch, no_sends):
    monkeypatch.setattr(dispatch.consumers, "consumer_runs_execute", lambda event_id, payload: 2)
    event = _event("ticket.updated")

    returned = outbox_event_dispatch(event_id=str(event.pk))

    assert (returned.status, returned.last_error, returned.dispatched_at) == (
        "pending",
        "2 consumer run(s) unfinished",
        None,
    )


# --- the sweep -------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "batch"), [(3, 2), (4, 2), (2, 5)])
def test_the_sweep_dispatches_every_old_pending_event_whatever_the_page_size(count, batch, no_sends, caplog):
    with freeze_time(NOW - timedelta(minutes=5)):
        old = [_event("ticket.updated") for _ in range(count)]
    with freeze_time(NOW):
        fresh = _event("ticket.updated")
        with caplog.at_level(logging.INFO, logger="notifications.dispatch"):
            dispatched = outbox_sweep(older_than_seconds=120, batch=batch)

    assert dispatched == count
    statuses = dict(OutboxEvent.objects.values_list("pk", "status"))
    assert statuses == {**{e.pk: "dispatched" for e in old}, fresh.pk: "pending"}
    assert ("notifications.dispatch", logging.INFO, f"outbox sweep: {count} pending event(s) dispatched") in (
        caplog.record_tuples
    )


def test_the_sweep_grace_and_budget_come_from_the_settings(settings, no_sends):
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 600
    settings.SWEEP_TIME_BUDGET_SECONDS = 30
    with freeze_time(NOW - timedelta(minutes=11)):
        old = _event("ticket.updated")
    with freeze_time(NOW - timedelta(minutes=9)):
        recent = _event("ticket.updated")

    with freeze_time(NOW):
        assert outbox_sweep() == 1

    assert dict(OutboxEvent.objects.values_list("pk", "status")) == {old.pk: "dispatched", recent.pk: "pending"}


def test_a_sweep_with_no_budget_dispatches_nothing(no_sends, settings):
    settings.SWEEP_TIME_BUDGET_SECONDS = 30
    with freeze_time(NOW - timedelta(minutes=5)):
        _event("ticket.updated")

    assert outbox_sweep(older_than_seconds=0, budget_seconds=0) == 0
