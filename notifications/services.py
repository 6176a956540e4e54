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
   truth).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications import consumers, emails, signing, webhooks
from notifications.models import (
    DeliveryStatus,
    EmailLog,
    EmailStatus,
    OutboxEvent,
    OutboxStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from notifications.recipients import email_recipients

logger = logging.getLogger(__name__)

# Every event the product publishes, all subscribable (payloads: notifications/README.md).
KNOWN_EVENTS: tuple[str, ...] = (
    "ticket.created",
    "ticket.updated",
    "ticket.status_changed",
    "ticket.assigned",
    "ticket.comment_added",
    "ticket.deleted",
    "ticket.sla_warning",
    "ticket.sla_breached",
    "ticket.escalated",
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "customer.erased",
    "customer.merged",
    "customer.portal_access_granted",
)


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
        _enqueue_webhook_attempt(str(delivery_id))
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


def outbox_sweep(*, older_than_seconds: int | None = None, limit: int = 500) -> int:
    """Dispatch events left pending longer than the grace period (their on-commit task was lost
    or died). Each row is dispatched under its own lock, so a concurrent dispatch skips it."""
    grace = settings.OUTBOX_SWEEP_GRACE_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=grace)
    ids = list(
        OutboxEvent.objects.filter(status=OutboxStatus.PENDING, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for event_id in ids:
        outbox_event_dispatch(event_id=str(event_id))
    logger.info("outbox sweep: %d pending event(s) dispatched", len(ids))
    return len(ids)


# --- email -------------------------------------------------------------------------------------


def _claim_emails(*, event_id: Any = None, limit: int) -> list[EmailLog]:
    now = timezone.now()
    lease_expired = now - timedelta(seconds=settings.EMAIL_CLAIM_LEASE_SECONDS)
    due = Q(status=EmailStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    stale = Q(status=EmailStatus.SENDING, claimed_at__lt=lease_expired)
    with transaction.atomic():
        queryset = EmailLog.objects.select_for_update(skip_locked=True).filter(due | stale)
        if event_id is not None:
            queryset = queryset.filter(event_id=event_id)
        logs = list(queryset.order_by("created_at", "id")[:limit])
        for log in logs:
            log.status = EmailStatus.SENDING
            log.claimed_at = now
            log.attempts += 1
        EmailLog.objects.bulk_update(logs, ["status", "claimed_at", "attempts"])
    return logs


def email_send_pending(*, event_id: Any = None, limit: int | None = None) -> int:
    """Send one batch of due emails over one connection; return how many were claimed."""
    logs = _claim_emails(event_id=event_id, limit=limit or settings.EMAIL_BATCH_SIZE)
    if not logs:
        return 0
    messages = [
        emails.build_message(
            recipient=log.recipient,
            subject=log.subject,
            text=log.body_text,
            html=log.body_html,
            message_id=log.message_id,
            headers=log.headers,
            attachments=log.attachments,
        )
        for log in logs
    ]
    results = emails.send_batch(messages)
    now = timezone.now()
    schedule = settings.EMAIL_RETRY_SCHEDULE
    for log, result in zip(logs, results, strict=True):
        log.provider = result.provider[:100]
        log.error = result.error
        if result.ok:
            log.status = EmailStatus.SENT
            log.sent_at = now
            log.provider_message_id = result.provider_message_id[:255]
            log.next_attempt_at = None
        elif result.permanent or log.attempts > len(schedule):
            log.status = EmailStatus.FAILED
            log.next_attempt_at = None
        else:
            log.status = EmailStatus.PENDING
            log.next_attempt_at = now + timedelta(seconds=schedule[log.attempts - 1])
        logger.info(
            "email %s to %s: %s via %s %s",
            log.template,
            log.recipient,
            log.status,
            log.provider,
            log.error,
        )
    EmailLog.objects.bulk_update(
        logs, ["status", "sent_at", "provider", "provider_message_id", "error", "next_attempt_at"]
    )
    return len(logs)


# --- webhooks: delivery ------------------------------------------------------------------------


def _enqueue_webhook_attempt(delivery_id: str, countdown: int | None = None) -> None:
    from notifications.tasks import webhook_deliver

    try:
        if countdown:
            webhook_deliver.apply_async(args=[delivery_id], countdown=countdown)
        else:
            webhook_deliver.delay(delivery_id)
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
        failures = WebhookSubscription.objects.values_list("consecutive_failures", flat=True).get(pk=subscription.pk)
        if failures >= settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES:
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
    if countdown is not None:
        _enqueue_webhook_attempt(str(delivery.pk), countdown=countdown)
    return delivery


def webhook_delivery_attempt(*, delivery_id: str) -> WebhookDelivery | None:
    """Attempt one delivery if it is due (else do nothing: someone else has it or it is not time)."""
    delivery = _claim_delivery(delivery_id=delivery_id)
    return _attempt(delivery) if delivery is not None else None


def delivery_retry(*, limit: int | None = None) -> dict[str, int]:
    """Beat, every minute: send due webhook retries (one claimed row at a time, skip_locked, so
    several workers share the work) and due email retries (in batches over one connection)."""
    limit = limit or settings.WEBHOOK_PICKUP_BATCH
    webhooks_sent = 0
    while webhooks_sent < limit:
        delivery = _claim_delivery()
        if delivery is None:
            break
        _attempt(delivery)
        webhooks_sent += 1
    emails_sent = 0
    for _ in range(settings.EMAIL_RETRY_BATCHES):
        claimed = email_send_pending()
        if not claimed:
            break
        emails_sent += claimed
    return {"webhooks": webhooks_sent, "emails": emails_sent}


# --- webhooks: subscriptions -------------------------------------------------------------------


def _clean_events(events: Any) -> list[str]:
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise ValidationError({"events": ["Give a non-empty list of event names."]})
    unknown = sorted(set(events) - set(KNOWN_EVENTS))
    if unknown:
        raise ValidationError(
            {"events": [f"Unknown event(s): {', '.join(unknown)}. Known: {', '.join(KNOWN_EVENTS)}."]}
        )
    return sorted(set(events))


@transaction.atomic
def webhook_subscription_create(
    *,
    actor: AbstractBaseUser | None,
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
    *, subscription: WebhookSubscription, actor: AbstractBaseUser | None, data: dict[str, Any]
) -> WebhookSubscription:
    """Change url, events, description, is_active or include_internal_notes. Re-enabling clears
    the failure count, and deliveries left pending while it was disabled resume."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    unknown = set(data) - {"url", "events", "description", "is_active", "include_internal_notes"}
    if unknown:
        raise ValidationError({field: ["This field cannot be changed."] for field in sorted(unknown)})
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
    *, subscription: WebhookSubscription, actor: AbstractBaseUser | None, grace_seconds: int | None = None
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
def webhook_subscription_delete(*, subscription: WebhookSubscription, actor: AbstractBaseUser | None) -> None:
    subscription.delete()


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery, actor: AbstractBaseUser | None) -> WebhookDelivery:
    """Send a delivery again now (same webhook-id, so receivers can de-duplicate)."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.delivered_at = None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "delivered_at"])
    delivery_id = str(delivery.pk)
    transaction.on_commit(lambda: _enqueue_webhook_attempt(delivery_id))
    return delivery


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


# --- privacy: forgetting a person (GDPR erasure) ------------------------------------------------

ERASED_TEXT = "[erased]"
# String values kept when a payload is scrubbed: event metadata, enumerations and timestamps. Every
# other string (names, addresses, titles, bodies, free-text reasons, external ids) is replaced.
_KEPT_STRING_KEYS = frozenset(
    {
        "type",
        "event_id",
        "timestamp",
        "reference",
        "status",
        "old_status",
        "new_status",
        "priority",
        "old_priority",
        "new_priority",
        "tier",
        "channel",
        "category",
        "target",
    }
)
# Where a payload names the person it is about (see README "Events and payloads"): `customer_id`
# at the top level or in one of these top-level objects; `id` at the top level of `customer.*`.
_OWNER_OBJECTS = ("ticket", "comment")
_FORGET_BATCH = 500


def _scrub(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, key) for v in value]
    if isinstance(value, str) and value and not (key in _KEPT_STRING_KEYS or (key or "").endswith("_at")):
        return ERASED_TEXT
    return value


def _about_person_q(prefix: str, customer_id: int, email: str) -> Q:
    """Rows whose JSON (under `prefix`, e.g. "payload" or "payload__data") names the person: JSON
    containment (@>, index-friendly) on PostgreSQL, key lookups elsewhere; or the address anywhere
    in the JSON text."""
    from django.db import connection

    wrap = (lambda inner: {"data": inner}) if prefix.endswith("__data") else (lambda inner: inner)
    field = prefix.split("__", 1)[0]
    paths = [("customer_id",), *((obj, "customer_id") for obj in _OWNER_OBJECTS)]
    query = Q()
    for path in paths:
        if connection.vendor == "postgresql":
            nested: Any = customer_id
            for part in reversed(path):
                nested = {part: nested}
            query |= Q(**{f"{field}__contains": wrap(nested)})
        else:
            query |= Q(**{f"{prefix}__{'__'.join(path)}": customer_id})
    if connection.vendor == "postgresql":
        person = Q(**{f"{field}__contains": wrap({"id": customer_id})})
    else:
        person = Q(**{f"{prefix}__id": customer_id})
    query |= Q(event__startswith="customer.") & person
    if email:
        query |= Q(_json_text__icontains=email)
    return query


def _with_json_text(queryset: Any, field: str) -> Any:
    from django.db.models import TextField
    from django.db.models.functions import Cast

    return queryset.annotate(_json_text=Cast(field, output_field=TextField()))


def _scrub_payloads(queryset: Any) -> tuple[int, set[Any]]:
    """Scrub the payload of every row (in batches of one UPDATE each); return the count and the
    outbox event ids of the rows."""
    model = queryset.model
    count = 0
    event_ids: set[Any] = set()
    batch: list[Any] = []
    rows = model.objects.filter(pk__in=queryset.values("pk"))
    for row in rows.only("pk", "payload", *(["event_id"] if model is WebhookDelivery else [])).iterator(
        chunk_size=_FORGET_BATCH
    ):
        event_ids.add(row.event_id if model is WebhookDelivery else row.pk)
        row.payload = _scrub(row.payload)
        batch.append(row)
        if len(batch) >= _FORGET_BATCH:
            model.objects.bulk_update(batch, ["payload"])
            count += len(batch)
            batch = []
    if batch:
        model.objects.bulk_update(batch, ["payload"])
        count += len(batch)
    return count, event_ids


def _owned_ticket_ids(queryset: Any, customer_id: int) -> set[int]:
    ids: set[int] = set()
    for payload in queryset.values_list("payload", flat=True):
        ticket = payload.get("ticket") if isinstance(payload, dict) else None
        if isinstance(ticket, dict) and ticket.get("customer_id") == customer_id and isinstance(ticket.get("id"), int):
            ids.add(ticket["id"])
    return ids


@transaction.atomic
def notifications_forget(*, email: str, customer_id: int) -> dict[str, int]:
    """Remove a person's data from the notification tables (GDPR erasure), by their address and by
    the `customer_id`/`id` their events carry. notifications knows nothing of the domain: the
    caller anonymises its own rows and calls this with the address as it was.

    - Outbox events and webhook deliveries about the person: every string in the payload except
      event metadata, enumerations and timestamps becomes "[erased]" (ids and numbers stay, so
      counts and statistics survive); a still-pending event or delivery goes out scrubbed.
    - Email log entries to the address, caused by those events or about the person's tickets:
      subject, bodies and error erased, the address replaced by `erased-<id>@erased.invalid`;
      unsent ones are cancelled (status failed).
    Idempotent. Returns the number of rows scrubbed per table."""
    email = (email or "").strip()
    placeholder = f"erased-{customer_id}@erased.invalid"

    outbox = _with_json_text(OutboxEvent.objects.all(), "payload").filter(
        _about_person_q("payload", customer_id, email)
    )
    ticket_ids = _owned_ticket_ids(outbox, customer_id)
    outbox_count, event_ids = _scrub_payloads(outbox)

    deliveries = _with_json_text(WebhookDelivery.objects.all(), "payload").filter(
        _about_person_q("payload__data", customer_id, email)
    )
    webhook_count, delivery_event_ids = _scrub_payloads(deliveries)
    WebhookDelivery.objects.filter(event_id__in=delivery_event_ids).exclude(response_excerpt="").update(
        response_excerpt=""
    )
    event_ids |= delivery_event_ids

    about = Q(event_id__in=event_ids) | Q(ticket_id__in=ticket_ids)
    if email:
        about |= Q(recipient__iexact=email) | Q(body_text__icontains=email) | Q(subject__icontains=email)
    log_ids = list(EmailLog.objects.filter(about).values_list("pk", flat=True))
    logs = EmailLog.objects.filter(pk__in=log_ids)
    email_count = logs.update(subject=ERASED_TEXT, body_text="", body_html="", error="")
    logs.filter(status__in=[EmailStatus.PENDING, EmailStatus.SENDING]).update(
        status=EmailStatus.FAILED,
        next_attempt_at=None,
        claimed_at=None,
        error="Cancelled: the personal data of this mail was erased.",
    )
    if email:
        logs.filter(recipient__iexact=email).update(recipient=placeholder)
    logger.info(
        "forgot customer %s: %d outbox event(s), %d email(s), %d webhook delivery(ies) scrubbed",
        customer_id,
        outbox_count,
        email_count,
        webhook_count,
    )
    return {"outbox": outbox_count, "emails": email_count, "webhooks": webhook_count}
