"""Forgetting a person (GDPR erasure): their address, names and ticket texts scrubbed from the
outbox payloads, the email log and the webhook deliveries. Called through notifications.forget."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Q

from notifications.models import (
    EmailLog,
    EmailStatus,
    OutboxEvent,
    WebhookDelivery,
)

logger = logging.getLogger(__name__)

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
