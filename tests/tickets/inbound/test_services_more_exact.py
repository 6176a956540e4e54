"""Inbound processing (tickets/inbound/services.py) stated exactly where the other tests leave a gap:
the notes of a reply, the HTML body kept on the record, and a message another worker recorded while
this one was rolling back."""

from __future__ import annotations

import logging
from email.message import EmailMessage

import pytest
from django.db import IntegrityError
from model_bakery import baker

from tests.tickets.inbound.messages import compose, make_mailbox
from tickets.inbound import services
from tickets.inbound.services import InboundResult, inbound_email_process, inbound_message_retry
from tickets.models import Comment, InboundMessage, Ticket, TicketFollower

pytestmark = pytest.mark.django_db


def test_a_reply_notes_its_refused_attachments_then_its_refused_cc(settings, ticket):
    settings.ATTACHMENT_MAX_BYTES = 10

    result = inbound_email_process(
        raw=compose(
            sender=ticket.customer.email,
            subject=f"Re: [#{ticket.pk}] Printer",
            body="Logs attached.",
            cc="mallory@elsewhere.example",
            files=(("big.pdf", b"%PDF-" + b"x" * 20),),
        )
    )

    assert (result.action, result.ticket_id, result.comment_id) == ("reply", ticket.pk, Comment.objects.get().pk)
    assert result.reason == (
        "big.pdf: The file is 25 bytes; the limit is 10 bytes.\n"
        "mallory@elsewhere.example: mallory@elsewhere.example is neither a customer of this ticket's "
        "organisation nor an allowed external address."
    )
    assert InboundMessage.objects.get().reason == result.reason


def _html(message_id: str = "<h1@new.example>") -> bytes:
    message = EmailMessage()
    message["From"] = "Carol <carol@new.example>"
    message["To"] = "support@helpdesk.test"
    message["Subject"] = "Cannot log in"
    message["Message-ID"] = message_id
    message.set_content("<p>Help <b>me</b></p>", subtype="html")
    return message.as_bytes()


def test_the_record_keeps_the_html_body_and_a_plain_message_has_none():
    inbound_email_process(raw=_html())
    inbound_email_process(raw=compose())

    assert list(InboundMessage.objects.order_by("message_id").values_list("message_id", "body_html")) == [
        ("<h1@new.example>", "<p>Help <b>me</b></p>\n"),
        ("<p1@new.example>", ""),
    ]


