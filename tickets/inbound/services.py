"""Processing one inbound message — the same for IMAP polling, the ESP webhook and
`manage.py inbound_email`.

Exactly once: the message's InboundMessage row (unique Message-ID, unique mailbox/UIDVALIDITY/UID)
is written in the same transaction as the ticket or reply; a message already recorded is a
duplicate and changes nothing. A message that cannot be processed is recorded as failed with its
raw source and the reason (listed in the admin, retried from there) and the caller reports it
upstream (IMAP leaves it unseen, the webhook answers 500, the pipe exits 75).

Who is writing, on a thread (``[#id]`` in the subject, or our Message-ID in In-Reply-To/References):
the ticket's customer or a follower → a public reply (a merged ticket's thread lands on the ticket it
was merged into); an agent → a public reply by that agent
(first line ``#note``: an internal note); anybody else → a new ticket. Bounces mark the address,
auto-replies are recorded and never answered, a sender over the rate limit is stopped."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.selectors import is_agent
from config.db import email_matches
from tickets.comments import attachment_add, comment_add
from tickets.followers.services import follower_add
from tickets.inbound.bounces import bounce_apply, sender_over_rate_limit
from tickets.inbound.parsing import ParsedMessage, message_parse_full, synthetic_message_id
from tickets.models import Channel, Comment, EventKind, Ticket, TicketEvent
from tickets.models.followers import FollowerSource, TicketFollower
from tickets.models.inbound import InboundMessage, InboundStatus, Mailbox
from tickets.services import ticket_create
from tickets.ticket_merge import merge_destination

logger = logging.getLogger(__name__)

NOTE_MARKER = "#note"
MAX_FOLLOWERS_PER_MESSAGE = 20
EXIT_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and retries


@dataclass(frozen=True)
class InboundResult:
    action: str  # an InboundStatus value, or "duplicate"
    ticket_id: int | None = None
    comment_id: int | None = None
    reason: str = ""
    record_id: int | None = None

    @property
    def failed(self) -> bool:
        return self.action == InboundStatus.FAILED


@dataclass
class _Outcome:
    status: str
    ticket: Ticket | None = None
    comment: Comment | None = None
    reason: str = ""


def _own_addresses() -> set[str]:
    from email.utils import parseaddr

    addresses = {address.lower() for address in Mailbox.objects.values_list("address", flat=True)}
    addresses.add(parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower())
    return addresses


def _mailbox_for(parsed: ParsedMessage, mailbox: Mailbox | None) -> Mailbox | None:
    """The receiving mailbox: the one polled, else the one whose address the message was sent to."""
    if mailbox is not None or not parsed.to:
        return mailbox
    return Mailbox.objects.select_related("team", "category").filter(address__in=parsed.to).first()


def _save_attachments(ticket: Ticket, comment: Comment | None, parsed: ParsedMessage, actor) -> list[str]:
    """Attachments through the attachment service and its limits; a refused one is skipped with a
    note in the ticket's audit trail, never a failed message."""
    skipped: list[str] = []
    for part in parsed.attachments:
        upload = SimpleUploadedFile(part.filename, part.payload, content_type=part.content_type)
        try:
            attachment_add(ticket=ticket, file=upload, actor=actor, comment=comment)
        except ValidationError as exc:
            reason = "; ".join(exc.messages)
            skipped.append(f"{part.filename}: {reason}")
            TicketEvent.objects.create(
                ticket=ticket,
                kind=EventKind.ATTACHED,
                note=f"Email attachment '{part.filename}' not saved: {reason}"[:255],
                new_value={"skipped": part.filename, "size": len(part.payload)},
            )
    return skipped


def _add_followers(ticket: Ticket, parsed: ParsedMessage, own: set[str]) -> list[str]:
    """Cc addresses become followers where allowed; the rest are noted."""
    skipped: list[str] = []
    candidates = [a for a in parsed.cc if a not in own and a not in parsed.to and a != parsed.sender]
    for address in candidates[:MAX_FOLLOWERS_PER_MESSAGE]:
        if address == ticket.customer.email:
            continue
        try:
            follower_add(ticket=ticket, email=address, actor=None, source=FollowerSource.EMAIL_CC)
        except ValidationError as exc:
            skipped.append(f"{address}: {'; '.join(exc.messages)}")
    return skipped


def _agent_for(sender: str):
    user = get_user_model().objects.filter(email_matches(sender), is_active=True).first()
    return user if user is not None and is_agent(user) else None


