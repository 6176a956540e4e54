"""Data retention: closed tickets older than RETENTION_DAYS are deleted or anonymised (the same
anonymisation as a GDPR erasure, tickets/anonymisation.py), in set-based batches."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tickets.anonymisation import attachments_purge, inbound_messages_forget, tickets_anonymise
from tickets.models import InboundMessage, Status, Ticket

logger = logging.getLogger(__name__)

# --- data retention -----------------------------------------------------------------------------

RETENTION_MODES = ("delete", "anonymize")


def retention_candidates(*, days: int | None = None, mode: str | None = None) -> QuerySet[Ticket]:
    """Closed tickets closed more than `days` ago (default RETENTION_DAYS); in anonymise mode,
    the ones not anonymised yet."""
    days = settings.RETENTION_DAYS if days is None else days
    mode = mode or settings.RETENTION_MODE
    cutoff = timezone.now() - timedelta(days=days)
    queryset = Ticket.objects.filter(status=Status.CLOSED, closed_at__lt=cutoff)
    if mode == "anonymize":
        queryset = queryset.filter(anonymized_at__isnull=True)
    return queryset


def retention_run(
    *, days: int | None = None, mode: str | None = None, batch_size: int | None = None, dry_run: bool = False
) -> int:
    """Delete (or anonymise) closed tickets older than the retention period, with their comments
    and attachments (files too), in set-based batches of `batch_size`, each batch its own
    transaction. Returns the number of tickets handled (or that would be, with dry_run); logs it.
    Idempotent: a second run finds nothing left to do."""
    mode = mode or settings.RETENTION_MODE
    if mode not in RETENTION_MODES:
        raise ValidationError({"mode": [f"'{mode}' is not a retention mode; use delete or anonymize."]})
    days = settings.RETENTION_DAYS if days is None else days
    if days < 1:
        raise ValidationError({"days": ["The retention period must be at least one day."]})
    batch_size = max(1, batch_size or int(settings.RETENTION_BATCH_SIZE))
    candidates = retention_candidates(days=days, mode=mode)
    if dry_run:
        count = candidates.count()
        logger.info("retention dry run (%s, %d days): %d ticket(s) would be handled", mode, days, count)
        return count
    handled = 0
    while True:
        with transaction.atomic():
            ids = list(candidates.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            if mode == "delete":
                attachments_purge(ticket_ids=ids)
                inbound_messages_forget(messages=InboundMessage.objects.filter(ticket_id__in=ids))
                Ticket.objects.filter(pk__in=ids).delete()
            else:
                tickets_anonymise(ticket_ids=ids)
        handled += len(ids)
    logger.info("retention (%s, %d days): %d closed ticket(s) handled", mode, days, handled)
    return handled
