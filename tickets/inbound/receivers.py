"""django-anymail's integration point: its ``inbound`` signal (connected in TicketsConfig.ready)
fires when an ESP posts a message to ``/anymail/<esp>/inbound/`` (notifications/anymail_urls.py
checks the webhook secret first)."""

from __future__ import annotations

import logging
from typing import Any

from tickets.inbound.services import inbound_email_process

logger = logging.getLogger(__name__)


def anymail_inbound_received(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """Receiver of django-anymail's ``inbound`` signal: an ESP posted a message to
    ``/anymail/<esp>/inbound/`` (basic auth with ANYMAIL_WEBHOOK_SECRET already checked by anymail).
    The normalised message goes through ``inbound_email_process`` like any other mail; an
    exception answers 500, so the ESP retries (a Message-ID already processed is ignored)."""
    message = event.message
    if message is None:
        logger.warning("%s inbound webhook %s carried no message", esp_name, getattr(event, "event_id", ""))
        return
    if getattr(message, "spam_detected", None) is True:
        logger.info("%s inbound message %s flagged as spam: dropped", esp_name, message.get("Message-ID", ""))
        return
    result = inbound_email_process(raw=message.as_bytes())
    logger.info(
        "%s inbound message %s: %s (ticket %s) %s",
        esp_name,
        message.get("Message-ID", ""),
        result.action,
        result.ticket_id,
        result.reason,
    )
