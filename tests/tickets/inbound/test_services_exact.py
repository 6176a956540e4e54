"""Inbound processing (tickets/inbound/services.py) stated exactly where the branch tests leave a gap:
the Cc limit per message, a customer address stored in mixed case, `#note` with nothing after it,
the attachment's declared type, and who an auto-reply or a reply is recorded against."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from model_bakery import baker

from agents.models import Role
from tests.tickets.inbound.messages import compose
from tickets.inbound.services import InboundResult, inbound_email_process
from tickets.models import Attachment, Comment, InboundMessage, Ticket, TicketFollower

pytestmark = pytest.mark.django_db


def test_at_most_twenty_cc_addresses_of_one_message_become_followers(customer_a, org_a):
    addresses = [f"colleague{n:02}@acme.example" for n in range(1, 23)]  # 22 colleagues
    for address in addresses:
        baker.make_recipe("tests.customers.customer", email=address, organization=org_a)

    result = inbound_email_process(raw=compose(sender=customer_a.email, cc=", ".join(addresses)))

    assert (result.action, result.reason) == ("ticket", "")
    followers = TicketFollower.objects.filter(ticket_id=result.ticket_id).order_by("email")
    assert list(followers.values_list("email", flat=True)) == [f"colleague{n:02}@acme.example" for n in range(1, 21)]


def test_a_cc_of_the_customer_is_skipped_and_the_next_address_still_follows(ticket, org_a):
    bob = baker.make_recipe("tests.customers.customer", email="bob@acme.example", organization=org_a)
    raw = compose(
        sender="Bob <bob@acme.example>",
        subject="Printer",
        cc="alice@acme.example, carol@acme.example, bob@acme.example",
    )
    baker.make_recipe("tests.customers.customer", email="carol@acme.example", organization=org_a)

    result = inbound_email_process(raw=raw)

    new = Ticket.objects.get(pk=result.ticket_id)
    assert new.customer_id == bob.pk
    assert list(TicketFollower.objects.filter(ticket=new).order_by("email").values_list("email", flat=True)) == [
        "alice@acme.example",
        "carol@acme.example",
    ]


def test_a_customer_whose_address_is_stored_in_mixed_case_replies_as_the_customer(ticket):
    customer = ticket.customer
    customer.email = "Alice@Acme.example"
    customer.save(update_fields=["email"])

    result = inbound_email_process(raw=compose(sender="alice@acme.example", subject=f"Re: [#{ticket.pk}] Printer"))

    comment = Comment.objects.get()
    assert (result.action, result.ticket_id, comment.customer_id, comment.author_id, comment.is_internal) == (
        "reply",
        ticket.pk,
        customer.pk,
        None,
        False,
    )


@pytest.fixture
def agent_on(make_agent):
    return make_agent(Role.AGENT, email="agent@helpdesk.test")


def test_a_note_marker_with_only_attachments_is_an_internal_attachments_only_note(ticket, agent_on):
    result = inbound_email_process(
        raw=compose(
            sender="agent@helpdesk.test", subject=f"[#{ticket.pk}]", body="#note", files=(("log.pdf", b"%PDF-1.4"),)
        )
    )

    comment = Comment.objects.get()
    assert result == InboundResult(
        "note", ticket_id=ticket.pk, comment_id=comment.pk, reason="", record_id=InboundMessage.objects.get().pk
    )
    assert (comment.body, comment.is_internal, comment.author_id) == ("(attachments only)", True, agent_on.user_id)
    assert list(Attachment.objects.values_list("comment_id", "filename")) == [(comment.pk, "log.pdf")]


def test_a_note_marker_with_nothing_after_it_is_an_empty_reply(ticket, agent_on):
    result = inbound_email_process(raw=compose(sender="agent@helpdesk.test", subject=f"[#{ticket.pk}]", body="#note"))

    assert (result.action, result.ticket_id, result.comment_id, result.reason) == (
        "ignored",
        ticket.pk,
        None,
        "empty reply",
    )
    assert Comment.objects.count() == 0


def test_the_note_text_is_trimmed_after_the_marker(ticket, agent_on):
    result = inbound_email_process(
        raw=compose(
            sender="agent@helpdesk.test", subject=f"[#{ticket.pk}]", body="#note\n\n   Checked the logs.\nAll clear."
        )
    )

    assert result.action == "note"
    assert Comment.objects.get().body == "Checked the logs.\nAll clear."


def test_an_agent_reply_without_the_marker_is_public(ticket, agent_on):
    result = inbound_email_process(
        raw=compose(sender="agent@helpdesk.test", subject=f"[#{ticket.pk}]", body="notes follow\n#note")
    )

    comment = Comment.objects.get()
    assert (result.action, comment.is_internal, comment.body) == ("reply", False, "notes follow\n#note")


def _with_csv(sender: str, subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@helpdesk.test"
    message["Subject"] = subject
    message["Message-ID"] = "<csv@new.example>"
    message.set_content("The export is attached.")
    message.add_attachment(b"a,b\n1,2\n", maintype="text", subtype="csv", filename="export.csv")
    return message.as_bytes()


def test_an_attachment_keeps_the_type_the_mail_declares_when_the_bytes_agree(ticket):
    result = inbound_email_process(raw=_with_csv(ticket.customer.email, f"[#{ticket.pk}] export"))

    assert result.action == "reply"
    assert list(Attachment.objects.values_list("filename", "content_type", "size")) == [("export.csv", "text/csv", 8)]


def test_a_new_ticket_stores_its_attachment_without_a_comment_or_an_uploader():
    result = inbound_email_process(raw=_with_csv("Carol <carol@new.example>", "Export"))

    assert list(Attachment.objects.values_list("ticket_id", "comment_id", "uploaded_by", "content_type")) == [
        (result.ticket_id, None, None, "text/csv")
    ]


def test_a_new_ticket_for_a_known_customer_uses_the_customer_and_no_new_one(customer_a):
    result = inbound_email_process(raw=compose(sender="Someone Else <alice@acme.example>"))

    ticket = Ticket.objects.select_related("customer").get(pk=result.ticket_id)
    assert (ticket.customer_id, ticket.customer.name) == (customer_a.pk, "Alice")
    assert type(customer_a).objects.filter(email__iexact="alice@acme.example").count() == 1


def test_an_auto_reply_without_a_reference_is_recorded_without_a_ticket():
    raw = compose(subject="Out of office", sender="carol@new.example")
    raw = raw.replace(b"Subject:", b"Auto-Submitted: auto-replied\nSubject:", 1)

    result = inbound_email_process(raw=raw)

    assert (result.action, result.ticket_id, result.comment_id) == ("auto_reply", None, None)
    record = InboundMessage.objects.get()
    assert (record.status, record.ticket_id, record.reason) == (
        "auto_reply",
        None,
        "automatic reply: recorded, not answered",
    )
    assert Ticket.objects.count() == 0
