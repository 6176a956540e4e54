"""One webhook attempt at a time against a fake receiver (notifications/webhook_delivery.py): the
exact row after each answer, the retry it schedules, when a subscription is disabled, and what is
enqueued. The real HTTP path is tests/notifications/test_webhook_delivery.py."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time
from model_bakery import baker

from notifications import webhook_delivery
from notifications.models import WebhookDelivery, WebhookSubscription
from notifications.webhook_delivery import delivery_retry, webhook_attempt_enqueue, webhook_delivery_attempt
from notifications.webhooks import Response
from tests.notifications.deliveries import delivery_row

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-12-01T10:00:00+00:00")


@pytest.fixture
def receiver(monkeypatch):
    """The answers the fake receiver gives, in order, and the requests it got."""

    class Receiver:
        answers: list[Response] = []
        requests: list[dict] = []

    def post(*, url, body, headers):
        Receiver.requests.append({"url": url, "body": body, "headers": headers})
        return Receiver.answers.pop(0)

    monkeypatch.setattr(webhook_delivery.webhooks, "post", post)
    return Receiver


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr(webhook_delivery, "enqueue", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


@pytest.fixture
def settings_(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [5, 120, 600]
    settings.WEBHOOK_MAX_COUNTDOWN_SECONDS = 120
    settings.WEBHOOK_CLAIM_LEASE_SECONDS = 300
    settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES = 3
    settings.WEBHOOK_RESPONSE_EXCERPT_BYTES = 10
    return settings


def _delivery(subscription=None, **fields) -> WebhookDelivery:
    fields.setdefault("next_attempt_at", NOW - timedelta(seconds=1))
    if subscription is not None:
        fields["subscription"] = subscription
    fields.setdefault("payload", {"type": "ticket.created", "data": {"ticket": {"id": 7, "when": "2026-12-01"}}})
    return baker.make_recipe("tests.notifications.webhook_delivery", event_id=uuid.uuid4(), **fields)


@freeze_time(NOW)
def test_a_2xx_is_delivered_and_resets_the_failure_count(receiver, enqueued, settings_):
    delivery = _delivery()
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(consecutive_failures=2)
    receiver.answers = [Response(status=299, excerpt="accepted and more", duration_ms=12)]

    returned = webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert delivery_row(delivery) == ("delivered", 1, 299, "accepted a", 12, "", None, NOW, NOW)
    assert returned.status == "delivered"
    assert WebhookSubscription.objects.get(pk=delivery.subscription_id).consecutive_failures == 0
    request = receiver.requests[0]
    assert request["url"] == delivery.subscription.url
    assert json.loads(request["body"]) == delivery.payload
    # Compact JSON of the stored payload; the key order is the database's (PostgreSQL's jsonb orders
    # keys by length, then bytes; SQLite keeps the order they were written in).
    assert request["body"] in (
        b'{"type":"ticket.created","data":{"ticket":{"id":7,"when":"2026-12-01"}}}',
        b'{"data":{"ticket":{"id":7,"when":"2026-12-01"}},"type":"ticket.created"}',
    )
    assert request["headers"]["webhook-id"] == str(delivery.pk)
    assert enqueued == []


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        pytest.param(Response(status=500, excerpt="oops", duration_ms=3), "HTTP 500", id="500"),
        pytest.param(Response(status=404, excerpt="", duration_ms=3, error="Not here"), "Not here", id="own-error"),
        pytest.param(
            Response(status=300, excerpt="", duration_ms=3),
            "Redirect (300) refused: webhook URLs must answer directly.",
            id="300",
        ),
        pytest.param(
            Response(status=399, excerpt="", duration_ms=3, error="x"),
            "Redirect (399) refused: webhook URLs must answer directly.",
            id="399",
        ),
        pytest.param(Response(status=200 - 1, excerpt="", duration_ms=3), "HTTP 199", id="199"),
        pytest.param(Response(status=None, excerpt="", duration_ms=2000, error="timed out"), "timed out", id="none"),
    ],
)
@freeze_time(NOW)
def test_a_failure_is_retried_on_the_schedule_with_a_short_countdown(receiver, enqueued, settings_, answer, error):
    delivery = _delivery()
    receiver.answers = [answer]

    webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert delivery_row(delivery) == (
        "pending",
        1,
        answer.status,
        answer.excerpt,
        answer.duration_ms,
        error,
        NOW + timedelta(seconds=5),
        NOW,
        None,
    )
    assert WebhookSubscription.objects.get(pk=delivery.subscription_id).consecutive_failures == 1
    assert enqueued == [(("notifications.webhook_deliver", str(delivery.pk)), {"countdown": 5})]


@freeze_time(NOW)
def test_the_retry_delays_follow_the_attempts(receiver, enqueued, settings_):
    delivery = _delivery(attempts=1)
    receiver.answers = [Response(status=503, excerpt="", duration_ms=1)]

    webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert delivery_row(delivery)[6] == NOW + timedelta(seconds=120)
    assert enqueued == [(("notifications.webhook_deliver", str(delivery.pk)), {"countdown": 120})]


@freeze_time(NOW)
def test_a_long_delay_is_left_to_the_retry_job(receiver, enqueued, settings_):
    delivery = _delivery(attempts=2)
    receiver.answers = [Response(status=503, excerpt="", duration_ms=1)]

    webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert delivery_row(delivery)[:2] == ("pending", 3)
    assert delivery_row(delivery)[6] == NOW + timedelta(seconds=600)
    assert enqueued == []


@freeze_time(NOW)
def test_the_last_scheduled_attempt_fails_for_good(receiver, enqueued, settings_):
    delivery = _delivery(attempts=3)
    receiver.answers = [Response(status=503, excerpt="", duration_ms=1)]

    webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert delivery_row(delivery)[:2] == ("failed", 4)
    assert delivery_row(delivery)[6] is None
    assert enqueued == []


@freeze_time(NOW)
def test_410_fails_and_disables_the_subscription(receiver, enqueued, settings_, caplog):
    delivery = _delivery()
    receiver.answers = [Response(status=410, excerpt="", duration_ms=1)]

    with caplog.at_level(logging.WARNING, logger="notifications.webhook_delivery"):
        webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert delivery_row(delivery)[:2] == ("failed", 1)
    assert delivery_row(delivery)[6] is None
    subscription = WebhookSubscription.objects.get(pk=delivery.subscription_id)
    assert (subscription.is_active, subscription.disabled_at, subscription.disabled_reason) == (
        False,
        NOW,
        "The receiver answered 410 Gone.",
    )
    assert caplog.record_tuples == [
        (
            "notifications.webhook_delivery",
            logging.WARNING,
            f"webhook subscription {subscription.pk} disabled: The receiver answered 410 Gone.",
        )
    ]
    assert enqueued == []


@freeze_time(NOW)
def test_too_many_consecutive_failures_disable_the_subscription(receiver, enqueued, settings_):
    delivery = _delivery()
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(consecutive_failures=1)
    receiver.answers = [Response(status=500, excerpt="", duration_ms=1)]

    webhook_delivery_attempt(delivery_id=str(delivery.pk))

    subscription = WebhookSubscription.objects.get(pk=delivery.subscription_id)
    assert (subscription.is_active, subscription.consecutive_failures) == (True, 2)

    second = _delivery(subscription=subscription)
    receiver.answers = [Response(status=500, excerpt="", duration_ms=1)]
    webhook_delivery_attempt(delivery_id=str(second.pk))

    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consecutive_failures, subscription.disabled_reason) == (
        False,
        3,
        "Disabled after 3 consecutive failed attempts.",
    )


@freeze_time(NOW)
def test_an_internal_note_is_not_sent_once_the_subscription_opts_out(receiver, enqueued, settings_):
    delivery = _delivery(
        event="ticket.comment_added",
        payload={"type": "ticket.comment_added", "data": {"comment": {"is_internal": True}}},
    )

    returned = webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert returned.status == "failed"
    assert delivery_row(delivery)[0] == "failed"
    assert delivery_row(delivery)[5:7] == ("Not sent: this subscription no longer includes internal notes.", None)
    assert receiver.requests == []


@freeze_time(NOW)
def test_a_public_comment_and_an_opted_in_note_are_sent(receiver, enqueued, settings_):
    subscription = baker.make_recipe("tests.notifications.webhook_subscription", include_internal_notes=True)
    note = _delivery(
        subscription=subscription,
        event="ticket.comment_added",
        payload={"type": "ticket.comment_added", "data": {"comment": {"is_internal": True}}},
    )
    public = _delivery(
        event="ticket.comment_added",
        payload={"type": "ticket.comment_added", "data": {"comment": {"is_internal": False}}},
    )
    other_event = _delivery(
        event="ticket.updated", payload={"type": "ticket.updated", "data": {"comment": {"is_internal": True}}}
    )
    receiver.answers = [Response(status=200, excerpt="", duration_ms=1) for _ in range(3)]

    for delivery in (note, public, other_event):
        webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert [delivery_row(d)[0] for d in (note, public, other_event)] == ["delivered", "delivered", "delivered"]


@freeze_time(NOW)
def test_only_a_due_pending_delivery_of_an_active_subscription_is_claimed(receiver, enqueued, settings_):
    later = _delivery(next_attempt_at=NOW + timedelta(seconds=1))
    done = _delivery(status="delivered")
    inactive = _delivery(subscription=baker.make_recipe("tests.notifications.webhook_subscription", is_active=False))

    assert [webhook_delivery_attempt(delivery_id=str(d.pk)) for d in (later, done, inactive)] == [None, None, None]
    assert receiver.requests == []
    assert [delivery_row(d)[1] for d in (later, done, inactive)] == [0, 0, 0]


@freeze_time(NOW)
def test_the_retry_job_sends_every_due_delivery_oldest_first(receiver, enqueued, settings_, monkeypatch):
    newer = _delivery(next_attempt_at=NOW - timedelta(seconds=10))
    older = _delivery(next_attempt_at=NOW - timedelta(seconds=20))
    _delivery(next_attempt_at=NOW + timedelta(hours=1))
    receiver.answers = [Response(status=200, excerpt="", duration_ms=1) for _ in range(2)]
    batches = [3, 2, 0]
    monkeypatch.setattr(webhook_delivery, "email_send_pending", lambda: batches.pop(0))

    assert delivery_retry() == {"webhooks": 2, "emails": 5}
    assert [r["headers"]["webhook-id"] for r in receiver.requests] == [str(older.pk), str(newer.pk)]


def test_the_retry_job_with_no_budget_does_nothing(receiver, enqueued, settings_):
    _delivery()

    assert delivery_retry(budget_seconds=0) == {"webhooks": 0, "emails": 0}
    assert receiver.requests == []


def test_enqueue_passes_a_countdown_only_when_there_is_one(enqueued):
    webhook_attempt_enqueue("d-1")
    webhook_attempt_enqueue("d-2", countdown=0)
    webhook_attempt_enqueue("d-3", countdown=30)

    assert enqueued == [
        (("notifications.webhook_deliver", "d-1"), {"countdown": None}),
        (("notifications.webhook_deliver", "d-2"), {"countdown": None}),
        (("notifications.webhook_deliver", "d-3"), {"countdown": 30}),
    ]


def test_a_broker_outage_is_logged_not_raised(monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(webhook_delivery, "enqueue", down)

    with caplog.at_level(logging.ERROR, logger="notifications.webhook_delivery"):
        webhook_attempt_enqueue("d-1")

    assert caplog.record_tuples == [
        (
            "notifications.webhook_delivery",
            logging.ERROR,
            "could not enqueue webhook delivery d-1; the retry job will pick it up",
        )
    ]
