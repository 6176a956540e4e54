"""One way to anonymise tickets, used by GDPR erasure (tickets/gdpr.py) and by data retention in
anonymise mode (tickets/jobs.py): statistics stay (status, priority, category, team, timestamps),
the text goes. Set-based, a fixed number of queries whatever the number of tickets."""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from tickets.models import Attachment, Comment, EventKind, InboundMessage, Ticket, TicketEvent

logger = logging.getLogger(__name__)

ANONYMISED_TITLE = "[anonymised]"
ANONYMISED_BODY = "[removed]"
# Ticket-event fields whose old/new values may hold free text written by or about the customer.
TEXT_EVENT_FIELDS = ("title", "description", "metadata", "external_id")


def _files_delete_on_commit(names: list[str]) -> None:
    """Delete stored files once the transaction commits (a rolled-back change keeps them)."""

    def _delete_files() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.exception("could not delete stored file %s", name)

    if names:
        transaction.on_commit(_delete_files)


def attachments_purge(*, ticket_ids: list[int]) -> int:
    """Delete the tickets' attachment rows now and their files once the transaction commits.
    Returns the rows deleted."""
    attachments = Attachment.objects.filter(ticket_id__in=ticket_ids)
    names = [name for name in attachments.values_list("file", flat=True) if name]
    deleted, _ = attachments.delete()
    _files_delete_on_commit(names)
    return deleted


def inbound_messages_forget(*, messages: QuerySet[InboundMessage]) -> int:
    """Clear what inbound-log rows hold about a person (sender, subject, HTML body, reason) and
    delete their raw `.eml` files. The rows stay, with their Message-ID and IMAP position: they are
    what keeps a re-delivered message from being processed twice. Returns the rows changed."""
    names = [name for name in messages.exclude(raw="").values_list("raw", flat=True) if name]
    changed = messages.update(sender="", subject="", body_html="", reason="", raw="")
    _files_delete_on_commit(names)
    return changed


@transaction.atomic
def tickets_anonymise(
    *, ticket_ids: list[int], title: str = ANONYMISED_TITLE, body: str = ANONYMISED_BODY
) -> dict[str, Any]:
    """Replace the tickets' text: title `title`, description, metadata and `external_id` cleared,
    every comment's body `body` (and its email Message-ID), free-text event values and notes
    cleared, attachments deleted with their files, the inbound mail they came from forgotten.
    Each ticket's `version` is bumped (so API ETags change) and `anonymized_at` stamped. Returns what was changed."""
    now = timezone.now()
    attachments = attachments_purge(ticket_ids=ticket_ids)
    comments = Comment.objects.filter(ticket_id__in=ticket_ids).update(body=body, email_message_id="")
    inbound = inbound_messages_forget(messages=InboundMessage.objects.filter(ticket_id__in=ticket_ids))
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
    return {"tickets": tickets, "comments": comments, "attachments": attachments, "inbound_messages": inbound}
