"""Delivering webhooks: each WebhookDelivery is claimed, signed (notifications/signing.py), POSTed,
and retried on the schedule in WEBHOOK_RETRY_SCHEDULE; a subscription failing too often is disabled."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.celery import enqueue
from notifications import metrics, signing, webhooks
from notifications.email_delivery import email_send_pending
from notifications.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)

# --- webhooks: delivery ------------------------------------------------------------------------


def webhook_attempt_enqueue(delivery_id: str, countdown: int | None = None) -> None:
    try:
        enqueue("notifications.webhook_deliver", delivery_id, countdown=countdown or None)
    except Exception:  # broker down: the row is due and delivery_retry picks it up
        logger.exception("could not enqueue webhook delivery %s; the retry job will pick it up", delivery_id)


def _claim_delivery(*, delivery_id: str | None = None) -> WebhookDelivery | None:
    """Take one due delivery: bump its attempts and push next_attempt_at out by the lease, so no
    other worker sends it meanwhile (and a dead worker's claim expires)."""
    now = timezone.now()
    with transaction.atomic():
        queryset = WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, subscription__is_active=True
        )
        if delivery_id is not None:
            queryset = queryset.filter(pk=delivery_id)
        delivery = queryset.order_by("next_attempt_at").first()
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + timedelta(seconds=settings.WEBHOOK_CLAIM_LEASE_SECONDS)
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    return WebhookDelivery.objects.select_related("subscription").get(pk=delivery.pk)


def _disable(subscription_id: int, reason: str) -> None:
    WebhookSubscription.objects.filter(pk=subscription_id, is_active=True).update(
        is_active=False, disabled_at=timezone.now(), disabled_reason=reason[:255]
    )
    logger.warning("webhook subscription %s disabled: %s", subscription_id, reason)


def _attempt(delivery: WebhookDelivery) -> WebhookDelivery:
    subscription = delivery.subscription
    data = (delivery.payload or {}).get("data") if isinstance(delivery.payload, dict) else None
    comment = data.get("comment") if isinstance(data, dict) else None
    if (
        delivery.event == "ticket.comment_added"
        and isinstance(comment, dict)
        and comment.get("is_internal")
        and not subscription.include_internal_notes
    ):
        # Planned while the subscription took internal notes; it no longer does: never send it.
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        delivery.error = "Not sent: this subscription no longer includes internal notes."
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=delivery.status, next_attempt_at=None, error=delivery.error
        )
        return delivery
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()
    headers = signing.sign_headers(secrets=subscription.signing_secrets(), msg_id=str(delivery.pk), body=body)
    response = webhooks.post(url=subscription.url, body=body, headers=headers)

    now = timezone.now()
    delivery.response_status = response.status
    delivery.response_excerpt = response.excerpt[: settings.WEBHOOK_RESPONSE_EXCERPT_BYTES]
    delivery.duration_ms = response.duration_ms
    delivery.error = response.error
    countdown = None
    if response.status is not None and 200 <= response.status < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
    else:
        if response.status is not None and 300 <= response.status < 400:
            delivery.error = f"Redirect ({response.status}) refused: webhook URLs must answer directly."
        elif response.status is not None and not delivery.error:
            delivery.error = f"HTTP {response.status}"
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        schedule = settings.WEBHOOK_RETRY_SCHEDULE
        if response.status == 410:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            _disable(subscription.pk, "The receiver answered 410 Gone.")
        elif delivery.attempts > len(schedule):
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delay = schedule[delivery.attempts - 1]
            delivery.next_attempt_at = now + timedelta(seconds=delay)
            if delay <= settings.WEBHOOK_MAX_COUNTDOWN_SECONDS:
                countdown = delay
        # None: the subscription was deleted during the POST (its deliveries with it); nothing to disable.
        failures = (
            WebhookSubscription.objects.filter(pk=subscription.pk)
            .values_list("consecutive_failures", flat=True)
            .first()
        )
        if failures is not None and failures >= settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES:
            _disable(subscription.pk, f"Disabled after {failures} consecutive failed attempts.")
    # update(), not save(): the subscription (and so this row) may have been deleted meanwhile.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=delivery.status,
        response_status=delivery.response_status,
        response_excerpt=delivery.response_excerpt,
        duration_ms=delivery.duration_ms,
        error=delivery.error,
        next_attempt_at=delivery.next_attempt_at,
        delivered_at=delivery.delivered_at,
    )
    metrics.WEBHOOK_ATTEMPTS.labels(outcome=metrics.outcome(delivery.status)).inc()
    if countdown is not None:
        webhook_attempt_enqueue(str(delivery.pk), countdown=countdown)
    return delivery


def webhook_delivery_attempt(*, delivery_id: str) -> WebhookDelivery | None:
    """Attempt one delivery if it is due (else do nothing: someone else has it or it is not time)."""
    delivery = _claim_delivery(delivery_id=delivery_id)
    return _attempt(delivery) if delivery is not None else None


def delivery_retry(*, budget_seconds: float | None = None) -> dict[str, int]:
    """Beat, every minute: send every due webhook retry (one claimed row at a time, skip_locked, so
    several workers share the work), then every due email (in batches over one connection), until
    none is due or the time budget is spent (the next run goes on). No fixed number per run: after
    an outage the backlog drains as fast as the workers can send."""
    budget = settings.SWEEP_TIME_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    webhooks_sent = 0
    while time.monotonic() < deadline:
        delivery = _claim_delivery()
        if delivery is None:
            break
        _attempt(delivery)
        webhooks_sent += 1
    emails_sent = 0
    while time.monotonic() < deadline:
        claimed = email_send_pending()
        if not claimed:
            break
        emails_sent += claimed
    return {"webhooks": webhooks_sent, "emails": emails_sent}
