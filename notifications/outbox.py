"""publish(): the only way a domain event leaves a service."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from config.celery import enqueue
from notifications.events import ensure_known
from notifications.models import OutboxEvent

logger = logging.getLogger(__name__)


def _enqueue_dispatch(event_id: str) -> None:
    try:
        enqueue("notifications.outbox_dispatch", event_id)
    except Exception:  # the broker is down: the row stays pending and the beat sweep sends it
        logger.exception("could not enqueue dispatch of outbox event %s; the sweep will retry", event_id)


def publish(event: str, payload: dict[str, Any]) -> OutboxEvent:
    """Store the event in the caller's transaction; enqueue its dispatch once that commits.
    A rolled-back change stores and sends nothing."""
    ensure_known(event)
    # Round-trip through JSON so datetimes/decimals/UUIDs are stored the way receivers get them.
    clean_payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    row = OutboxEvent.objects.create(event=event, payload=clean_payload)
    event_id = str(row.pk)
    transaction.on_commit(lambda: _enqueue_dispatch(event_id))
    return row


def publish_many(event: str, payloads: list[dict[str, Any]]) -> list[OutboxEvent]:
    """`publish` for many events of one kind in one INSERT (set-based scans stay constant-query)."""
    ensure_known(event)
    if not payloads:
        return []
    rows = OutboxEvent.objects.bulk_create(
        [OutboxEvent(event=event, payload=json.loads(json.dumps(p, cls=DjangoJSONEncoder))) for p in payloads]
    )
    ids = [str(row.pk) for row in rows]

    def enqueue() -> None:
        for event_id in ids:
            _enqueue_dispatch(event_id)

    transaction.on_commit(enqueue)
    return rows
