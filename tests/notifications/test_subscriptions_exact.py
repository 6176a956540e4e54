"""Webhook subscription services, exactly: the stored row of a create (defaults included), the
events' refusals word for word, what an update changes, a secret's rotation and a redelivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from notifications import events as events_catalogue
from notifications import subscriptions
from notifications.models import WebhookSubscription

pytestmark = pytest.mark.django_db

URL = "https://93.184.215.14/hook"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _row(subscription: WebhookSubscription) -> tuple:
    subscription.refresh_from_db()
    return (
        subscription.url,
        subscription.events,
        subscription.description,
        subscription.is_active,
        subscription.include_internal_notes,
        subscription.created_by_id,
    )


def test_a_create_with_the_defaults_stores_exactly_this(admin_agent):
    created = subscriptions.webhook_subscription_create(
        actor=admin_agent.user, url=URL, events=["ticket.updated", "ticket.created", "ticket.created"]
    )
    assert _row(created) == (URL, ["ticket.created", "ticket.updated"], "", True, False, admin_agent.user_id)
    assert len(created.secret) >= 32


def test_a_create_with_every_option(admin_agent):
    created = subscriptions.webhook_subscription_create(
        actor=None,
        url=URL,
        events=["ticket.created"],
        description="CRM",
        is_active=False,
        include_internal_notes=1,
    )
    assert _row(created) == (URL, ["ticket.created"], "CRM", False, True, None)
    other = subscriptions.webhook_subscription_create(actor=None, url=URL, events=["ticket.created"], description=None)
    assert _row(other)[2] == ""


GIVE = "Give a non-empty list of event names."


@pytest.mark.parametrize(
    ("events", "message"),
    [
        pytest.param([], GIVE, id="empty"),
        pytest.param("ticket.created", GIVE, id="a-string"),
        pytest.param(None, GIVE, id="none"),
        pytest.param(["ticket.created", 5], GIVE, id="a-number-among-them"),
        pytest.param(
            ["ticket.zzz", "ticket.created", "a.b"],
            "Unknown event(s): a.b, ticket.zzz. Known: {known}.",
            id="unknown",
        ),
    ],
)
def test_events_are_refused_word_for_word(events, message):
    known = ", ".join(events_catalogue.known_events())
    with pytest.raises(ValidationError) as caught:
        subscriptions.webhook_subscription_create(actor=None, url=URL, events=events)
    assert caught.value.message_dict == {"events": [message.format(known=known)]}
    assert not WebhookSubscription.objects.exists()


def test_a_bad_url_and_bad_events_are_named_together():
    with pytest.raises(ValidationError) as caught:
        subscriptions.webhook_subscription_create(actor=None, url="ftp://x.example/h", events=[])
    assert caught.value.message_dict == {
        "url": ["The URL must be an absolute http(s) URL."],
        "events": [GIVE],
    }


def test_an_update_changes_only_what_it_names(admin_agent):
    created = subscriptions.webhook_subscription_create(
        actor=admin_agent.user, url=URL, events=["ticket.created"], description="CRM"
    )
    subscriptions.webhook_subscription_update(
        subscription=created, actor=None, data={"events": ["ticket.updated"], "include_internal_notes": "yes"}
    )
    assert _row(created) == (URL, ["ticket.updated"], "CRM", True, True, admin_agent.user_id)
    subscriptions.webhook_subscription_update(subscription=created, actor=None, data={"description": None})
    assert _row(created)[2] == ""


def test_re_enabling_clears_the_failures_and_disabling_keeps_them():
    created = subscriptions.webhook_subscription_create(actor=None, url=URL, events=["ticket.created"])
    WebhookSubscription.objects.filter(pk=created.pk).update(
        is_active=False, consecutive_failures=7, disabled_at=NOW, disabled_reason="7 failures"
    )
    subscriptions.webhook_subscription_update(subscription=created, actor=None, data={"is_active": True})
    created.refresh_from_db()
    assert (created.is_active, created.consecutive_failures, created.disabled_at, created.disabled_reason) == (
        True,
        0,
        None,
        "",
    )
    WebhookSubscription.objects.filter(pk=created.pk).update(consecutive_failures=3)
    subscriptions.webhook_subscription_update(subscription=created, actor=None, data={"is_active": 0})
    created.refresh_from_db()
    assert (created.is_active, created.consecutive_failures) == (False, 3)


def test_an_active_subscription_set_active_again_keeps_its_failure_count():
    created = subscriptions.webhook_subscription_create(actor=None, url=URL, events=["ticket.created"])
    WebhookSubscription.objects.filter(pk=created.pk).update(consecutive_failures=2)
    subscriptions.webhook_subscription_update(subscription=created, actor=None, data={"is_active": True})
    created.refresh_from_db()
    assert (created.is_active, created.consecutive_failures) == (True, 2)


def test_an_update_refuses_unknown_fields_and_bad_urls():
    created = subscriptions.webhook_subscription_create(actor=None, url=URL, events=["ticket.created"])
    with pytest.raises(ValidationError) as caught:
        subscriptions.webhook_subscription_update(subscription=created, actor=None, data={"url": "ftp://x.example/h"})
    assert list(caught.value.message_dict) == ["url"]
    with pytest.raises(ValidationError) as caught:
        subscriptions.webhook_subscription_update(subscription=created, actor=None, data={"secret": "mine"})
    assert list(caught.value.message_dict) == ["secret"]
    assert _row(created)[0] == URL


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("grace", "expires"), [(None, NOW + timedelta(seconds=3600)), (60, NOW + timedelta(seconds=60))]
)
def test_a_rotation_keeps_the_old_secret_for_the_grace(settings, grace, expires):
    settings.WEBHOOK_SECRET_ROTATION_GRACE_SECONDS = 3600
    created = subscriptions.webhook_subscription_create(actor=None, url=URL, events=["ticket.created"])
    old = created.secret
    rotated = subscriptions.webhook_subscription_rotate_secret(subscription=created, actor=None, grace_seconds=grace)
    rotated.refresh_from_db()
    assert (rotated.previous_secret, rotated.previous_secret_expires_at) == (old, expires)
    assert rotated.secret not in (old, "")


@freeze_time(NOW)
def test_a_redelivery_starts_over_now_and_is_queued_with_its_id(django_capture_on_commit_callbacks, monkeypatch):
    queued: list[str] = []
    monkeypatch.setattr(subscriptions, "webhook_attempt_enqueue", queued.append)
    delivery = baker.make(
        "notifications.WebhookDelivery",
        status="failed",
        attempts=5,
        next_attempt_at=None,
        delivered_at=NOW - timedelta(days=1),
        response_status=500,
    )
    with django_capture_on_commit_callbacks(execute=True):
        subscriptions.webhook_delivery_redeliver(delivery=delivery, actor=None)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at, delivery.delivered_at) == (
        "pending",
        0,
        NOW,
        None,
    )
    assert delivery.response_status == 500  # the last answer stays until the next attempt
    assert queued == [str(delivery.pk)]
