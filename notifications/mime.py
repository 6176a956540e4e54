"""Generic helpers for inbound MIME messages: parsing, the sender, the text of a reply without
its quoted history, and auto-reply detection. No domain model: tickets/inbound/ uses these to
turn a message into a ticket or a reply."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from django.utils.html import strip_tags

QUOTE_HEADER = re.compile(r"^On .{0,200}wrote:\s*$", re.MULTILINE)


def message_parse(raw: bytes) -> Any:
    """An RFC 822 message (bytes) as an EmailMessage (modern policy)."""
    return email.message_from_bytes(raw, policy=email.policy.default)


def message_sender(message: EmailMessage) -> tuple[str, str]:
    """(display name, lower-cased address) of the From header; the address may be empty."""
    name, address = parseaddr(str(message.get("From", "")))
    return name, address.strip().lower()


def message_text(message: EmailMessage) -> str:
    """The message's text (plain, else HTML stripped of tags) without the quoted history of a
    reply: from "On ... wrote:" or the first block of "> " lines."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        content = strip_tags(content)
    # Drop the quoted history of a reply: from "On ... wrote:" or the first block of "> " lines.
    match = QUOTE_HEADER.search(content)
    if match:
        content = content[: match.start()]
    lines = []
    for line in content.splitlines():
        if line.startswith(">"):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def is_automatic(message: EmailMessage) -> bool:
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    """An auto-reply or bulk mail (Auto-Submitted, Precedence: bulk/auto_reply/list/junk): never
    answered, to avoid mail loops."""
    return auto != "no" or precedence in {"bulk", "auto_reply", "list", "junk"}
