"""Claiming webhook deliveries between workers (PostgreSQL; SQLite has no row locks): a row another
worker holds is skipped at once, not waited for, and a claim locks the delivery row only, never its
subscription (which every attempt's failure count update writes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone
from model_bakery import baker

from notifications import webhook_delivery
from notifications.models import WebhookDelivery, WebhookSubscription
from tests.locks import while_held

pytestmark = [
    pytest.mark.postgres(reason="row locks between two transactions"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def due_pair(db) -> tuple[WebhookDelivery, WebhookDelivery]:
    subscription = baker.make_recipe("tests.notifications.webhook_subscription")
    now = timezone.now()
    older = baker.make_recipe(
        "tests.notifications.webhook_delivery",
        subscription=subscription,
        event_id="00000000-0000-0000-0000-0000000000c1",
        next_attempt_at=now - timedelta(minutes=2),
    )
    newer = baker.make_recipe(
        "tests.notifications.webhook_delivery",
        subscription=subscription,
        event_id="00000000-0000-0000-0000-0000000000c2",
        next_attempt_at=now - timedelta(minutes=1),
    )
    return older, newer


def test_a_row_another_worker_holds_is_skipped_not_waited_for(due_pair):
    older, newer = due_pair

    claimed = while_held(
        lambda: WebhookDelivery.objects.select_for_update().get(pk=older.pk),
        webhook_delivery._claim_delivery,
    )

    assert claimed.pk == newer.pk
    assert WebhookDelivery.objects.get(pk=older.pk).attempts == 0


def test_a_claim_leaves_the_subscription_row_unlocked(due_pair):
    older, _newer = due_pair

    def count_a_failure() -> int:
        return WebhookSubscription.objects.filter(pk=older.subscription_id).update(
            consecutive_failures=F("consecutive_failures") + 1
        )

    updated = while_held(lambda: webhook_delivery._claim_delivery(delivery_id=str(older.pk)), count_a_failure)

    assert updated == 1
    assert WebhookSubscription.objects.get(pk=older.subscription_id).consecutive_failures == 1
    assert WebhookDelivery.objects.get(pk=older.pk).attempts == 1