def _recorded_meanwhile(monkeypatch, status: str) -> None:
    """A database constraint refuses the new ticket; while this worker rolls back, another one
    records the same message with `status` (one attempt)."""

    def refused(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    discard = services._discard_raw

    def discard_then_another_worker_records(name):
        discard(name)
        monkeypatch.setattr(services, "_discard_raw", discard)
        baker.make(InboundMessage, message_id="<p1@new.example>", status=status, attempts=1, raw="")

    monkeypatch.setattr(services, "ticket_create", refused)
    monkeypatch.setattr(services, "_discard_raw", discard_then_another_worker_records)


def test_a_message_another_worker_processed_meanwhile_is_a_duplicate(monkeypatch, caplog):
    _recorded_meanwhile(monkeypatch, "ticket")

    with caplog.at_level(logging.WARNING, logger="tickets.inbound.services"):
        result = inbound_email_process(raw=compose())

    assert result == InboundResult("duplicate", reason="already processed (concurrently)")
    assert list(InboundMessage.objects.values_list("status", "attempts", "reason")) == [("ticket", 1, "")]
    assert caplog.record_tuples == []


def test_a_message_another_worker_failed_meanwhile_counts_this_failure_too(monkeypatch, caplog):
    _recorded_meanwhile(monkeypatch, "failed")

    with caplog.at_level(logging.WARNING, logger="tickets.inbound.services"):
        result = inbound_email_process(raw=compose())

    record = InboundMessage.objects.get()
    assert result == InboundResult("failed", reason="a database constraint refused the message", record_id=record.pk)
    assert (record.status, record.attempts, record.reason) == ("failed", 2, "a database constraint refused the message")
    assert caplog.record_tuples == [
        ("tickets.inbound.services", logging.ERROR, "inbound message <p1@new.example> failed")
    ]


def test_a_follower_reply_costs_a_fixed_number_of_queries(ticket, org_a, django_assert_num_queries):
    bob = baker.make_recipe("tests.customers.customer", email="bob@acme.example", organization=org_a)
    baker.make(TicketFollower, ticket=ticket, email="bob@acme.example", customer=bob)

    # lookup+lock, own addresses, rate count, the ticket with its customer, whether it was merged,
    # whether Bob is an agent, the follower with its customer (one query), the comment (savepoints,
    # lock, insert, event, touch, outbox, the active triggers), the receiving mailbox, the record
    with django_assert_num_queries(19):
        result = inbound_email_process(raw=compose(sender="Bob <bob@acme.example>", subject=f"Re: [#{ticket.pk}] x"))

    assert result.action == "reply"


def test_a_new_ticket_routed_by_its_to_address_costs_a_fixed_number_of_queries(django_assert_num_queries):
    make_mailbox(
        "billing@helpdesk.test",
        team=baker.make("agents.Team", name="Billing"),
        category=baker.make("tickets.Category", name="Invoices"),
    )

    # lookup+lock, own addresses, rate count, the mailbox with its team and category (one query),
    # the ticket (the customer looked up once and created, organisation by domain, insert, event,
    # outbox, triggers, SLA, savepoints), the receiving mailbox again for the record, the record
    with django_assert_num_queries(28):
        result = inbound_email_process(raw=compose(to="billing@helpdesk.test"))

    assert result.action == "ticket"


def test_a_follower_of_another_ticket_naming_this_one_opens_a_new_ticket(ticket, org_a):
    bob = baker.make_recipe("tests.customers.customer", email="bob@acme.example", organization=org_a)
    elsewhere = baker.make_recipe("tests.tickets.ticket", customer=ticket.customer, organization=org_a)
    baker.make(TicketFollower, ticket=elsewhere, email="bob@acme.example", customer=bob)

    result = inbound_email_process(raw=compose(sender="Bob <bob@acme.example>", subject=f"Re: [#{ticket.pk}] x"))

    assert result.action == "ticket"
    assert result.ticket_id not in (ticket.pk, elsewhere.pk)
    assert Comment.objects.count() == 0


def test_a_stranger_naming_a_followed_ticket_does_not_reply_as_its_follower(ticket, org_a):
    bob = baker.make_recipe("tests.customers.customer", email="bob@acme.example", organization=org_a)
    baker.make(TicketFollower, ticket=ticket, email="bob@acme.example", customer=bob)

    result = inbound_email_process(raw=compose(sender="Carol <carol@new.example>", subject=f"Re: [#{ticket.pk}] x"))

    assert result.action == "ticket"
    assert result.ticket_id != ticket.pk
    assert Comment.objects.count() == 0


def test_a_retry_keeps_the_polled_mailbox_even_when_the_message_was_sent_to_another(monkeypatch):
    polled = make_mailbox("imap@helpdesk.test")
    make_mailbox("support@helpdesk.test")  # the message's To address

    def fail(**kwargs):
        raise RuntimeError("down")

    monkeypatch.setattr(services, "ticket_create", fail)
    inbound_email_process(raw=compose(), mailbox=polled, uidvalidity=8, uid=9, source="imap")
    monkeypatch.undo()

    result = inbound_message_retry(record=InboundMessage.objects.get())

    record = InboundMessage.objects.get()
    assert (result.action, record.mailbox_id, record.uidvalidity, record.uid, record.source) == (
        "ticket",
        polled.pk,
        8,
        9,
        "imap",
    )
    assert Ticket.objects.get().metadata == {"email": {"mailbox_id": polled.pk, "acknowledge": True}}


def test_a_new_ticket_for_a_known_customer_costs_a_fixed_number_of_queries(customer_a, django_assert_num_queries):
    # lookup+lock, own addresses, rate count, the mailbox of the To address, the customer (one lookup,
    # by the ticket service, case-insensitive), the ticket (team, SLA policy, targets,
    # holidays, insert, SLA events, event, outbox, triggers, savepoint), the mailbox again, the record
    with django_assert_num_queries(20):
        result = inbound_email_process(raw=compose(sender="Alice <alice@acme.example>"))

    assert Ticket.objects.get(pk=result.ticket_id).customer_id == customer_a.pk
