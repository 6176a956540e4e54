"""Dispatch of outbox events to their channels (email, webhooks), and the webhook subscriptions.

How nothing is lost, sent twice, or sent for a rolled-back change:

1. ``publish()`` stores an OutboxEvent in the caller's transaction (rolled back with it) and
   enqueues ``outbox_dispatch`` on commit.
2. ``outbox_event_dispatch`` locks the event row and creates one delivery record per recipient
   (EmailLog, unique per event/template/recipient) and per subscription (WebhookDelivery, unique
   per event/subscription) and per registered in-process consumer (ConsumerRun, unique per
   event/consumer; notifications/consumers.py), ignoring conflicts: a second dispatch creates
   nothing new. Consumers run once each, after the sends are under way; a failing one keeps the
   event pending for the sweep.
3. It then sends: each record is *claimed* (status/lease under ``select_for_update(skip_locked)``)
   before it is sent and marked sent/delivered after, so a concurrent or repeated dispatch skips
   what is done or in flight. Only then is the event marked dispatched.
4. A worker that dies anywhere in 2-3 leaves the event pending: ``outbox_sweep`` dispatches it
   again, which only sends the records not yet sent. A claim whose worker died expires after
   its lease and is picked up again (the one window where a message could be sent twice is a
   crash between the provider accepting it and our commit, the usual at-least-once edge;
   webhook receivers de-duplicate on ``webhook-id``).
5. Retries: email retries a few times in-process (short backoff with jitter), then becomes a row
   due later; webhook retries are rows (``next_attempt_at``) picked up every minute by
   ``delivery_retry`` (short delays may also get a Celery countdown, the row stays the source of
   truth)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications import consumers, emails
from notifications.email_delivery import email_send_pending
from notifications.models import (
    DeliveryStatus,
    EmailLog,
    OutboxEvent,
    OutboxStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from notifications.recipients import email_recipients
from notifications.webhook_delivery import webhook_attempt_enqueue

logger = logging.getLogger(__name__)

# --- outbox ------------------------------------------------------------------------------------


def webhook_envelope(event: OutboxEvent) -> dict[str, Any]:
    """The JSON body receivers get (Standard Webhooks' recommended shape)."""
    return {
        "type": event.event,
        "timestamp": event.created_at.isoformat(),
        "event_id": str(event.pk),
        "data": event.payload,
    }


def _is_internal_note(event: OutboxEvent) -> bool:
    """An event carrying an internal note's text: only subscriptions that opted in get it."""
    comment = (event.payload or {}).get("comment")
    return event.event == "ticket.comment_added" and isinstance(comment, dict) and bool(comment.get("is_internal"))


def _plan(event: OutboxEvent) -> None:
    """Create the delivery records of an event; existing ones are left alone (unique constraints)."""
    logs = []
    for mail in email_recipients(event.event, event.payload):
        rendered = emails.render(mail, event_id=str(event.pk))
        logs.append(
            EmailLog(
                event_id=event.pk,
                event=event.event,
                template=mail.template,
                recipient=mail.recipient,
                ticket_id=mail.ticket_id,
                essential=mail.essential,
                subject=rendered.subject,
                body_text=rendered.text,
                body_html=rendered.html,
                headers=rendered.headers,
                attachments=list(mail.attachments),
                message_id=rendered.message_id,
            )
        )
    EmailLog.objects.bulk_create(logs, ignore_conflicts=True)

    envelope = webhook_envelope(event)
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            subscription=subscription,
            event_id=event.pk,
            event=event.event,
            payload=envelope,
            next_attempt_at=now,
        )
        for subscription in WebhookSubscription.objects.filter(is_active=True).only(
            "id", "events", "include_internal_notes"
        )
        if event.event in (subscription.events or [])
        and (subscription.include_internal_notes or not _is_internal_note(event))
    ]
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    consumers.consumer_runs_plan(event_id=event.pk, event=event.event)


def outbox_event_dispatch(*, event_id: str) -> OutboxEvent | None:
    """Deliver one event to every channel, once. Safe to run twice or concurrently."""
    try:
        with transaction.atomic():
            event = OutboxEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id).first()
            if event is None or event.status != OutboxStatus.PENDING:
                return event
            event.attempts += 1
            event.save(update_fields=["attempts"])
            _plan(event)
    except Exception as exc:
        logger.exception("planning outbox event %s failed; the sweep will retry", event_id)
        row = OutboxEvent.objects.filter(pk=event_id).first()
        if row is not None:
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                row.status = OutboxStatus.FAILED
            row.save(update_fields=["attempts", "last_error", "status"])
        return row

    while email_send_pending(event_id=event.pk):
        pass
    for delivery_id in WebhookDelivery.objects.filter(event_id=event.pk, status=DeliveryStatus.PENDING).values_list(
        "pk", flat=True
    ):
        webhook_attempt_enqueue(str(delivery_id))
    # In-process consumers (notifications/consumers.py): each once; a failed one keeps the event
    # pending, so the sweep dispatches it again (only the unfinished runs execute).
    unfinished = consumers.consumer_runs_execute(event_id=event.pk, payload=event.payload)
    if unfinished:
        OutboxEvent.objects.filter(pk=event.pk).update(last_error=f"{unfinished} consumer run(s) unfinished")
        event.refresh_from_db()
        return event
    OutboxEvent.objects.filter(pk=event.pk, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.DISPATCHED, dispatched_at=timezone.now(), last_error=""
    )
    event.refresh_from_db()
    return event


def outbox_sweep(
    *, older_than_seconds: int | None = None, batch: int = 500, budget_seconds: float | None = None
) -> int:
    """Dispatch events left pending longer than the grace period (their on-commit task was lost
    or died), oldest first, in batches until none is left or the time budget is spent (then the
    next run goes on): after an outage the backlog drains as fast as the workers can dispatch, with
    no fixed number per run. Each row is dispatched under its own lock, so a concurrent dispatch
    (or a second sweep on another worker) skips it."""
    grace = settings.OUTBOX_SWEEP_GRACE_SECONDS if older_than_seconds is None else older_than_seconds
    budget = settings.SWEEP_TIME_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    cutoff = timezone.now() - timedelta(seconds=grace)
    pending = OutboxEvent.objects.filter(status=OutboxStatus.PENDING, created_at__lt=cutoff)
    dispatched = 0
    after: tuple[Any, Any] | None = None
    while time.monotonic() < deadline:
        page = pending.order_by("created_at", "pk")
        if after is not None:  # keyset: an event that stays pending (its consumer failed) is not retaken
            page = page.filter(Q(created_at__gt=after[0]) | Q(created_at=after[0], pk__gt=after[1]))
        rows = list(page.values_list("created_at", "pk")[:batch])
        for _created_at, event_id in rows:
            outbox_event_dispatch(event_id=str(event_id))
            dispatched += 1
        if len(rows) < batch:
            break
        after = rows[-1]
    logger.info("outbox sweep: %d pending event(s) dispatched", dispatched)
    return dispatched
