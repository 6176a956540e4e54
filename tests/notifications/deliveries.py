"""A webhook delivery row as the delivery tests compare it: everything an attempt writes."""

from __future__ import annotations

from notifications.models import WebhookDelivery


def delivery_row(delivery: WebhookDelivery) -> tuple:
    """The stored row, re-read: status, attempts, response status, excerpt and duration, error,
    next attempt, last attempt, delivered at."""
    row = WebhookDelivery.objects.get(pk=delivery.pk)
    return (
        row.status,
        row.attempts,
        row.response_status,
        row.response_excerpt,
        row.duration_ms,
        row.error,
        row.next_attempt_at,
        row.last_attempt_at,
        row.delivered_at,
    )