def _reply(ticket: Ticket, parsed: ParsedMessage, own: set[str]) -> _Outcome | None:
    """A reply on `ticket` by its customer, a follower or an agent; None when the sender is none of them."""
    body = parsed.reply_text
    actor = None
    customer = None
    internal = False
    if parsed.sender == ticket.customer.email.lower():
        customer = ticket.customer
    else:
        actor = _agent_for(parsed.sender)
        if actor is None:
            follower = (
                TicketFollower.objects.select_related("customer")
                .filter(ticket=ticket, email=parsed.sender, customer__isnull=False)
                .first()
            )
            if follower is None:
                return None
            customer = follower.customer
        else:
            first, _, rest = body.partition("\n")
            if first.strip().lower() == NOTE_MARKER:
                internal, body = True, rest.strip()
    if not body and parsed.attachments:
        body = "(attachments only)"
    if not body:
        return _Outcome(InboundStatus.IGNORED, ticket=ticket, reason="empty reply")
    comment = comment_add(
        ticket=ticket,
        body=body,
        actor=actor,
        customer=customer,
        is_internal=internal,
        channel=Channel.EMAIL,
        email_message_id=parsed.message_id,
    )
    notes = _save_attachments(ticket, comment, parsed, actor)
    if not internal:
        notes += _add_followers(ticket, parsed, own)
    status = InboundStatus.NOTE if internal else InboundStatus.REPLY
    return _Outcome(status, ticket=ticket, comment=comment, reason="\n".join(notes))


def _new_ticket(parsed: ParsedMessage, mailbox: Mailbox | None, own: set[str]) -> _Outcome:
    metadata = {}
    if mailbox is not None:
        metadata["email"] = {"mailbox_id": mailbox.pk, "acknowledge": mailbox.send_acknowledgement}
    ticket = ticket_create(
        actor=None,
        title=parsed.title,
        description=parsed.text or "(empty message)",
        customer_email=parsed.sender,  # found (case-insensitively) or created by ticket_create
        customer_name=parsed.sender_name,
        channel=Channel.EMAIL,
        metadata=metadata,
        team=mailbox.team if mailbox is not None else None,
        category=mailbox.category if mailbox is not None else None,
    )
    notes = _save_attachments(ticket, None, parsed, None)
    notes += _add_followers(ticket, parsed, own)
    return _Outcome(InboundStatus.TICKET, ticket=ticket, reason="\n".join(notes))


def _route(parsed: ParsedMessage, mailbox: Mailbox | None) -> _Outcome:
    if parsed.bounce is not None:
        return _Outcome(InboundStatus.BOUNCE, reason=bounce_apply(bounce=parsed.bounce))
    if not parsed.sender or "@" not in parsed.sender:
        return _Outcome(InboundStatus.IGNORED, reason="no sender address")
    own = _own_addresses()
    if parsed.sender in own:
        return _Outcome(InboundStatus.IGNORED, reason="sent by one of our own addresses (loop)")
    if sender_over_rate_limit(sender=parsed.sender):
        logger.warning("inbound mail from %s over the rate limit: a mail loop? not processed", parsed.sender)
        return _Outcome(
            InboundStatus.RATE_LIMITED,
            reason=f"more than {settings.INBOUND_RATE_LIMIT} messages from {parsed.sender} within "
            f"{settings.INBOUND_RATE_WINDOW_SECONDS // 60} minutes: mail loop stopped",
        )
    ticket = None
    if parsed.ticket_ref is not None:
        ticket = Ticket.objects.select_related("customer").filter(pk=parsed.ticket_ref).first()
        if ticket is not None:
            ticket = merge_destination(ticket)  # a merged ticket's thread continues on its target
    if parsed.is_auto_reply:
        return _Outcome(InboundStatus.AUTO_REPLY, ticket=ticket, reason="automatic reply: recorded, not answered")
    if ticket is not None:
        outcome = _reply(ticket, parsed, own)
        if outcome is not None:
            return outcome
        logger.info("inbound mail from %s names ticket %s it may not write to: new ticket", parsed.sender, ticket.pk)
    return _new_ticket(parsed, _mailbox_for(parsed, mailbox), own)


def _discard_raw(name: str) -> None:
    """Delete a raw file written for a row that was never saved (its transaction rolled back): no
    row points to it, so neither retention nor GDPR erasure would ever find it."""
    if not name:
        return
    try:
        InboundMessage.raw.field.storage.delete(name)
    except OSError:
        logger.exception("could not delete the unreferenced raw message %s", name)


