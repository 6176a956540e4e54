"""Bounces and mail loops: a delivery-status report marks the failed address on the customer
(hard: undeliverable, outgoing mail stops until an admin clears it; soft: counted); a sender
writing more than INBOUND_RATE_LIMIT messages in INBOUND_RATE_WINDOW_SECONDS is a loop and is
not processed further (logged and listed in the admin)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from customers.models import Customer
from tickets.inbound.parsing import Bounce
from tickets.models.inbound import InboundMessage

logger = logging.getLogger(__name__)


def bounce_apply(*, bounce: Bounce) -> str:
    """Mark the customers whose address bounced; returns a one-line summary for the record."""
    if not bounce.recipients:
        return "delivery notice without a failed recipient"
    customers = Customer.objects.filter(email__in=[address.lower() for address in bounce.recipients])
    if bounce.hard:
        marked = customers.filter(email_undeliverable_at__isnull=True).update(
            email_undeliverable_at=timezone.now(),
            email_undeliverable_reason=(bounce.diagnostic or "hard bounce")[:500],
            updated_at=timezone.now(),
        )
        logger.warning("hard bounce for %s: %d customer(s) marked undeliverable", ", ".join(bounce.recipients), marked)
        return f"hard bounce for {', '.join(bounce.recipients)}: {bounce.diagnostic}"[:1000]
    customers.update(email_soft_bounces=F("email_soft_bounces") + 1, updated_at=timezone.now())
    logger.info("soft bounce for %s", ", ".join(bounce.recipients))
    return f"soft bounce for {', '.join(bounce.recipients)}: {bounce.diagnostic}"[:1000]


def sender_over_rate_limit(*, sender: str) -> bool:
    """More than INBOUND_RATE_LIMIT messages from this sender within the window (one indexed count)."""
    since = timezone.now() - timedelta(seconds=settings.INBOUND_RATE_WINDOW_SECONDS)
    limit = settings.INBOUND_RATE_LIMIT
    recent = InboundMessage.objects.filter(sender=sender, received_at__gte=since)[: limit + 1].count()
    return recent >= limit
