"""Parsing one raw message, field by field: every expected value below is written out by hand
from the message it comes from (the fixtures, or the few header lines built in the test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tickets.inbound.mime import message_bytes, multipart_bytes
from tickets.inbound import parsing
from tickets.inbound.parsing import (
    Bounce,
    clean_line,
    html_to_text,
    message_parse_full,
    reply_only,
    synthetic_message_id,
    thread_reference,
    title_from,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _fields(name: str) -> dict:
    parsed = message_parse_full((FIXTURES / name).read_bytes().replace(b"TICKET", b"41"))
    return {
        "message_id": parsed.message_id,
        "sender": parsed.sender,
        "sender_name": parsed.sender_name,
        "subject": parsed.subject,
        "title": parsed.title,
        "reply_text": parsed.reply_text,
        "to": parsed.to,
        "cc": parsed.cc,
        "references": parsed.references,
        "attachments": [(a.filename, a.content_type, len(a.payload), a.inline) for a in parsed.attachments],
        "ticket_ref": parsed.ticket_ref,
        "is_auto_reply": parsed.is_auto_reply,
        "bounce": parsed.bounce,
    }


# --- whole messages --------------------------------------------------------------------------


def test_a_gmail_reply_field_by_field():
    assert _fields("gmail_reply.eml") == {
        "message_id": "<CAF=gmail-reply-0001@mail.gmail.com>",
        "sender": "alice@acme.example",
        "sender_name": "Alice Example",
        "subject": "Re: [#41] Re: Printer on fire",
        "title": "Printer on fire",
        "reply_text": "Thanks, that fixed it.",
        "to": ["support@helpdesk.test"],
        "cc": [],
        "references": ["<ticket-41.3f2a9c@helpdesk.test>", "<ticket-41@helpdesk.test>"],
        "attachments": [],
        "ticket_ref": 41,
        "is_auto_reply": False,
        "bounce": None,
    }


def test_a_new_message_with_cc_field_by_field():
    assert _fields("cc_new_ticket.eml") == {
        "message_id": "<cc-0001@acme.example>",
        "sender": "alice@acme.example",
        "sender_name": "Alice Example",
        "subject": "VPN drops every hour",
        "title": "VPN drops every hour",
        "reply_text": "Since this morning the VPN disconnects every hour. Bob sees it too.",
        "to": ["support@helpdesk.test"],
        "cc": ["bob@acme.example", "mallory@elsewhere.example", "partner@partner.example"],
        "references": [],
        "attachments": [],
        "ticket_ref": None,
        "is_auto_reply": False,
        "bounce": None,
    }


def test_inline_image_and_pdf_field_by_field():
    fields = _fields("inline_image_pdf.eml")

    assert fields["attachments"] == [
        ("screenshot.png", "image/png", 70, True),
        ("invoice-2026-118.pdf", "application/pdf", 125, False),
    ]
    assert (fields["title"], fields["bounce"], fields["is_auto_reply"]) == ("Invoice 2026-118 is wrong", None, False)


def test_a_hard_dsn_field_by_field():
    fields = _fields("dsn_hard_bounce.eml")

    assert fields["bounce"] == Bounce(
        recipients=("gone@acme.example",),
        hard=True,
        diagnostic="smtp; 550 5.1.1 <gone@acme.example>: Recipient address rejected: User unknown",
    )
    assert (fields["sender"], fields["attachments"], fields["is_auto_reply"]) == (
        "mailer-daemon@mx.helpdesk.test",
        [],  # the delivery-status blocks and the returned headers are not files
        False,
    )


def test_a_soft_dsn_field_by_field():
    fields = _fields("soft_bounce.eml")

    assert fields["bounce"] == Bounce(
        recipients=("full@acme.example",), hard=False, diagnostic="smtp; 452 4.2.2 Mailbox full"
    )
    assert (fields["sender"], fields["sender_name"], fields["is_auto_reply"]) == (
        "postmaster@mx.acme.example",
        "",
        True,
    )


def test_a_message_without_subject_or_message_id():
    raw = message_bytes("From: dan@new.example", body="Short body")

    parsed = message_parse_full(raw)

    assert (parsed.subject, parsed.title) == ("", "Short body")
    assert parsed.message_id == synthetic_message_id(raw)
    assert parsed.message_id.startswith("<sha256-")
    assert parsed.message_id.endswith("@inbound.invalid>")
    assert (parsed.to, parsed.cc, parsed.references, parsed.ticket_ref) == ([], [], [], None)


def test_long_header_values_are_cut_to_the_column_sizes():
    raw = message_bytes(
        f"From: {'N' * 300} <dan@new.example>",
        f"Subject: {'S' * 300}",
        f"Message-ID: <{'m' * 300}@new.example>",
    )

    parsed = message_parse_full(raw)

    assert parsed.sender_name == "N" * 200
    assert parsed.subject == "S" * 255
    assert parsed.message_id == "<" + "m" * 254


def test_a_folded_message_id_is_one_line():
    parsed = message_parse_full(message_bytes("From: dan@new.example", "Message-ID:\r\n <folded@new.example>"))

    assert parsed.message_id == "<folded@new.example>"


def test_crlf_line_ends_become_newlines():
    parsed = message_parse_full(
        message_bytes("From: dan@new.example", "Subject: Two lines", body="line one\r\nline two")
    )

    assert parsed.text == "line one\nline two"


def test_an_html_only_message_is_converted_and_sanitised():
    raw = message_bytes(
        "From: dan@new.example",
        "Subject: HTML",
        body="<p>First <b>bold</b></p><p>Second</p><script>alert(1)</script>",
        content_type="text/html",
    )

    parsed = message_parse_full(raw)

    assert parsed.text == "First bold\n\nSecond"
    assert parsed.html == "<p>First <b>bold</b></p><p>Second</p>\n"


def test_a_message_without_any_text_body():
    raw = multipart_bytes(
        'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="a.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\naGk="
    )

    parsed = message_parse_full(raw)

    assert (parsed.text, parsed.html, parsed.reply_text) == ("", "", "")
    assert [(a.filename, a.payload) for a in parsed.attachments] == [("a.pdf", b"hi")]


# --- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("To", id="to"),
        pytest.param("Delivered-To", id="delivered-to"),
        pytest.param("X-Original-To", id="x-original-to"),
        pytest.param("Envelope-To", id="envelope-to"),
    ],
)
def test_every_recipient_header_names_the_receiving_address(header):
    parsed = message_parse_full(message_bytes("From: dan@new.example", f"{header}: Support <Support@Helpdesk.test>"))

    assert parsed.to == ["support@helpdesk.test"]


def test_recipients_are_lower_cased_deduplicated_and_need_an_at_sign():
    parsed = message_parse_full(
        message_bytes(
            "From: dan@new.example",
            "To: support@helpdesk.test, SUPPORT@helpdesk.test, undisclosed-recipients:;",
            "Delivered-To: support@helpdesk.test",
            "Cc: Bob <BOB@acme.example>, nobody, bob@acme.example, eve@acme.example",
        )
    )

    assert parsed.to == ["support@helpdesk.test"]
    assert parsed.cc == ["bob@acme.example", "eve@acme.example"]


# --- threading -------------------------------------------------------------------------------


def test_the_subject_reference_wins_over_the_threading_headers():
    parsed = message_parse_full(
        message_bytes("From: dan@new.example", "Subject: Re: [#7] x", "In-Reply-To: <ticket-9@helpdesk.test>")
    )

    assert (parsed.ticket_ref, parsed.references) == (7, ["<ticket-9@helpdesk.test>"])


def test_in_reply_to_and_references_are_both_read():
    parsed = message_parse_full(
        message_bytes(
            "From: dan@new.example",
            "Subject: Re: printer",
            "In-Reply-To: <other@mail.example>",
            "References: <first@mail.example>\r\n <ticket-12.ab@helpdesk.test>",
        )
    )

    assert parsed.references == ["<other@mail.example>", "<first@mail.example>", "<ticket-12.ab@helpdesk.test>"]
    assert parsed.ticket_ref == 12


@pytest.mark.parametrize(
    ("references", "expected"),
    [
        pytest.param(["<ticket-5@helpdesk.test>"], 5, id="plain"),
        pytest.param(["<x@mail.example>", "<ticket-6.f00@helpdesk.test>", "<ticket-7@helpdesk.test>"], 6, id="first"),
        pytest.param(["<ticket-8@other.test>"], None, id="other-domain"),
        pytest.param(["<ticket-8@helpdeskXtest>"], None, id="dot-is-literal"),
        pytest.param(["<ticket-x@helpdesk.test>"], None, id="not-a-number"),
        pytest.param([], None, id="none"),
    ],
)
def test_thread_reference(references, expected):
    assert thread_reference(references) == expected


def test_synthetic_message_id_is_the_hash_of_the_bytes():
    # sha256 of no bytes at all: e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c ...
    assert synthetic_message_id(b"") == "<sha256-e3b0c44298fc1c149afbf4c8996fb92427ae41e4@inbound.invalid>"


# --- text helpers ----------------------------------------------------------------------------


def test_clean_line_turns_every_invisible_character_into_one_space():
    # control (BEL), format (zero-width space), surrogate, line separator, paragraph separator
    assert clean_line("a\x07b\u200bc\ud800d\u2028e\u2029f") == "a b c d e f"
    assert clean_line("  many \t\r\n  spaces  ") == "many spaces"
    assert clean_line(None) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        pytest.param("abcde", 5, "abcde", id="exactly-the-limit"),
        pytest.param("aaa bbb ccc ddd", 12, "aaa bbb …", id="cut-at-the-last-space"),
        pytest.param("aaa bbb ccc", 8, "aaa …", id="room-for-the-ellipsis"),
    ],
)
def test_shorten(value, limit, expected):
    assert parsing._shorten(value, limit) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "one two three four five six seven eight nine ten", "one two three four five six seven eight nine ten"
        ),
        pytest.param("1 2 3 4 5 6 7 8 9 10 11", "1 2 3 4 5 6 7 8 9 10 …"),
        pytest.param("  spaced\n\nout  ", "spaced out"),
    ],
)
def test_first_words(text, expected):
    assert parsing._first_words(text) == expected


@pytest.mark.parametrize(
    ("subject", "body", "sender", "expected"),
    [
        pytest.param("abc", "", "x@y.example", "abc", id="exactly-the-minimum"),
        pytest.param("ab", "Body words here", "x@y.example", "Body words here", id="too-short-uses-the-body"),
        pytest.param("[#5]Printer", "", "x@y.example", "Printer", id="reference-glued-to-the-word"),
        pytest.param("", "", "", "Email from unknown sender", id="nothing-at-all"),
        pytest.param(
            "", "<b>bold</b> words", "x@y.example", "\u2039b\u203abold\u2039/b\u203a words", id="markup-in-body"
        ),
    ],
)
def test_title_from_edge_cases(subject, body, sender, expected):
    assert title_from(subject, body, sender) == expected


def test_html_to_text_keeps_long_lines_drops_images_and_separates_paragraphs():
    long = " ".join(["word"] * 30)
    html = f'<p>{long}</p><p>next <img src="cid:logo" alt="logo"><em>line</em></p>'

    assert html_to_text(html) == f"{long}\n\nnext line"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("   \n ", "", id="blank"),
        pytest.param("line one\nline two\n> quoted\nafter", "line one\nline two", id="bare-quote-block"),
        pytest.param(
            "Danke.\n\nAm Mo., 1. Dez. 2026 um 09:58 Uhr schrieb Support <support@helpdesk.test>:\n> alt",
            "Danke.",
            id="german-header",
        ),
        pytest.param(
            "Merci.\n\nLe lun. 1 déc. 2026 à 09:58, Support <support@helpdesk.test> a écrit :\n> ancien",
            "Merci.",
            id="french-header",
        ),
    ],
)
def test_reply_only(text, expected):
    assert reply_only(text) == expected


def test_reply_only_keeps_the_whole_text_when_the_parser_fails(monkeypatch):
    def broken(self, text):
        raise ValueError("odd message")

    monkeypatch.setattr(parsing.EmailReplyParser, "parse_reply", broken)

    assert reply_only("Hello\nOn Monday someone wrote:\nold") == "Hello\nOn Monday someone wrote:\nold"


# --- attachments -----------------------------------------------------------------------------


def test_attachment_names_types_and_inline_flags():
    raw = multipart_bytes(
        "Content-Type: text/plain\r\n\r\nThe body",
        "Content-Type: text/plain\r\n\r\nA mailing-list footer, not a file",
        "Content-Type: text/csv\r\nContent-Disposition: inline\r\n\r\na,b",
        "Content-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nnotes",
        "Content-Type: image/svg+xml\r\nContent-ID: <logo.X>\r\n\r\n<svg/>",
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n"
        "Content-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=",
        'Content-Type: image/png\r\nContent-Disposition: attachment; filename="=?utf-8?q?=07?="\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\naGk=",
        f'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="{"f" * 300}.pdf"\r\n\r\n%PDF',
        "Content-Type: text/rfc822-headers\r\n\r\nSubject: returned headers",
    )

    parsed = message_parse_full(raw)

    assert parsed.text == "The body"
    assert [(a.filename, a.content_type, a.payload, a.inline) for a in parsed.attachments] == [
        ("attachment.csv", "text/csv", b"a,b", True),
        ("attachment.plain", "text/plain", b"notes", False),
        ("logo.X.svg", "image/svg+xml", b"<svg/>", True),
        (
            "attachment.vnd.openxm",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            b"hi",
            False,
        ),
        ("attachment", "image/png", b"hi", False),
        ("f" * 255, "application/pdf", b"%PDF", False),
    ]


def test_body_parts_with_a_file_name_are_not_attachments():
    alternative = (
        'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n'
        '--alt\r\nContent-Type: text/plain\r\nContent-Disposition: inline; filename="body.txt"\r\n\r\nPlain body\r\n'
        '--alt\r\nContent-Type: text/html\r\nContent-Disposition: inline; filename="body.html"\r\n\r\n'
        "<p>Html body</p>\r\n"
        "--alt--"
    )

    parsed = message_parse_full(multipart_bytes(alternative))

    assert (parsed.text, parsed.html, parsed.attachments) == ("Plain body", "<p>Html body</p>", [])
