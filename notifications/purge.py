"""Retention of the notification records: finished email and webhook records older than
NOTIFICATIONS_RETENTION_DAYS are deleted in chunks."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from notifications.models import (
    DeliveryStatus,
    EmailLog,
    EmailStatus,
    OutboxEvent,
    OutboxStatus,
    WebhookDelivery,
)

logger = logging.getLogger(__name__)

# --- retention ---------------------------------------------------------------------------------


def _delete_in_chunks(queryset: Any, chunk: int = 5000) -> int:
    deleted = 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:chunk])
        if not ids:
            return deleted
        deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]


def notifications_purge(*, older_than_days: int | None = None) -> dict[str, int]:
    """Delete finished records older than NOTIFICATIONS_RETENTION_DAYS: dispatched/failed outbox
    events, sent/failed emails, delivered/failed webhook deliveries. Pending rows are never purged."""
    days = settings.NOTIFICATIONS_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    return {
        "outbox": _delete_in_chunks(
            OutboxEvent.objects.filter(created_at__lt=cutoff).exclude(status=OutboxStatus.PENDING)
        ),
        "emails": _delete_in_chunks(
            EmailLog.objects.filter(created_at__lt=cutoff, status__in=[EmailStatus.SENT, EmailStatus.FAILED])
        ),
        "webhooks": _delete_in_chunks(
            WebhookDelivery.objects.filter(
                created_at__lt=cutoff, status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]
            )
        ),
    }
