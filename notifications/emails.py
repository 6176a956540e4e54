"""Email: rendering (Django templates, text + HTML), threading headers, sending over one connection.

Threading: every ticket has a deterministic thread root ``<ticket-{id}@{EMAIL_MESSAGE_ID_DOMAIN}>``.
The "ticket received" mail uses it as its own Message-ID; every other mail about the ticket has
its own deterministic Message-ID and ``In-Reply-To`` / ``References`` pointing at the root, so mail
clients thread a ticket's conversation and inbound replies can be matched to the ticket."""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from notifications.backends import is_permanent, provider_name
from notifications.recipients import Mail

logger = logging.getLogger(__name__)

SUBJECTS: dict[str, str] = {
    "ticket_created": "We received your request: {title}",
    "agent_reply": "Re: {title}",
    "customer_reply": "Customer reply: {title}",
    "follower_update": "Update on a ticket you follow: {title}",
    "mentioned": "You were mentioned: {title}",
    "status_changed": "Your request is now {status}: {title}",
    "assigned": "Assigned to you: {title}",
    "sla_warning": "SLA at risk: {title}",
    "sla_breached": "SLA breached: {title}",
    "escalated": "Escalated: {title}",
    "satisfaction_survey": "How did we do? {title}",
    "rule_email": "{rule_subject}",
}
TEMPLATE_DIR = "notifications/email"
AUTO_REPLY_TEMPLATES = frozenset({"ticket_created"})  # sent automatically in answer to a message


def _domain() -> str:
    return settings.EMAIL_MESSAGE_ID_DOMAIN


def thread_root_id(ticket_id: int) -> str:
    return f"<ticket-{ticket_id}@{_domain()}>"


def message_id_for(*, ticket_id: int | None, event_id: str, template: str, recipient: str) -> str:
    digest = hashlib.sha256(f"{event_id}:{template}:{recipient}".encode()).hexdigest()[:24]
    prefix = f"ticket-{ticket_id}." if ticket_id else ""
    return f"<{prefix}{digest}@{_domain()}>"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    message_id: str
    headers: dict[str, str]


def render(mail: Mail, *, event_id: str) -> Rendered:
    ticket = mail.context.get("ticket")
    title = getattr(ticket, "title", "") if ticket is not None else ""
    subject = SUBJECTS[mail.template].format(
        title=title, status=mail.context.get("new_status", ""), rule_subject=mail.context.get("rule_subject", "")
    )
    if mail.ticket_id:
        subject = f"[#{mail.ticket_id}] {subject}"
    subject = " ".join(subject.split())[:255]  # no header injection, no folding surprises
    context = {
        **mail.context,
        "recipient_name": mail.recipient_name,
        "site_url": settings.SITE_URL.rstrip("/"),
        "subject": subject,
    }
    text = render_to_string(f"{TEMPLATE_DIR}/{mail.template}.txt", context)
    html = render_to_string(f"{TEMPLATE_DIR}/{mail.template}.html", context)
    headers: dict[str, str] = {}
    if mail.context.get("reply_to"):
        headers["Reply-To"] = str(mail.context["reply_to"])
    if mail.template in AUTO_REPLY_TEMPLATES:  # RFC 3834: an automatic answer to the customer's mail
        headers["Auto-Submitted"] = "auto-replied"
    if mail.ticket_id and mail.template == "ticket_created":
        message_id = thread_root_id(mail.ticket_id)
    else:
        message_id = message_id_for(
            ticket_id=mail.ticket_id, event_id=event_id, template=mail.template, recipient=mail.recipient
        )
        if mail.ticket_id:
            root = thread_root_id(mail.ticket_id)
            headers.update({"In-Reply-To": root, "References": root})
    return Rendered(subject=subject, text=text, html=html, message_id=message_id, headers=headers)


def build_message(
    *,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    headers: dict[str, str],
    attachments: Sequence[dict[str, Any]] = (),
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated", **headers},
    )
    if html:
        message.attach_alternative(html, "text/html")
    for item in attachments:
        # Files are read from the default storage when the mail is sent; a file erased since is left out.
        try:
            with default_storage.open(item["file"], "rb") as handle:
                content = handle.read()
        except (FileNotFoundError, OSError):
            logger.warning("attachment %s is gone; the mail is sent without it", item.get("file"))
            continue
        message.attach(item.get("filename") or "file", content, item.get("content_type") or None)
    return message


@dataclass
class SendResult:
    ok: bool
    permanent: bool = False
    provider: str = ""
    provider_message_id: str = ""
    error: str = ""


def _backoff(attempt: int) -> float:
    """Exponential backoff with full jitter, short (the send runs inside a task)."""
    base = settings.EMAIL_RETRY_BASE_DELAY
    cap = settings.EMAIL_RETRY_MAX_DELAY
    return random.uniform(0, min(cap, base * (2**attempt)))


def send_batch(
    messages: Sequence[EmailMultiAlternatives], *, sleep: Callable[[float], Any] = time.sleep
) -> list[SendResult]:
    """Send the messages over one connection (one SMTP session / one HTTP session). Each message
    is retried in-process on transient errors (EMAIL_SEND_TRIES tries, backoff with jitter);
    permanent errors (a refused recipient) are not retried."""
    results: list[SendResult] = []
    if not messages:
        return results
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:  # the first message's loop below reports (and retries) it
        logger.warning("opening the email connection failed: %s", exc)
    try:
        for message in messages:
            results.append(_send_one(connection, message, sleep=sleep))
    finally:
        try:
            connection.close()
        except Exception:
            logger.exception("closing the email connection failed")
    return results


def _send_one(connection: Any, message: EmailMultiAlternatives, *, sleep: Callable[[float], Any]) -> SendResult:
    tries = max(1, settings.EMAIL_SEND_TRIES)
    error: BaseException | None = None
    for attempt in range(tries):
        if attempt:
            sleep(_backoff(attempt - 1))
        try:
            if connection.send_messages([message]):
                status = getattr(message, "anymail_status", None)
                return SendResult(
                    ok=True,
                    provider=getattr(message, "sent_via", None) or provider_name(connection),
                    provider_message_id=str(
                        getattr(status, "message_id", None) or message.extra_headers.get("Message-ID", "")
                    ),
                )
            error = RuntimeError("the email backend accepted no message")
        except Exception as exc:
            error = exc
            if is_permanent(exc):
                break
    assert error is not None
    return SendResult(
        ok=False,
        permanent=is_permanent(error),
        provider=getattr(message, "sent_via", None) or provider_name(connection),
        error=f"{type(error).__name__}: {error}"[:2000],
    )
