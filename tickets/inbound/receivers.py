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
    The normalised message goes through ``inbound_email_process`` like any other mail; a message
    that fails answers 500, so the ESP retries (a Message-ID already processed is a duplicate)."""
    message = event.message
    if message is None:
        logger.warning("%s inbound webhook %s carried no message", esp_name, getattr(event, "event_id", ""))
        return
    if getattr(message, "spam_detected", None) is True:
        logger.info("%s inbound message %s flagged as spam: dropped", esp_name, message.get("Message-ID", ""))
        return
    result = inbound_email_process(raw=message.as_bytes(), source=esp_name[:20])
    logger.info(
        "%s inbound message %s: %s (ticket %s) %s",
        esp_name,
        message.get("Message-ID", ""),
        result.action,
        result.ticket_id,
        result.reason,
    )
    if result.failed:  # a 500 makes the ESP retry; the message is listed (and retryable) in the admin
        raise InboundProcessingError(f"inbound message {message.get('Message-ID', '')} failed: {result.reason}")


class InboundProcessingError(Exception):
    """Raised to the webhook view so the provider gets a non-2xx answer and delivers again."""
