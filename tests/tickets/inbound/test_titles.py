"""No message is silently lost: a subject the ticket rules refuse is cleaned and the ticket is
created (the six subjects that used to be dropped, plus a control character in an encoded subject)."""

from __future__ import annotations

import pytest

from tickets.inbound.parsing import title_from
from tickets.inbound.services import inbound_email_process
from tickets.models import Ticket


def _raw(subject_line: bytes, body: bytes, n: int) -> bytes:
    return (
        b"From: Carol <carol@new.example>\r\nTo: support@helpdesk.test\r\n"
        + subject_line
        + f"\r\nMessage-ID: <title-{n}@new.example>\r\nMIME-Version: 1.0\r\n".encode()
        + b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + body
        + b"\r\n"
    )


CASES = [
    pytest.param(
        b"Subject: Hi",
        b"My printer does not print since the update yesterday morning, please help",
        "My printer does not print since the update yesterday morning, …",
        id="hi",
    ),
    pytest.param(b"Subject: ok", b"Thanks", "Thanks", id="ok"),
    pytest.param(b"Subject: ?", b"", "Email from carol@new.example", id="question-mark-empty-body"),
    pytest.param(b"Subject: Re: <urgent> invoice", b"Please call me.", "\u2039urgent\u203a invoice", id="markup"),
    pytest.param(b"Subject: a<b", b"Compare.", "a<b", id="less-than"),
    pytest.param(
        b"Subject: The invoice for November 2026 that we received on the third\r\n\tis missing the VAT line",
        b"See subject.",
        "The invoice for November 2026 that we received on the third is missing the VAT line",
        id="tab-folded",
    ),
    pytest.param(b"Subject: =?UTF-8?Q?Refund=07_please?=", b"Order 7", "Refund please", id="control-char"),
    pytest.param(b"Subject:", b"", "Email from carol@new.example", id="empty"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("subject", "body", "title"), CASES)
def test_every_subject_becomes_a_ticket(subject, body, title, request):
    n = request.node.callspec.id

    result = inbound_email_process(raw=_raw(subject, body, hash(n) % 10_000))

    assert result.action == "ticket", result.reason
    assert Ticket.objects.get(pk=result.ticket_id).title == title


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        pytest.param("x" * 250, "x" * 198 + " …", id="long-without-spaces"),
        pytest.param(("word " * 60).strip(), ("word " * 39).strip() + " …", id="long-words"),
        pytest.param("Re: Fwd: AW: [#12] Printer", "Printer", id="prefixes-and-reference"),
        pytest.param("Printer\u200b\u202eon fire", "Printer on fire", id="format-chars"),
    ],
)
def test_title_from_cleans_subjects(subject, expected):
    assert title_from(subject, "", "x@y.example") == expected
