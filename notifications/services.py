"""Dispatch of outbox events to their channels (email, webhooks)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from notifications.models import OutboxEvent, OutboxStatus


@transaction.atomic
def outbox_event_dispatch(*, event_id: str) -> OutboxEvent | None:
    """Deliver one event to every channel, once. Safe to run twice: a dispatched row is skipped."""
    event = OutboxEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id).first()
    if event is None or event.status != OutboxStatus.PENDING:
        return event
    event.attempts += 1
    event.status = OutboxStatus.DISPATCHED
    event.dispatched_at = timezone.now()
    event.save(update_fields=["attempts", "status", "dispatched_at"])
    return event


def outbox_sweep(*, older_than_seconds: int = 60, limit: int = 500) -> int:
    """Dispatch events left pending longer than the grace period (their on-commit task was lost
    or died). Each row is dispatched under its own lock, so a concurrent dispatch skips it."""
    import logging
    from datetime import timedelta

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxEvent.objects.filter(status=OutboxStatus.PENDING, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for event_id in ids:
        outbox_event_dispatch(event_id=str(event_id))
    logging.getLogger(__name__).info("outbox sweep: %d pending event(s) dispatched", len(ids))
    return len(ids)
