"""Recovery after an outage is limited by the workers, not by fixed numbers per run: the outbox
sweep and the retry job go on in batches until nothing is due or their time budget is spent, and
an email whose worker died is retried after a short lease."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from model_bakery import baker

from notifications import dispatch, webhook_delivery
from notifications.email_delivery import email_send_pending
from notifications.models import EmailStatus, OutboxEvent, OutboxStatus, WebhookDelivery

pytestmark = pytest.mark.django_db


def _old_events(count: int) -> None:
    created = timezone.now() - timedelta(minutes=10)
    baker.make_recipe("tests.notifications.outbox_event", created_at=created, _quantity=count, _bulk_create=True)
    OutboxEvent.objects.update(created_at=created)  # auto_now_add on bulk_create


def test_one_sweep_dispatches_the_whole_backlog_in_batches():
    _old_events(13)

    assert dispatch.outbox_sweep(batch=5) == 13

    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {OutboxStatus.DISPATCHED}


def test_a_sweep_past_its_time_budget_leaves_the_rest_for_the_next_run():
    _old_events(3)

    assert dispatch.outbox_sweep(budget_seconds=0) == 0
    assert dispatch.outbox_sweep() == 3


def test_a_sweep_does_not_retake_an_event_that_stays_pending(settings, monkeypatch):
    _old_events(4)
    seen: list[str] = []
    monkeypatch.setattr(dispatch, "outbox_event_dispatch", lambda *, event_id: seen.append(event_id))

    assert dispatch.outbox_sweep(batch=2) == 4

    assert len(seen) == len(set(seen)) == 4


def test_one_retry_run_sends_every_due_webhook(subscribe, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscription = subscribe()
    due = timezone.now() - timedelta(seconds=1)
    baker.make_recipe(
        "tests.notifications.webhook_delivery", subscription=subscription, next_attempt_at=due, _quantity=60
    )

    assert webhook_delivery.delivery_retry() == {"webhooks": 60, "emails": 0}

    assert len(httpserver.log) == 60
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_an_email_claimed_by_a_dead_worker_is_retried_after_three_minutes(settings, mailoutbox):
    assert settings.EMAIL_CLAIM_LEASE_SECONDS == 180
    stuck = baker.make_recipe(
        "tests.notifications.email_log",
        status=EmailStatus.SENDING,
        claimed_at=timezone.now() - timedelta(seconds=181),
        attempts=1,
    )

    assert email_send_pending() == 1

    stuck.refresh_from_db()
    assert stuck.status == EmailStatus.SENT
    assert len(mailoutbox) == 1
