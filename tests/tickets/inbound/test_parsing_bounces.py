"""Parsing bounces (delivery status reports, daemon senders, empty return paths) and auto-replies,
with every expected value written out by hand from the message it comes from."""

from __future__ import annotations

import pytest

from tests.tickets.inbound.mime import message_bytes, multipart_bytes
from tickets.inbound.parsing import (
    Bounce,
    message_parse_full,
)

# --- bounces ---------------------------------------------------------------------------------


def _dsn(*blocks: str, text: str = "Your message could not be delivered.", sender: str = "MAILER-DAEMON@mx.test"):
    report = "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.test\r\n\r\n" + "\r\n\r\n".join(
        blocks
    )
    return multipart_bytes(
        f"Content-Type: text/plain\r\n\r\n{text}",
        report,
        headers=(f"Sender: {sender}",),
        subtype="report",
        params="; report-type=delivery-status",
    )


@pytest.mark.parametrize(
    ("blocks", "text", "expected"),
    [
        pytest.param(
            ("Final-Recipient: rfc822;Gone@Acme.example\r\nAction: failed\r\nStatus: 4.4.7",),
            "x",
            Bounce(("gone@acme.example",), True, "x"),
            id="failed-action-is-hard-and-no-space-after-the-type",
        ),
        pytest.param(
            ("Original-Recipient: rfc822; orig@acme.example\r\nAction: delayed\r\nStatus: 5.2.2",),
            "Mailbox over quota",
            Bounce(("orig@acme.example",), True, "Mailbox over quota"),
            id="status-5-is-hard-original-recipient-read",
        ),
        pytest.param(
            (
                "Final-Recipient: rfc822; a@acme.example\r\nAction: delayed\r\nStatus: 4.2.2\r\n"
                "Diagnostic-Code: smtp; 452 over quota",
                "Final-Recipient: rfc822; a@acme.example\r\nAction: delayed\r\nStatus: 4.2.2",
                "Final-Recipient: b@acme.example\r\nAction: delayed\r\nStatus: 4.2.2",
            ),
            "temporary trouble",
            Bounce(("a@acme.example", "b@acme.example"), False, "smtp; 452 over quota"),
            id="soft-deduplicated-first-diagnostic",
        ),
        pytest.param(
            ("Final-Recipient: rfc822; c@acme.example\r\nAction: delayed\r\nStatus: 4.0.0\r\nDiagnostic-Code: odd",),
            "The server said: 550 5.1.1 no such user",
            Bounce(("c@acme.example",), True, "odd"),
            id="body-code-makes-it-hard",
        ),
        pytest.param(
            ("Final-Recipient: rfc822; d@acme.example\r\nAction: delayed\r\nStatus: 4.0.0",),
            "The server said: 452 4.2.2 full",
            Bounce(("d@acme.example",), False, "The server said: 452 4.2.2 full"),
            id="body-4xx-stays-soft",
        ),
        pytest.param(
            (f"Final-Recipient: rfc822; e@acme.example\r\nAction: failed\r\nDiagnostic-Code: {'y' * 600}",),
            "x",
            Bounce(("e@acme.example",), True, "y" * 500),
            id="diagnostic-cut-at-500",
        ),
    ],
)
def test_delivery_status_reports(blocks, text, expected):
    assert message_parse_full(_dsn(*blocks, text=text)).bounce == expected


@pytest.mark.parametrize("localpart", ["mailer-daemon", "postmaster", "mail-daemon"])
def test_a_daemon_sender_alone_is_a_bounce_read_from_the_text(localpart):
    raw = message_bytes(
        f"From: {localpart}@mx.test",
        "Subject: Undeliverable",
        "X-Failed-Recipients: gone@acme.example, gone@acme.example",
        body="550 5.1.1 user unknown",
    )

    assert message_parse_full(raw).bounce == Bounce(("gone@acme.example",), True, "550 5.1.1 user unknown")


def test_a_daemon_sender_without_a_text_body():
    raw = message_bytes("From: postmaster@mx.test", "Subject: Undeliverable", body="<p>x</p>", content_type="text/html")

    assert message_parse_full(raw).bounce == Bounce((), False, "")


def test_a_long_single_word_body_gives_a_cut_diagnostic():
    raw = message_bytes("From: postmaster@mx.test", "Subject: Undeliverable", body="z" * 600)

    assert message_parse_full(raw).bounce == Bounce((), False, "z" * 500)


@pytest.mark.parametrize("return_path", ["<>", ""])
def test_an_empty_return_path_alone_is_a_notice(return_path):
    raw = message_bytes("From: someone@acme.example", f"Return-Path: {return_path}", body="550 5.1.1 in the text")

    assert message_parse_full(raw).bounce == Bounce((), False, "")


def test_an_empty_return_path_with_failed_recipients():
    raw = message_bytes(
        "From: someone@acme.example",
        "Return-Path: <>",
        "X-Failed-Recipients: A@acme.example",
        body="550 5.1.1 in the text",
    )

    assert message_parse_full(raw).bounce == Bounce(("a@acme.example",), True, "550 5.1.1 in the text")


def test_a_report_without_recipients_is_read_from_the_text():
    raw = _dsn("Action: failed", text="Delivery failed", sender="relay@acme.example").replace(
        b"From: Carol <carol@new.example>", b"From: relay@acme.example"
    )

    assert message_parse_full(raw).bounce == Bounce((), True, "Delivery failed")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(message_bytes("From: alice@acme.example", "Return-Path: <alice@acme.example>"), id="ordinary"),
        pytest.param(message_bytes("Subject: no sender at all"), id="no-from"),
        pytest.param(
            multipart_bytes(
                "Content-Type: text/plain\r\n\r\nRead receipt",
                "Content-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822; x@acme.example",
                subtype="report",
                params="; report-type=disposition-notification",
            ),
            id="read-receipt",
        ),
    ],
)
def test_not_a_bounce(raw):
    assert message_parse_full(raw).bounce is None


# --- auto-replies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("Auto-Submitted: auto-replied", True, id="auto-submitted"),
        pytest.param("Auto-Submitted: No", False, id="auto-submitted-no"),
        pytest.param("Auto-Submitted:", False, id="auto-submitted-empty"),
        pytest.param("Precedence: bulk", True, id="bulk"),
        pytest.param("Precedence: Auto_Reply", True, id="auto_reply"),
        pytest.param("Precedence: list", True, id="list"),
        pytest.param("Precedence: junk", True, id="junk"),
        pytest.param("Precedence: first-class", False, id="other-precedence"),
        pytest.param("X-Autoreply: yes", True, id="x-autoreply"),
        pytest.param("X-Autorespond: yes", True, id="x-autorespond"),
        pytest.param("X-Autoresponder: yes", True, id="x-autoresponder"),
        pytest.param("X-Auto-Response-Suppress: All", True, id="suppress-all"),
        pytest.param("X-Auto-Response-Suppress: OOF", True, id="suppress-oof"),
        pytest.param("X-Auto-Response-Suppress: AutoReply", True, id="suppress-autoreply"),
        pytest.param("X-Auto-Response-Suppress: DR", False, id="suppress-dr"),
        pytest.param("Subject: Out of Office: back Monday", True, id="subject"),
        pytest.param("Subject: Office move", False, id="ordinary-subject"),
    ],
)
def test_auto_reply_detection(header, expected):
    raw = message_bytes("From: alice@acme.example", header)

    assert message_parse_full(raw).is_auto_reply is expected
