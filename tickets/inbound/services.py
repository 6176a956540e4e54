"""Inbound email: an RFC 822 message becomes a customer reply on its ticket, or a new ticket.

Matching a reply to its ticket: ``[#123]`` in the subject, else ``<ticket-123...@EMAIL_MESSAGE_ID_DOMAIN>``
in In-Reply-To/References (the ids our outgoing mail carries). A reply is added only when the
sender is the ticket's customer; anybody else (or an unknown ticket) opens a new ticket, so nobody
can write into someone else's conversation by guessing a number. Auto-replies (Auto-Submitted,
Precedence: bulk/auto_reply/list) are dropped to avoid mail loops, and a Message-ID seen before is
ignored (providers redeliver)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email.message import EmailMessage

from django.conf import settings
from django.core.exceptions import ValidationError

from customers.models import Customer
from notifications.mime import is_automatic, message_parse, message_sender, message_text
from tickets.comments import comment_add
from tickets.models import Channel, Comment, Ticket
from tickets.services import ticket_create

logger = logging.getLogger(__name__)

SUBJECT_REFERENCE = re.compile(r"\[#(\d+)\]")


@dataclass(frozen=True)
class InboundResult:
    action: str  # "reply", "ticket", "ignored"
    ticket_id: int | None = None
    comment_id: int | None = None
    reason: str = ""


def _thread_reference(message: EmailMessage) -> int | None:
    domain = re.escape(settings.EMAIL_MESSAGE_ID_DOMAIN)
    pattern = re.compile(rf"<ticket-(\d+)(?:\.[^@>]*)?@{domain}>")
    for header in ("In-Reply-To", "References"):
        match = pattern.search(str(message.get(header, "")))
        if match:
            return int(match.group(1))
    return None


def _ticket_reference(message: EmailMessage) -> int | None:
    match = SUBJECT_REFERENCE.search(str(message.get("Subject", "")))
    if match:
        return int(match.group(1))
    return _thread_reference(message)


def inbound_email_process(*, raw: bytes) -> InboundResult:
    """Turn one raw message into a reply or a ticket (tickets.services does the writes)."""
    message = message_parse(raw)
    _name, sender = message_sender(message)
    message_id = str(message.get("Message-ID", "")).strip()[:255]
    if not sender or "@" not in sender:
        return InboundResult("ignored", reason="no sender address")
    if is_automatic(message):
        return InboundResult("ignored", reason="automatic message")
    if message_id and (
        Comment.objects.filter(email_message_id=message_id).exists()
        or Ticket.objects.filter(metadata__email_message_id=message_id).exists()
    ):
        return InboundResult("ignored", reason="already processed")
    body = message_text(message)
    subject = SUBJECT_REFERENCE.sub("", str(message.get("Subject", ""))).strip()
    subject = re.sub(r"^((re|fwd?|aw|sv)\s*:\s*)+", "", subject, flags=re.IGNORECASE).strip()

    ticket_id = _ticket_reference(message)
    if ticket_id is not None:
        ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
        if ticket is not None and ticket.customer.email.lower() == sender:
            if not body:
                return InboundResult("ignored", ticket_id=ticket.pk, reason="empty reply")
            comment = comment_add(
                ticket=ticket,
                body=body,
                customer=ticket.customer,
                channel=Channel.EMAIL,
                email_message_id=message_id,
            )
            return InboundResult("reply", ticket_id=ticket.pk, comment_id=comment.pk)
        logger.info("inbound mail from %s names ticket %s of another customer: new ticket", sender, ticket_id)

    customer = Customer.objects.filter(email__iexact=sender).first()
    try:
        ticket = ticket_create(
            actor=None,
            title=(subject or "(no subject)")[:200],
            description=body,
            customer=customer,
            customer_email=None if customer else sender,
            customer_name=_name[:200],
            channel=Channel.EMAIL,
            metadata={"email_message_id": message_id} if message_id else None,
        )
    except ValidationError as exc:
        logger.warning("inbound mail from %s refused: %s", sender, exc)
        return InboundResult("ignored", reason="; ".join(exc.messages))
    return InboundResult("ticket", ticket_id=ticket.pk)
