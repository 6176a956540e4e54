"""One way to anonymise tickets, used by GDPR erasure (tickets/gdpr.py) and by data retention in
anonymise mode (tickets/jobs.py): statistics stay (status, priority, category, team, timestamps),
the text goes. Set-based, a fixed number of queries whatever the number of tickets."""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tickets.models import Attachment, Comment, EventKind, Ticket, TicketEvent

logger = logging.getLogger(__name__)

ANONYMISED_TITLE = "[anonymised]"
ANONYMISED_BODY = "[removed]"
# Ticket-event fields whose old/new values may hold free text written by or about the customer.
TEXT_EVENT_FIELDS = ("title", "description", "metadata", "external_id")


def attachments_purge(*, ticket_ids: list[int]) -> int:
    """Delete the tickets' attachment rows now and their files once the transaction commits
    (a rolled-back change keeps them). Returns the rows deleted."""
    attachments = Attachment.objects.filter(ticket_id__in=ticket_ids)
    names = [name for name in attachments.values_list("file", flat=True) if name]
    deleted, _ = attachments.delete()

    def _delete_files() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.exception("could not delete attachment file %s", name)

    if names:
        transaction.on_commit(_delete_files)
    return deleted


@transaction.atomic
def tickets_anonymise(
    *, ticket_ids: list[int], title: str = ANONYMISED_TITLE, body: str = ANONYMISED_BODY
) -> dict[str, Any]:
    """Replace the tickets' text: title `title`, description, metadata and `external_id` cleared,
    every comment's body `body` (and its email Message-ID), free-text event values and notes
    cleared, attachments deleted with their files. Each ticket's `version` is bumped (so API
    ETags change) and `anonymized_at` stamped. Returns what was changed."""
    now = timezone.now()
    attachments = attachments_purge(ticket_ids=ticket_ids)
    comments = Comment.objects.filter(ticket_id__in=ticket_ids).update(body=body, email_message_id="")
    TicketEvent.objects.filter(
        Q(field__in=TEXT_EVENT_FIELDS) | Q(kind=EventKind.ATTACHED), ticket_id__in=ticket_ids
    ).update(old_value=None, new_value=None)
    TicketEvent.objects.filter(ticket_id__in=ticket_ids).exclude(note="").update(note="")
    tickets = Ticket.objects.filter(pk__in=ticket_ids).update(
        title=title,
        description="",
        metadata={},
        external_id=None,
        anonymized_at=now,
        updated_at=now,
        version=F("version") + 1,
    )
    return {"tickets": tickets, "comments": comments, "attachments": attachments}
