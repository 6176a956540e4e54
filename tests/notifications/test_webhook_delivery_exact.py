"""Webhook deliveries (notifications/webhook_delivery.py) against a real receiver on loopback, exactly:
the claimed row and its lease, the stored row and the signed request of one attempt, the query count,
what happens when the subscription changes during the POST, and the retry job's time budget.
hooks.example is answered 127.0.0.1 by the `dns` fixture, whose lookup hook runs while an attempt is
under way (after the claim, before the request)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from model_bakery import baker

from notifications import webhook_delivery
from notifications.models import WebhookDelivery, WebhookSubscription
from notifications.signing import verify
from tests.notifications.deliveries import delivery_row
from tests.notifications.receivers import Answer, Receiver

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
EARLIER = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _settings(settings, dns):
    dns.answers = {"hooks.example": ["127.0.0.1"]}
    settings.WEBHOOK_RETRY_SCHEDULE = [5, 300]
    settings.WEBHOOK_MAX_COUNTDOWN_SECONDS = 60
    settings.WEBHOOK_CLAIM_LEASE_SECONDS = 300
    settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES = 20
    settings.WEBHOOK_RESPONSE_EXCERPT_BYTES = 2000


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr(webhook_delivery, "enqueue", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def _delivery(receiver: Receiver, **fields) -> WebhookDelivery:
    subscription = baker.make_recipe(
        "tests.notifications.webhook_subscription", url=f"http://hooks.example:{receiver.port}/hook"
    )
    fields.setdefault("next_attempt_at", NOW - timedelta(seconds=1))
    fields.setdefault("payload", {"type": "ticket.created"})
    return baker.make_recipe(
        "tests.notifications.webhook_delivery", subscription=subscription, event_id=uuid.uuid4(), **fields
    )


@freeze_time(NOW)
def test_a_claim_bumps_the_attempts_and_leases_thedelivery_row(receiver, django_assert_num_queries):
    delivery = _delivery(receiver, attempts=2, next_attempt_at=NOW)  # due this very instant

    claimed = webhook_delivery._claim_delivery(delivery_id=str(delivery.pk))

    assert claimed.pk == delivery.pk
    assert delivery_row(delivery) == ("pending", 3, None, "", None, "", NOW + timedelta(seconds=300), NOW, None)
    with django_assert_num_queries(0):  # the subscription came with the row
        assert claimed.subscription.url == f"http://hooks.example:{receiver.port}/hook"


@freeze_time(NOW)
def test_a_2xx_from_the_receiver_is_stored_exactly(receiver, enqueued, django_assert_num_queries):
    delivery = _delivery(receiver)
    subscription = delivery.subscription
    WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=4)
    receiver.answer = Answer(201, b"created")

    # SAVEPOINT, SELECT ... FOR UPDATE, UPDATE (the claim), RELEASE SAVEPOINT, SELECT the row with its
    # subscription, UPDATE the subscription's failure count, UPDATE the row.
    with django_assert_num_queries(7):
        webhook_delivery.webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert delivery_row(delivery) == ("delivered", 1, 201, "created", 0, "", None, NOW, NOW)
    assert WebhookSubscription.objects.get(pk=subscription.pk).consecutive_failures == 0
    [seen] = receiver.requests
    assert (seen.target, seen.body) == ("/hook", b'{"type":"ticket.created"}')
    assert (seen.header("webhook-id"), seen.header("webhook-timestamp")) == (str(delivery.pk), "1796119200")
    headers = dict(seen.headers)
    assert verify(payload=seen.body, headers=headers, secret=subscription.secret, now=1796119200) == {
        "type": "ticket.created"
    }
    assert enqueued == []


@freeze_time(NOW)
def test_a_400_is_an_http_failure_not_a_redirect(receiver, enqueued):
    delivery = _delivery(receiver)
    receiver.answer = Answer(400, b"bad")

    webhook_delivery.webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert delivery_row(delivery) == ("pending", 1, 400, "bad", 0, "HTTP 400", NOW + timedelta(seconds=5), NOW, None)
    assert enqueued == [(("notifications.webhook_deliver", str(delivery.pk)), {"countdown": 5})]


@freeze_time(NOW)
def test_a_410_keeps_the_reason_of_an_admin_who_disabled_the_subscription_meanwhile(receiver, dns, enqueued):
    delivery = _delivery(receiver)
    subscription_id = delivery.subscription_id
    receiver.answer = Answer(410, b"gone")
    dns.on_lookup = lambda: WebhookSubscription.objects.filter(pk=subscription_id).update(
        is_active=False, disabled_at=EARLIER, disabled_reason="Paused by an admin."
    )

    webhook_delivery.webhook_delivery_attempt(delivery_id=str(delivery.pk))

    subscription = WebhookSubscription.objects.get(pk=subscription_id)
    assert (subscription.is_active, subscription.disabled_at, subscription.disabled_reason) == (
        False,
        EARLIER,
        "Paused by an admin.",
    )
    assert delivery_row(delivery)[:3] == ("failed", 1, 410)


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        pytest.param(Answer(500, b"boom"), 500, id="failure"),
        pytest.param(Answer(410, b"gone"), 410, id="gone"),
        pytest.param(Answer(200, b"ok"), 200, id="success"),
    ],
)
@freeze_time(NOW)
def test_a_subscription_deleted_during_the_post_ends_the_attempt_quietly(receiver, dns, enqueued, answer, status):
    delivery = _delivery(receiver)
    subscription_id = delivery.subscription_id
    receiver.answer = answer
    dns.on_lookup = lambda: WebhookSubscription.objects.filter(pk=subscription_id).delete()

    returned = webhook_delivery.webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert returned.response_status == status
    assert len(receiver.requests) == 1
    assert not WebhookSubscription.objects.filter(pk=subscription_id).exists()
    assert not WebhookDelivery.objects.filter(pk=delivery.pk).exists()


@freeze_time(NOW)
def test_a_sweep_goes_on_past_a_subscription_deleted_during_its_post(receiver, dns, enqueued, monkeypatch):
    first = _delivery(receiver, next_attempt_at=NOW - timedelta(seconds=20))
    second = _delivery(receiver, next_attempt_at=NOW - timedelta(seconds=10))
    receiver.answer = Answer(500, b"boom")
    doomed = [first.subscription_id]
    dns.on_lookup = lambda: doomed and WebhookSubscription.objects.filter(pk=doomed.pop()).delete()
    monkeypatch.setattr(webhook_delivery, "email_send_pending", lambda: 0)

    assert webhook_delivery.delivery_retry() == {"webhooks": 2, "emails": 0}
    assert delivery_row(second)[:3] == ("pending", 1, 500)


@pytest.mark.parametrize(
    ("sweep_budget", "budget_seconds", "result"),
    [
        pytest.param(0, None, {"webhooks": 0, "emails": 0}, id="setting-0"),
        pytest.param(0, 0, {"webhooks": 0, "emails": 0}, id="argument-0"),
        pytest.param(50, 0, {"webhooks": 0, "emails": 0}, id="argument-0-wins"),
        pytest.param(0, 30, {"webhooks": 1, "emails": 2}, id="argument-wins"),
        pytest.param(50, None, {"webhooks": 1, "emails": 2}, id="setting"),
    ],
)
@freeze_time(NOW)
def test_the_retry_job_works_within_its_time_budget(
    settings, receiver, enqueued, monkeypatch, sweep_budget, budget_seconds, result
):
    settings.SWEEP_TIME_BUDGET_SECONDS = sweep_budget
    delivery = _delivery(receiver)
    batches = [2, 0]
    monkeypatch.setattr(webhook_delivery, "email_send_pending", lambda: batches.pop(0))

    assert webhook_delivery.delivery_retry(budget_seconds=budget_seconds) == result
    assert len(receiver.requests) == result["webhooks"]
    assert delivery_row(delivery)[0] == ("delivered" if result["webhooks"] else "pending")


@freeze_time(NOW)
def test_a_410_disables_only_its_own_subscription(receiver, enqueued):
    delivery = _delivery(receiver)
    bystander = baker.make_recipe("tests.notifications.webhook_subscription")
    receiver.answer = Answer(410, b"gone")

    webhook_delivery.webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert WebhookSubscription.objects.get(pk=delivery.subscription_id).is_active is False
    bystander.refresh_from_db()
    assert (bystander.is_active, bystander.disabled_at, bystander.disabled_reason) == (True, None, "")


@freeze_time(NOW)
def test_a_payload_that_is_not_an_object_is_sent_as_it_is(receiver, enqueued):
    delivery = _delivery(receiver, payload=[1, "two"])

    returned = webhook_delivery.webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert returned.status == "delivered"
    assert receiver.requests[0].body == b'[1,"two"]'


@freeze_time(NOW)
def test_an_attempt_by_id_takes_that_delivery_not_the_oldest_due(receiver, enqueued):
    oldest = _delivery(receiver, next_attempt_at=NOW - timedelta(hours=1))
    wanted = _delivery(receiver, next_attempt_at=NOW - timedelta(seconds=1))

    returned = webhook_delivery.webhook_delivery_attempt(delivery_id=str(wanted.pk))

    assert returned.pk == wanted.pk
    assert [delivery_row(oldest)[:2], delivery_row(wanted)[:2]] == [("pending", 0), ("delivered", 1)]


@freeze_time(NOW)
def test_an_unsent_internal_note_is_returned_with_no_next_attempt(receiver, enqueued):
    delivery = _delivery(
        receiver,
        event="ticket.comment_added",
        payload={"type": "ticket.comment_added", "data": {"comment": {"is_internal": True}}},
    )

    returned = webhook_delivery.webhook_delivery_attempt(delivery_id=str(delivery.pk))

    assert (returned.status, returned.next_attempt_at, returned.error) == (
        "failed",
        None,
        "Not sent: this subscription no longer includes internal notes.",
    )
    assert receiver.requests == []
