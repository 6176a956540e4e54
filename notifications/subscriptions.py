"""Webhook subscriptions (admins, through the API and the admin): create, change, rotate the
secret, delete, redeliver. Events must be registered ones (notifications/events.py)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agents.models import User
from config.services import fields_refuse_unknown
from notifications import events as events_catalogue
from notifications import signing, webhooks
from notifications.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from notifications.webhook_delivery import webhook_attempt_enqueue

logger = logging.getLogger(__name__)

# --- webhooks: subscriptions -------------------------------------------------------------------


def _clean_events(events: Any) -> list[str]:
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise ValidationError({"events": ["Give a non-empty list of event names."]})
    known = events_catalogue.known_events()
    unknown = sorted(set(events) - set(known))
    if unknown:
        raise ValidationError({"events": [f"Unknown event(s): {', '.join(unknown)}. Known: {', '.join(known)}."]})
    return sorted(set(events))


@transaction.atomic
def webhook_subscription_create(
    *,
    actor: User | None,
    url: str,
    events: list[str],
    description: str = "",
    is_active: bool = True,
    include_internal_notes: bool = False,
) -> WebhookSubscription:
    """Register a receiver. The generated secret is on the returned object: show it once.
    Internal notes are delivered only with `include_internal_notes=True`."""
    errors: dict[str, list[str]] = {}
    cleaned_events: list[str] = []
    try:
        webhooks.validate_url(url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        cleaned_events = _clean_events(events)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return WebhookSubscription.objects.create(
        url=url,
        events=cleaned_events,
        description=description or "",
        is_active=is_active,
        include_internal_notes=bool(include_internal_notes),
        secret=signing.generate_secret(),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )


@transaction.atomic
def webhook_subscription_update(
    *, subscription: WebhookSubscription, actor: User | None, data: dict[str, Any]
) -> WebhookSubscription:
    """Change url, events, description, is_active or include_internal_notes. Re-enabling clears
    the failure count, and deliveries left pending while it was disabled resume."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    fields_refuse_unknown(data, ("url", "events", "description", "is_active", "include_internal_notes"))
    if "url" in data:
        webhooks.validate_url(data["url"])
        subscription.url = data["url"]
    if "events" in data:
        subscription.events = _clean_events(data["events"])
    if "description" in data:
        subscription.description = data["description"] or ""
    if "include_internal_notes" in data:
        subscription.include_internal_notes = bool(data["include_internal_notes"])
    if "is_active" in data:
        activate = bool(data["is_active"])
        if activate and not subscription.is_active:
            subscription.consecutive_failures = 0
            subscription.disabled_at = None
            subscription.disabled_reason = ""
        subscription.is_active = activate
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_rotate_secret(
    *, subscription: WebhookSubscription, actor: User | None, grace_seconds: int | None = None
) -> WebhookSubscription:
    """A new secret; the old one keeps signing too (two signatures) for the grace period."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    grace = settings.WEBHOOK_SECRET_ROTATION_GRACE_SECONDS if grace_seconds is None else grace_seconds
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = timezone.now() + timedelta(seconds=grace)
    subscription.secret = signing.generate_secret()
    subscription.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return subscription


@transaction.atomic
def webhook_subscription_delete(*, subscription: WebhookSubscription, actor: User | None) -> None:
    subscription.delete()


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery, actor: User | None) -> WebhookDelivery:
    """Send a delivery again now (same webhook-id, so receivers can de-duplicate)."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.delivered_at = None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "delivered_at"])
    delivery_id = str(delivery.pk)
    transaction.on_commit(lambda: webhook_attempt_enqueue(delivery_id))
    return delivery
