"""Processing one message, branch by branch, with exact outcomes: the result, the stored record,
the comment or ticket it made, the followers, the notes in the reason, the retry."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from agents.models import Role
from tests.tickets.inbound.messages import NOW, compose, make_mailbox
from tickets.inbound import services
from tickets.inbound.services import InboundResult, inbound_email_process
from tickets.models import Attachment, Comment, InboundMessage, Ticket, TicketEvent, TicketFollower

pytestmark = pytest.mark.django_db


# --- new tickets -----------------------------------------------------------------------------


@freeze_time(NOW)
def test_a_new_ticket_result_and_record_exactly():
    result = inbound_email_process(raw=compose(), uidvalidity=7, uid=12, source="imap")

    ticket = Ticket.objects.select_related("customer").get()
    record = InboundMessage.objects.get()
    assert result == InboundResult("ticket", ticket_id=ticket.pk, comment_id=None, reason="", record_id=record.pk)
    assert (ticket.title, ticket.description, ticket.customer.email, ticket.customer.name) == (
        "Printer jammed",
        "Tray 2 is jammed.",
        "carol@new.example",
        "Carol",
    )
    assert (
        record.message_id,
        record.mailbox_id,
        record.uidvalidity,
        record.uid,
        record.source,
        record.sender,
        record.subject,
        record.status,
        record.reason,
        record.ticket_id,
        record.comment_id,
        record.attempts,
        record.processed_at,
    ) == (
        "<p1@new.example>",
        None,
        7,
        12,
        "imap",
        "carol@new.example",
        "Printer jammed",
        "ticket",
        "",
        ticket.pk,
        None,
        1,
        NOW,
    )
    assert record.raw.name.endswith(".eml")
    assert record.raw.read() == compose()


def test_an_empty_message_opens_a_ticket_with_a_placeholder_description(customer_a):
    result = inbound_email_process(raw=compose(sender=customer_a.email, body=""))

    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert (ticket.description, ticket.customer_id) == ("(empty message)", customer_a.pk)


def test_the_mailbox_the_message_was_sent_to_routes_the_new_ticket():
    team = baker.make("agents.Team", name="Billing")
    category = baker.make("tickets.Category", name="Invoices")
    billing = make_mailbox("billing@helpdesk.test", team=team, category=category, send_acknowledgement=False)

    result = inbound_email_process(raw=compose(to="Billing <billing@helpdesk.test>"))

    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert (ticket.team_id, ticket.category_id) == (team.pk, category.pk)
    assert ticket.metadata == {"email": {"mailbox_id": billing.pk, "acknowledge": False}}
    assert InboundMessage.objects.get().mailbox_id == billing.pk


def test_the_polled_mailbox_wins_over_the_to_address():
    polled = make_mailbox("support@helpdesk.test")
    make_mailbox("billing@helpdesk.test", team=baker.make("agents.Team", name="Billing"))

    result = inbound_email_process(raw=compose(to="billing@helpdesk.test"), mailbox=polled, uidvalidity=1, uid=1)

    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert (ticket.team_id, ticket.metadata) == (None, {"email": {"mailbox_id": polled.pk, "acknowledge": True}})
    assert InboundMessage.objects.get().mailbox_id == polled.pk


def test_a_message_to_no_known_mailbox_has_none():
    make_mailbox("billing@helpdesk.test")

    result = inbound_email_process(raw=compose(to=""))

    assert Ticket.objects.get(pk=result.ticket_id).metadata == {}
    assert InboundMessage.objects.get().mailbox_id is None


def test_cc_of_a_new_ticket_skips_our_own_the_recipients_and_the_sender(customer_a, org_a):
    bob = baker.make_recipe("tests.customers.customer", email="bob@acme.example", organization=org_a)
    make_mailbox("billing@helpdesk.test")

    result = inbound_email_process(
        raw=compose(
            sender=customer_a.email,
            to="support@helpdesk.test",
            cc="billing@helpdesk.test, support@helpdesk.test, alice@acme.example, bob@acme.example, "
            "support@helpdesk.local",
        )
    )

    assert result.reason == ""
    assert list(TicketFollower.objects.values_list("email", "customer_id", "source")) == [
        ("bob@acme.example", bob.pk, "email_cc")
    ]


def test_every_refused_attachment_and_follower_is_one_line_of_the_reason(settings, customer_a):
    settings.ATTACHMENT_MAX_BYTES = 10

    result = inbound_email_process(
        raw=compose(
            sender=customer_a.email,
            cc="mallory@elsewhere.example",
            files=(("big.pdf", b"%PDF-" + b"x" * 20), ("large.pdf", b"%PDF-" + b"y" * 30)),
        )
    )

    assert result.action == "ticket"
    assert result.reason == (
        "big.pdf: The file is 25 bytes; the limit is 10 bytes.\n"
        "large.pdf: The file is 35 bytes; the limit is 10 bytes.\n"
        "mallory@elsewhere.example: mallory@elsewhere.example is neither a customer of this ticket's "
        "organisation nor an allowed external address."
    )
    events = TicketEvent.objects.filter(ticket_id=result.ticket_id, kind="attached").order_by("pk")
    assert [(e.note, e.new_value) for e in events] == [
        (
            "Email attachment 'big.pdf' not saved: The file is 25 bytes; the limit is 10 bytes.",
            {"skipped": "big.pdf", "size": 25},
        ),
        (
            "Email attachment 'large.pdf' not saved: The file is 35 bytes; the limit is 10 bytes.",
            {"skipped": "large.pdf", "size": 35},
        ),
    ]


def test_a_refused_attachment_note_is_cut_to_the_column(settings, customer_a):
    settings.ATTACHMENT_MAX_BYTES = 10
    name = "n" * 240 + ".pdf"

    result = inbound_email_process(raw=compose(sender=customer_a.email, files=((name, b"%PDF-" + b"x" * 20),)))

    event = TicketEvent.objects.get(ticket_id=result.ticket_id, kind="attached")
    assert event.note == f"Email attachment '{name}' not saved: The file is 25 bytes; the limit is 10 bytes."[:255]
    assert len(event.note) == 255


def test_several_messages_of_one_refusal_are_joined(monkeypatch, customer_a):
    def refuse(**kwargs):
        raise ValidationError(["too big", "wrong type"])

    def refuse_follower(**kwargs):
        raise ValidationError(["not allowed", "blocked"])

    monkeypatch.setattr(services, "attachment_add", refuse)
    monkeypatch.setattr(services, "follower_add", refuse_follower)

    result = inbound_email_process(
        raw=compose(sender=customer_a.email, cc="x@elsewhere.example", files=(("a.pdf", b"%PDF-1"),))
    )

    assert result.reason == "a.pdf: too big; wrong type\nx@elsewhere.example: not allowed; blocked"


# --- replies ---------------------------------------------------------------------------------


def test_a_customer_reply_with_an_attachment_only(ticket):
    result = inbound_email_process(
        raw=compose(sender=ticket.customer.email, subject=f"[#{ticket.pk}]", body="", files=(("a.pdf", b"%PDF-1.4"),))
    )

    comment = Comment.objects.get()
    assert result == InboundResult(
        "reply", ticket_id=ticket.pk, comment_id=comment.pk, reason="", record_id=InboundMessage.objects.get().pk
    )
    assert (comment.body, comment.customer_id, comment.author_id) == ("(attachments only)", ticket.customer_id, None)
    assert list(Attachment.objects.values_list("comment_id", "filename", "uploaded_by")) == [
        (comment.pk, "a.pdf", None)
    ]
    assert InboundMessage.objects.get().comment_id == comment.pk


def test_an_empty_reply_is_recorded_on_its_ticket(ticket):
    result = inbound_email_process(raw=compose(sender=ticket.customer.email, subject=f"[#{ticket.pk}]", body=""))

    assert (result.action, result.ticket_id, result.comment_id, result.reason) == (
        "ignored",
        ticket.pk,
        None,
        "empty reply",
    )
    assert (InboundMessage.objects.get().ticket_id, Comment.objects.count()) == (ticket.pk, 0)


def test_a_follower_replies_as_the_follower_customer(ticket, org_a):
    bob = baker.make_recipe("tests.customers.customer", email="bob@acme.example", organization=org_a)
    baker.make(TicketFollower, ticket=ticket, email="bob@acme.example", customer=bob)

    result = inbound_email_process(raw=compose(sender="Bob <bob@acme.example>", subject=f"Re: [#{ticket.pk}] x"))

    comment = Comment.objects.get()
    assert (result.action, result.ticket_id, comment.customer_id, comment.author_id, comment.is_internal) == (
        "reply",
        ticket.pk,
        bob.pk,
        None,
        False,
    )


def test_an_external_follower_without_a_customer_opens_a_new_ticket(ticket):
    baker.make(TicketFollower, ticket=ticket, email="partner@partner.example", customer=None)

    result = inbound_email_process(raw=compose(sender="partner@partner.example", subject=f"Re: [#{ticket.pk}] x"))

    assert result.action == "ticket"
    assert result.ticket_id != ticket.pk


def test_a_reference_to_no_ticket_opens_a_new_one():
    result = inbound_email_process(raw=compose(subject="Re: [#999999] Printer"))

    assert result.action == "ticket"
    assert Ticket.objects.get().title == "Printer"


def test_a_stranger_naming_a_ticket_is_logged(ticket, caplog):
    with caplog.at_level(logging.INFO, logger="tickets.inbound.services"):
        inbound_email_process(raw=compose(subject=f"[#{ticket.pk}] hi"))

    assert (
        "tickets.inbound.services",
        logging.INFO,
        f"inbound mail from carol@new.example names ticket {ticket.pk} it may not write to: new ticket",
    ) in caplog.record_tuples


def test_an_agent_note_keeps_every_line_after_the_marker_and_adds_no_followers(ticket, make_agent, settings):
    agent = make_agent(Role.AGENT, email="agent@helpdesk.test")
    baker.make("tickets.AllowedFollowerAddress", pattern="@partner.example")

    result = inbound_email_process(
        raw=compose(
            sender="Agent@Helpdesk.test",
            subject=f"[#{ticket.pk}]",
            body=" #NOTE \nfirst line\nsecond line",
            cc="partner@partner.example",
            files=(("a.pdf", b"%PDF-1.4"),),
        )
    )

    comment = Comment.objects.get()
    assert (result.action, comment.body, comment.is_internal, comment.author_id, comment.customer_id) == (
        "note",
        "first line\nsecond line",
        True,
        agent.user_id,
        None,
    )
    assert list(Attachment.objects.values_list("comment_id", "uploaded_by")) == [(comment.pk, agent.user_id)]
    assert TicketFollower.objects.count() == 0


def test_an_agent_public_reply_adds_cc_followers_but_not_the_customer(ticket, make_agent):
    agent = make_agent(Role.AGENT, email="agent@helpdesk.test")
    baker.make("tickets.AllowedFollowerAddress", pattern="@partner.example")

    result = inbound_email_process(
        raw=compose(
            sender="agent@helpdesk.test",
            subject=f"[#{ticket.pk}]",
            body="Fixed.\n#note is not on the first line",
            cc=f"{ticket.customer.email}, partner@partner.example",
        )
    )

    comment = Comment.objects.get()
    assert (result.action, comment.body, comment.is_internal, comment.author_id) == (
        "reply",
        "Fixed.\n#note is not on the first line",
        False,
        agent.user_id,
    )
    assert list(TicketFollower.objects.values_list("email", "source")) == [("partner@partner.example", "email_cc")]


def test_an_inactive_agent_is_not_an_agent(ticket, make_agent):
    agent = make_agent(Role.AGENT, email="gone@helpdesk.test")
    agent.user.is_active = False
    agent.user.save(update_fields=["is_active"])

    result = inbound_email_process(raw=compose(sender="gone@helpdesk.test", subject=f"[#{ticket.pk}] x"))

    assert result.action == "ticket"
    assert Comment.objects.count() == 0


def test_a_user_who_is_not_an_agent_is_not_an_agent(ticket, django_user_model):
    django_user_model.objects.create_user(email="portal@else.example", password="x-Secret-123", name="P")

    result = inbound_email_process(raw=compose(sender="portal@else.example", subject=f"[#{ticket.pk}] x"))

    assert result.action == "ticket"
    assert Comment.objects.count() == 0


# --- bounces, loops, rate limit --------------------------------------------------------------


def test_a_bounce_result_carries_the_summary():
    raw = (
        b"From: MAILER-DAEMON@mx.test\r\nTo: support@helpdesk.test\r\nSubject: Undeliverable\r\n"
        b"Message-ID: <b1@mx.test>\r\nX-Failed-Recipients: gone@acme.example\r\n\r\n550 5.1.1 unknown user\r\n"
    )

    result = inbound_email_process(raw=raw)

    assert (result.action, result.ticket_id, result.reason) == (
        "bounce",
        None,
        "hard bounce for gone@acme.example: 550 5.1.1 unknown user",
    )


def test_a_bounce_from_an_overlong_sender_is_stored_cut_to_the_column():
    sender = "mailer-daemon@" + "d" * 300 + ".test"
    raw = f"From: {sender}\r\nSubject: Undeliverable\r\nMessage-ID: <b2@mx.test>\r\n\r\nx\r\n".encode()

    assert inbound_email_process(raw=raw).action == "bounce"
    assert InboundMessage.objects.get().sender == sender[:254]


@pytest.mark.parametrize(
    ("sender", "mailbox"),
    [
        pytest.param("Support <support@helpdesk.local>", None, id="default-from"),
        pytest.param("help@helpdesk.test", "Help@Helpdesk.test", id="a-mailbox-in-any-case"),
    ],
)
def test_mail_from_our_own_addresses_is_a_loop(sender, mailbox):
    if mailbox:
        make_mailbox(mailbox)

    result = inbound_email_process(raw=compose(sender=sender))

    assert (result.action, result.reason) == ("ignored", "sent by one of our own addresses (loop)")
    assert Ticket.objects.count() == 0


def test_a_sender_over_the_rate_limit_is_stopped_and_logged(settings, caplog):
    settings.INBOUND_RATE_LIMIT = 2
    settings.INBOUND_RATE_WINDOW_SECONDS = 900
    for n in range(2):
        inbound_email_process(raw=compose(message_id=f"<r{n}@new.example>"))

    with caplog.at_level(logging.WARNING, logger="tickets.inbound.services"):
        result = inbound_email_process(raw=compose(message_id="<r2@new.example>"))

    assert (result.action, result.reason) == (
        "rate_limited",
        "more than 2 messages from carol@new.example within 15 minutes: mail loop stopped",
    )
    assert caplog.record_tuples == [
        (
            "tickets.inbound.services",
            logging.WARNING,
            "inbound mail from carol@new.example over the rate limit: a mail loop? not processed",
        )
    ]


def test_an_auto_reply_is_recorded_on_its_ticket(ticket):
    raw = compose(sender=ticket.customer.email, subject=f"Automatic reply: [#{ticket.pk}] x")

    result = inbound_email_process(raw=raw)

    assert (result.action, result.ticket_id) == ("auto_reply", ticket.pk)
    assert InboundMessage.objects.get().ticket_id == ticket.pk