def _record_failure(*, message_id: str, raw: bytes, reason: str, mailbox, uidvalidity, uid, source) -> InboundResult:
    record = InboundMessage.objects.filter(message_id=message_id).first()
    stored = ""  # the raw file written here, for a new row
    if record is None:
        record = InboundMessage(message_id=message_id, attempts=0)
        record.raw.save("message.eml", ContentFile(raw), save=False)
        stored = record.raw.name
    record.mailbox = mailbox or record.mailbox
    record.uidvalidity = uidvalidity if uidvalidity is not None else record.uidvalidity
    record.uid = uid if uid is not None else record.uid
    record.source = source
    record.status = InboundStatus.FAILED
    record.reason = reason[:5000]
    record.attempts += 1
    record.processed_at = None
    try:
        with transaction.atomic():  # a savepoint: a refused row leaves the caller's transaction usable
            record.save()
    except IntegrityError:  # recorded meanwhile by another worker
        _discard_raw(stored)
        logger.warning("inbound message %s: could not record the failure: %s", message_id, reason)
    return InboundResult(InboundStatus.FAILED, reason=reason, record_id=record.pk)


def inbound_email_process(
    *,
    raw: bytes,
    mailbox: Mailbox | None = None,
    uidvalidity: int | None = None,
    uid: int | None = None,
    source: str = "pipe",
) -> InboundResult:
    """Process one raw message (never raises: a failure is recorded and returned as `failed`)."""
    try:
        parsed = message_parse_full(raw)
    except Exception as exc:
        logger.exception("inbound message could not be parsed")
        return _record_failure(
            message_id=synthetic_message_id(raw),
            raw=raw,
            reason=f"unparseable message: {type(exc).__name__}: {exc}",
            mailbox=mailbox,
            uidvalidity=uidvalidity,
            uid=uid,
            source=source,
        )
    stored = ""  # the raw file written below for a new row
    try:
        with transaction.atomic():
            record = InboundMessage.objects.select_for_update().filter(message_id=parsed.message_id).first()
            if record is not None and record.status != InboundStatus.FAILED:
                return InboundResult(
                    "duplicate", ticket_id=record.ticket_id, reason="already processed", record_id=record.pk
                )
            if record is None:
                record = InboundMessage(message_id=parsed.message_id, attempts=0)
                record.raw.save("message.eml", ContentFile(raw), save=False)
                stored = record.raw.name
            outcome = _route(parsed, mailbox)
            record.mailbox = mailbox or _mailbox_for(parsed, None)
            record.uidvalidity, record.uid, record.source = uidvalidity, uid, source
            record.sender, record.subject = parsed.sender[:254], parsed.subject[:255]
            record.body_html = parsed.html
            record.status, record.reason = outcome.status, outcome.reason
            record.ticket, record.comment = outcome.ticket, outcome.comment
            record.attempts += 1
            record.processed_at = timezone.now()
            record.save()
    except IntegrityError:
        _discard_raw(stored)
        if InboundMessage.objects.filter(message_id=parsed.message_id).exclude(status=InboundStatus.FAILED).exists():
            return InboundResult("duplicate", reason="already processed (concurrently)")
        logger.exception("inbound message %s failed", parsed.message_id)
        reason = "a database constraint refused the message"
        return _record_failure(
            message_id=parsed.message_id, raw=raw, reason=reason, mailbox=mailbox, uidvalidity=uidvalidity,
            uid=uid, source=source,
        )  # fmt: skip
    except Exception as exc:
        _discard_raw(stored)
        logger.exception("inbound message %s failed", parsed.message_id)
        if isinstance(exc, ValidationError):
            reason = (
                "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.message_dict.items())
                if hasattr(exc, "error_dict")
                else "; ".join(exc.messages)
            )
        else:
            reason = f"{type(exc).__name__}: {exc}"
        return _record_failure(
            message_id=parsed.message_id, raw=raw, reason=reason, mailbox=mailbox, uidvalidity=uidvalidity,
            uid=uid, source=source,
        )  # fmt: skip
    return InboundResult(
        outcome.status,
        ticket_id=outcome.ticket.pk if outcome.ticket else None,
        comment_id=outcome.comment.pk if outcome.comment else None,
        reason=outcome.reason,
        record_id=record.pk,
    )


def inbound_message_retry(*, record: InboundMessage) -> InboundResult:
    """Process a failed message again from its stored raw source (the admin's "retry")."""
    if record.status != InboundStatus.FAILED:
        raise ValidationError({"status": ["Only failed messages can be retried."]})
    if not record.raw:
        raise ValidationError({"raw": ["The raw message is no longer stored (retention)."]})
    with record.raw.open("rb") as handle:
        raw = handle.read()
    return inbound_email_process(
        raw=raw, mailbox=record.mailbox, uidvalidity=record.uidvalidity, uid=record.uid, source=record.source
    )
