"""One inbound message composed field by field, and a mailbox, for the processing tests."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from model_bakery import baker

from tickets.models.inbound import Mailbox

NOW = datetime.fromisoformat("2026-12-01T10:00:00+00:00")


def compose(
    *,
    sender: str = "Carol <carol@new.example>",
    subject: str = "Printer jammed",
    body: str = "Tray 2 is jammed.",
    message_id: str = "<p1@new.example>",
    to: str = "support@helpdesk.test",
    cc: str = "",
    files: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    if to:
        message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    for name, payload in files:
        message.add_attachment(payload, maintype="application", subtype="pdf", filename=name)
    return message.as_bytes()


def make_mailbox(address: str, **fields) -> Mailbox:
    return baker.make(Mailbox, address=address, imap_host="imap.test", username=address, **fields)
