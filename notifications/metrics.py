"""Notification metrics: delivery outcomes counted where they happen (in the workers), and the
outbox/email/webhook backlog read at scrape time (config/metrics.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Min
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from notifications.models import DeliveryStatus, EmailLog, EmailStatus, OutboxEvent, OutboxStatus, WebhookDelivery

EMAIL_ATTEMPTS = Counter(
    "helpdesk_email_deliveries",
    "Email send attempts by outcome (sent, failed for good, retry scheduled).",
    ["outcome"],
)
WEBHOOK_ATTEMPTS = Counter(
    "helpdesk_webhook_deliveries",
    "Webhook delivery attempts by outcome (delivered, failed for good, retry scheduled).",
    ["outcome"],
)
_OUTCOME = {
    EmailStatus.SENT: "sent",
    EmailStatus.FAILED: "failed",
    DeliveryStatus.DELIVERED: "delivered",
    DeliveryStatus.FAILED: "failed",
}


def outcome(status: str) -> str:
    """The counter label for a row's status after an attempt: what is still pending is a retry."""
    return _OUTCOME.get(status, "retry")


class NotificationsCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        pending = OutboxEvent.objects.filter(status=OutboxStatus.PENDING).aggregate(oldest=Min("created_at"))
        count = OutboxEvent.objects.filter(status=OutboxStatus.PENDING).count()
        yield GaugeMetricFamily("helpdesk_outbox_pending_events", "Outbox events not yet dispatched.", value=count)
        oldest = pending["oldest"]
        yield GaugeMetricFamily(
            "helpdesk_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox event (0 when none is pending).",
            value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        )
        yield GaugeMetricFamily(
            "helpdesk_email_pending",
            "Emails waiting to be sent (first try or retry).",
            value=EmailLog.objects.filter(status__in=[EmailStatus.PENDING, EmailStatus.SENDING]).count(),
        )
        yield GaugeMetricFamily(
            "helpdesk_webhook_pending",
            "Webhook deliveries waiting for an attempt (first try or retry).",
            value=WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count(),
        )
