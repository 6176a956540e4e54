"""Sending the email records an outbox dispatch planned: claimed under a lease, sent through the
configured providers (failover in notifications/backends.py), retried in-process then later."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications import emails, metrics, recipients
from notifications.models import (
    EmailLog,
    EmailStatus,
)

logger = logging.getLogger(__name__)

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
    claimed = _claim_emails(event_id=event_id, limit=limit or settings.EMAIL_BATCH_SIZE)
    if not claimed:
        return 0
    logs = _drop_suppressed(claimed)
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
    results = emails.send_batch(messages) if messages else []
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
        metrics.EMAIL_ATTEMPTS.labels(outcome=metrics.outcome(log.status)).inc()
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
    return len(claimed)


def _drop_suppressed(logs: list[EmailLog]) -> list[EmailLog]:
    """Fail, without sending, the claimed mails whose address became undeliverable since they were
    queued (recipients.suppressed); return the others."""
    blocked = recipients.suppressed({log.recipient for log in logs})
    if not blocked:
        return logs
    dropped = [log for log in logs if log.recipient.lower() in blocked]
    for log in dropped:
        log.status = EmailStatus.FAILED
        log.error = f"Not sent: {blocked[log.recipient.lower()]}"[:1000]
        log.next_attempt_at = None
        metrics.EMAIL_ATTEMPTS.labels(outcome=metrics.outcome(log.status)).inc()
        logger.warning("email %s to %s not sent: %s", log.template, log.recipient, blocked[log.recipient.lower()])
    EmailLog.objects.bulk_update(dropped, ["status", "error", "next_attempt_at"])
    return [log for log in logs if log.recipient.lower() not in blocked]
