"""Inbound email: replies matched by subject reference or threading headers, new tickets otherwise."""

from __future__ import annotations

from email.message import EmailMessage
from io import StringIO

import pytest
from django.core.management import call_command

from tickets.inbound.services import inbound_email_process
from tickets.models import Comment, InboundMessage, Status, Ticket


def _raw(*, sender, subject, body="Hello there", message_id="<m1@mail.example>", html=False, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@helpdesk.test"
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if html:
        message.set_content(body, subtype="html")
    else:
        message.set_content(body)
    return message.as_bytes()


@pytest.mark.django_db
def test_a_reply_with_the_subject_reference_becomes_a_customer_comment(ticket):
    ticket.status = Status.PENDING
    ticket.save(update_fields=["status"])
    raw = _raw(
        sender=f"Alice <{ticket.customer.email.upper()}>",
        subject=f"Re: [#{ticket.pk}] Printer",
        body="It works now.\n\nOn Monday, Support wrote:\n> old text",
    )

    result = inbound_email_process(raw=raw)

    assert result.action == "reply"
    comment = Comment.objects.get(pk=result.comment_id)
    assert comment.ticket_id == ticket.pk
    assert comment.customer_id == ticket.customer_id
    assert comment.body == "It works now."
    assert comment.channel == "email"
    assert comment.email_message_id == "<m1@mail.example>"
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN  # a customer reply reopens a pending ticket


@pytest.mark.django_db
def test_a_reply_is_matched_by_in_reply_to_when_the_subject_lost_the_reference(ticket):
    raw = _raw(
        sender=ticket.customer.email,
        subject="Re: printer",
        body="Thanks\n> quoted",
        In_Reply_To=f"<ticket-{ticket.pk}.abcdef@helpdesk.test>",
    )

    result = inbound_email_process(raw=raw)

    assert (result.action, result.ticket_id) == ("reply", ticket.pk)
    assert Comment.objects.get().body == "Thanks"


@pytest.mark.django_db
def test_a_new_message_opens_a_ticket_for_a_new_customer(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = inbound_email_process(
            raw=_raw(
                sender="Carol <carol@new.example>",
                subject="Fwd: Cannot log in",
                body="<p>Help <b>me</b></p>",
                html=True,
            )
        )

    assert result.action == "ticket"
    ticket = Ticket.objects.select_related("customer").get(pk=result.ticket_id)
    assert ticket.title == "Cannot log in"
    assert ticket.description == "Help me"
    assert ticket.channel == "email"
    assert ticket.customer.email == "carol@new.example"
    assert ticket.metadata == {}
    assert InboundMessage.objects.get(message_id="<m1@mail.example>").ticket == ticket
    assert [m.to for m in mailoutbox if "received" in m.subject] == [["carol@new.example"]]


@pytest.mark.django_db
def test_someone_else_naming_a_ticket_gets_a_new_ticket_not_a_reply(ticket, customer_b):
    result = inbound_email_process(raw=_raw(sender=customer_b.email, subject=f"[#{ticket.pk}] let me in"))

    assert result.action == "ticket"
    assert result.ticket_id != ticket.pk
    assert Ticket.objects.get(pk=result.ticket_id).customer == customer_b
    assert Comment.objects.filter(ticket=ticket).count() == 0


@pytest.mark.django_db
def test_a_redelivered_message_is_processed_once(ticket):
    raw = _raw(sender=ticket.customer.email, subject=f"[#{ticket.pk}] again")

    assert inbound_email_process(raw=raw).action == "reply"
    assert inbound_email_process(raw=raw).reason == "already processed"
    new = _raw(sender="dave@new.example", subject="New", message_id="<new@mail.example>")
    assert inbound_email_process(raw=new).action == "ticket"
    assert inbound_email_process(raw=new).action == "duplicate"
    assert Comment.objects.count() == 1
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "action", "reason"),
    [
        pytest.param(
            {"Auto_Submitted": "auto-replied"}, "auto_reply", "automatic reply: recorded, not answered", id="auto"
        ),
        pytest.param({"Precedence": "bulk"}, "auto_reply", "automatic reply: recorded, not answered", id="bulk"),
        pytest.param({"X_Autoreply": "yes"}, "auto_reply", "automatic reply: recorded, not answered", id="x-auto"),
        pytest.param({"sender": "not-an-address"}, "ignored", "no sender address", id="no-sender"),
    ],
)
def test_automatic_and_senderless_messages_are_recorded_not_answered(headers, action, reason):
    headers = dict(headers)  # the parameter is shared by every run of the test: never change it
    sender = headers.pop("sender", "eve@new.example")

    result = inbound_email_process(raw=_raw(sender=sender, subject="Your request", **headers))

    assert (result.action, result.reason) == (action, reason)
    assert InboundMessage.objects.get().status == action
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_an_empty_reply_is_ignored(ticket):
    result = inbound_email_process(
        raw=_raw(sender=ticket.customer.email, subject=f"[#{ticket.pk}]", body="> only quote")
    )

    assert (result.action, result.reason) == ("ignored", "empty reply")


@pytest.mark.django_db
def test_a_message_that_cannot_become_a_ticket_is_kept_as_failed_with_the_reason():
    result = inbound_email_process(raw=_raw(sender="x@-bad-.example", subject="Broken sender"))

    assert result.action == "failed"
    assert "valid email" in result.reason
    assert Ticket.objects.count() == 0
    record = InboundMessage.objects.get()
    assert (record.status, record.sender, record.attempts) == ("failed", "", 1)
    assert record.raw.read().startswith(b"From: x@-bad-.example")


@pytest.mark.django_db
def test_the_management_command_reads_files(tmp_path, ticket):
    path = tmp_path / "reply.eml"
    path.write_bytes(_raw(sender=ticket.customer.email, subject=f"[#{ticket.pk}] hi", body="From the command"))
    out = StringIO()

    call_command("inbound_email", str(path), stdout=out)

    assert out.getvalue().strip() == f"reply: ticket #{ticket.pk}"
    assert Comment.objects.get().body == "From the command"


@pytest.mark.django_db
def test_the_management_command_reads_stdin(monkeypatch, customer_b):
    import io
    import sys

    raw = _raw(sender=customer_b.email, subject="From stdin", message_id="<stdin@mail.example>")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = StringIO()

    call_command("inbound_email", stdout=out)

    assert out.getvalue().startswith("ticket: ticket #")
    assert Ticket.objects.get().customer == customer_b


@pytest.mark.django_db
def test_a_message_with_nul_and_undecodable_bytes_still_opens_a_clean_ticket():
    raw = (
        b"From: Dan \xff <dan@new.example>\r\nTo: support@helpdesk.test\r\n"
        b"Subject: Printer \xff\xfe jammed\r\nMessage-ID: <odd@mail.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        b"Tray 2 \x00 jammed \xed\xa0\x80 again.\r\n"
    )

    result = inbound_email_process(raw=raw)

    assert result.action == "ticket"
    ticket = Ticket.objects.select_related("customer").get(pk=result.ticket_id)
    stored = [ticket.title, ticket.description, ticket.customer.name]
    assert not any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for text in stored for ch in text)
    assert ticket.description.startswith("Tray 2")
    assert "jammed" in ticket.title
