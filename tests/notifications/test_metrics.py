"""Notification figures on /metrics: outbox backlog and its oldest event, pending emails and
webhook deliveries, and delivery outcomes counted where they happen."""

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time
from model_bakery import baker

from notifications.email_delivery import email_send_pending
from notifications.models import DeliveryStatus, EmailStatus, OutboxStatus
from notifications.webhook_delivery import webhook_delivery_attempt
from tests.prometheus import scrape, value


@pytest.mark.django_db
@freeze_time("2026-11-30 10:00:00")
def test_outbox_backlog_and_age_of_oldest_pending_event(client, settings):
    now = timezone.now()
    for age, status in [(120, OutboxStatus.PENDING), (30, OutboxStatus.PENDING), (900, OutboxStatus.DISPATCHED)]:
        baker.make_recipe("tests.notifications.outbox_event", status=status, created_at=now - timedelta(seconds=age))
    baker.make_recipe("tests.notifications.email_log", status=EmailStatus.PENDING)
    baker.make_recipe("tests.notifications.email_log", status=EmailStatus.SENDING)
    baker.make_recipe("tests.notifications.email_log", status=EmailStatus.SENT)
    baker.make_recipe("tests.notifications.webhook_delivery", status=DeliveryStatus.PENDING)
    baker.make_recipe("tests.notifications.webhook_delivery", status=DeliveryStatus.FAILED)

    samples = scrape(client, settings)

    assert value(samples, "helpdesk_outbox_pending_events") == 2
    assert value(samples, "helpdesk_outbox_oldest_pending_age_seconds") == 120
    assert value(samples, "helpdesk_email_pending") == 2
    assert value(samples, "helpdesk_webhook_pending") == 1


@pytest.mark.django_db
def test_empty_outbox_has_age_zero(client, settings):
    samples = scrape(client, settings)

    assert value(samples, "helpdesk_outbox_pending_events") == 0
    assert value(samples, "helpdesk_outbox_oldest_pending_age_seconds") == 0


@pytest.mark.django_db
def test_webhook_outcomes_are_counted(client, settings, subscribe, httpserver):
    subscription = subscribe()
    httpserver.expect_ordered_request("/hook").respond_with_data("no", status=500)
    httpserver.expect_ordered_request("/hook").respond_with_data("ok", status=200)
    httpserver.expect_ordered_request("/hook").respond_with_data("gone", status=410)
    deliveries = [
        baker.make_recipe(
            "tests.notifications.webhook_delivery",
            subscription=subscription,
            next_attempt_at=timezone.now() - timedelta(seconds=1),
        )
        for _ in range(3)
    ]
    before = scrape(client, settings)

    for delivery in deliveries:
        webhook_delivery_attempt(delivery_id=str(delivery.pk))
    after = scrape(client, settings)

    def delta(outcome):
        name, labels = "helpdesk_webhook_deliveries_total", {"outcome": outcome}
        return value(after, name, **labels) - (value(before, name, **labels) or 0)

    assert (delta("retry"), delta("delivered"), delta("failed")) == (1, 1, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("backend", "outcome"),
    [
        pytest.param("django.core.mail.backends.locmem.EmailBackend", "sent", id="sent"),
        pytest.param("tests.notifications.backends.BrokenBackend", "retry", id="provider-down"),
        pytest.param("tests.notifications.backends.RefusingBackend", "failed", id="recipient-refused"),
    ],
)
def test_email_outcomes_are_counted(client, settings, backend, outcome):
    settings.EMAIL_BACKEND = backend
    baker.make_recipe("tests.notifications.email_log", status=EmailStatus.PENDING)
    before = scrape(client, settings)

    email_send_pending()
    after = scrape(client, settings)

    name = "helpdesk_email_deliveries_total"
    assert value(after, name, outcome=outcome) - (value(before, name, outcome=outcome) or 0) == 1
