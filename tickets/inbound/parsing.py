"""From a raw RFC 822 message to what processing needs: who wrote, to whom, about which ticket,
the readable text (HTML converted, quoted history removed by mail-parser-reply), the sanitised
HTML, the attachments (inline images too), and whether it is a bounce or an auto-reply.
Pure: no database."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

import html2text
import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from mailparser_reply import EmailReplyParser

from config.text_input import clean_text
from notifications.mime import message_parse, message_sender
from tickets import validators

SUBJECT_REFERENCE = re.compile(r"\[#(\d+)\]")
REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|tr|antw|r|rif)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv"]
AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?(reply|response)|out of (the )?office|abwesenheitsnotiz|"
    r"automatische antwort|r[ée]ponse automatique|absence)\b",
    re.IGNORECASE,
)
DAEMON_LOCALPARTS = ("mailer-daemon", "postmaster", "mail-daemon")
PLACEHOLDER_TITLE = "Email from {sender}"
TITLE_WORDS = 10


@dataclass(frozen=True)
class Part:
    filename: str
    content_type: str
    payload: bytes
    inline: bool


@dataclass(frozen=True)
class Bounce:
    recipients: tuple[str, ...]
    hard: bool
    diagnostic: str


@dataclass
class ParsedMessage:
    message: EmailMessage
    message_id: str
    sender: str
    sender_name: str
    subject: str
    title: str
    text: str  # the whole readable text
    reply_text: str  # without the quoted history
    html: str  # sanitised
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    attachments: list[Part] = field(default_factory=list)
    ticket_ref: int | None = None
    is_auto_reply: bool = False
    bounce: Bounce | None = None


def _addresses(message: EmailMessage, *headers: str) -> list[str]:
    values = [str(value) for header in headers for value in (message.get_all(header) or [])]
    found: list[str] = []
    for _name, address in getaddresses(values):
        address = address.strip().lower()
        if "@" in address and address not in found:
            found.append(address)
    return found


def clean_line(value: str) -> str:
    """One line of plain text: control and format characters become spaces, folding whitespace
    (CR, LF, TAB) collapses to one space."""
    value = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch for ch in value or "")
    return " ".join(value.split())


def _first_words(text: str) -> str:
    words = clean_line(text).split(" ")
    title = " ".join(words[:TITLE_WORDS])
    if len(words) > TITLE_WORDS:
        title += " …"
    return title


def _shorten(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    return value[: limit - 2].rsplit(" ", 1)[0] + " …"


def _neutralise_markup(title: str) -> str:
    """`<urgent>` reads like a tag to the title rules: show it with look-alike brackets instead."""
    if nh3.is_html(title):
        return title.replace("<", "\u2039").replace(">", "\u203a")
    return title


def title_from(subject: str, body: str, sender: str) -> str:
    """A title the ticket rules accept, from any subject: reference and Re:/Fwd: prefixes removed,
    control characters and folding whitespace normalised, markup neutralised (angle brackets become the
    single guillemets U+2039/U+203A),
    too long shortened at a word, too short replaced by the first words of the body, else a placeholder."""
    title = clean_line(REPLY_PREFIX.sub("", SUBJECT_REFERENCE.sub(" ", subject or "")))
    title = _neutralise_markup(title)
    title = _shorten(title, validators.TITLE_MAX)
    if len(title) < validators.TITLE_MIN:
        title = _shorten(_first_words(body), validators.TITLE_MAX)
        title = _neutralise_markup(title)
    try:
        return validators.validate_title(title)
    except ValidationError:
        return PLACEHOLDER_TITLE.format(sender=sender or "unknown sender")[: validators.TITLE_MAX]


def html_to_text(html: str) -> str:
    converter = html2text.HTML2Text()
    converter.body_width = 0  # no hard wrapping
    converter.ignore_images = True
    converter.ignore_emphasis = True  # "**From:**" would hide Outlook's quote header from the reply parser
    converter.single_line_break = False
    return converter.handle(html).strip()


def reply_only(text: str) -> str:
    """The new text of a reply: quoted history ("On … wrote:", "From: … Sent: …", "Am … schrieb",
    "Le … a écrit", `>` blocks) removed by mail-parser-reply."""
    if not text.strip():
        return ""
    try:
        reply = EmailReplyParser(languages=REPLY_LANGUAGES).parse_reply(text=text) or ""
    except Exception:  # the parser is heuristic: an odd message keeps its whole text
        reply = text
    lines: list[str] = []
    for line in reply.splitlines():  # a bare "> " block without a header line
        if line.startswith(">"):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def _is_body_part(part: EmailMessage) -> bool:
    return part.get_content_maintype() == "text" and part.get_content_subtype() in ("plain", "html")


def _attachments(message: EmailMessage, bodies: set[int]) -> list[Part]:
    parts: list[Part] = []
    for part in message.walk():
        if part.is_multipart() or id(part) in bodies:
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename() or ""
        content_id = str(part.get("Content-ID", "")).strip("<> ")
        if _is_body_part(part) and disposition != "attachment" and not filename:
            continue  # an alternative body, not a file
        if part.get_content_type() in ("message/delivery-status", "text/rfc822-headers"):
            continue
        payload = part.get_payload(decode=True)
        if payload is None:
            continue
        if not filename:
            extension = part.get_content_subtype().split("+")[0][:10] or "bin"
            filename = f"{content_id or 'attachment'}.{extension}"
        parts.append(
            Part(
                filename=clean_line(filename)[:255] or "attachment",
                content_type=part.get_content_type(),
                payload=payload,
                inline=disposition == "inline" or bool(content_id),
            )
        )
    return parts


def _bounce(message: EmailMessage, sender: str) -> Bounce | None:
    """A delivery-status notification: a multipart/report of type delivery-status, a
    mailer-daemon sender, or an empty Return-Path. Hard = permanent (5.x.x, Action: failed)."""
    content_type = message.get_content_type()
    report = content_type == "multipart/report" and message.get_param("report-type", "") == "delivery-status"
    daemon = sender.split("@")[0] in DAEMON_LOCALPARTS if sender else False
    empty_return_path = str(message.get("Return-Path", "x")).strip() in ("<>", "")
    if not (report or daemon or empty_return_path):
        return None
    recipients: list[str] = []
    hard = False
    diagnostic = ""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload() or []:
            recipient = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
            address = recipient.split(";", 1)[-1].strip().lower()
            if "@" in address and address not in recipients:
                recipients.append(address)
            status = str(block.get("Status", "")).strip()
            action = str(block.get("Action", "")).strip().lower()
            if status.startswith("5") or action == "failed":
                hard = True
            diagnostic = diagnostic or clean_line(str(block.get("Diagnostic-Code", "")))[:500]
    for address in _addresses(message, "X-Failed-Recipients"):
        if address not in recipients:
            recipients.append(address)
    if not recipients and not report and not daemon:
        return Bounce(recipients=(), hard=False, diagnostic="")  # an empty Return-Path alone: a notice
    if not diagnostic or not hard:
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        code = re.search(r"\b([45])\d\d[ -]([45]\.\d{1,3}\.\d{1,3})?", text)
        if code and code.group(1) == "5":
            hard = True
        diagnostic = diagnostic or _first_words(text)[:500]
    return Bounce(recipients=tuple(recipients), hard=hard, diagnostic=diagnostic)


def _is_auto_reply(message: EmailMessage, subject: str) -> bool:
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return (
        auto not in ("", "no")
        or precedence in {"bulk", "auto_reply", "list", "junk"}
        or any(message.get(h) is not None for h in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"))
        or str(message.get("X-Auto-Response-Suppress", "")).strip().lower() in {"all", "oof", "autoreply"}
        or bool(AUTO_REPLY_SUBJECT.match(subject))
    )


def synthetic_message_id(raw: bytes) -> str:
    """A stable id for a message without a Message-ID (the same bytes dedupe)."""
    return f"<sha256-{hashlib.sha256(raw).hexdigest()[:40]}@inbound.invalid>"


def thread_reference(parsed_references: list[str]) -> int | None:
    domain = re.escape(settings.EMAIL_MESSAGE_ID_DOMAIN)
    pattern = re.compile(rf"^<ticket-(\d+)(?:\.[^@>]*)?@{domain}>$")
    for reference in parsed_references:
        match = pattern.match(reference)
        if match:
            return int(match.group(1))
    return None


def message_parse_full(raw: bytes) -> ParsedMessage:
    message = message_parse(raw)
    name, sender = message_sender(message)
    subject = str(message.get("Subject", "") or "")
    message_id = clean_line(str(message.get("Message-ID", "") or ""))[:255] or synthetic_message_id(raw)
    references = re.findall(r"<[^<>\s]+>", f"{message.get('In-Reply-To', '')} {message.get('References', '')}")

    bodies: set[int] = set()
    plain = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    html = ""
    if html_part is not None:
        bodies.add(id(html_part))
        html = nh3.clean(clean_text(html_part.get_content()))
    if plain is not None:
        bodies.add(id(plain))
        text = plain.get_content().strip()
    else:
        text = html_to_text(html) if html else ""
    # Mail cannot be refused for odd bytes: NULs go, lone surrogates (undecodable bytes) become U+FFFD.
    text = clean_text(text.replace("\r\n", "\n"))
    match = SUBJECT_REFERENCE.search(subject)
    ticket_ref = int(match.group(1)) if match else thread_reference(references)
    return ParsedMessage(
        message=message,
        message_id=message_id,
        sender=sender,
        sender_name=clean_line(name)[:200],
        subject=clean_line(subject)[:255],
        title=title_from(subject, text, sender),
        text=text,
        reply_text=reply_only(text),
        html=html,
        to=_addresses(message, "To", "Delivered-To", "X-Original-To", "Envelope-To"),
        cc=_addresses(message, "Cc"),
        references=references,
        attachments=_attachments(message, bodies),
        ticket_ref=ticket_ref,
        is_auto_reply=_is_auto_reply(message, subject),
        bounce=_bounce(message, sender),
    )
