"""A corpus of real-shaped messages (fixtures/*.eml, as Gmail, Outlook, Apple Mail, German and
French clients, MTAs and auto-responders write them), each with its expected outcome."""

from __future__ import annotations

from pathlib import Path

import pytest
from model_bakery import baker

from agents.models import Role
from customers.models import Customer
from tickets.inbound.services import inbound_email_process
from tickets.models import Attachment, Comment, InboundMessage, Ticket, TicketFollower

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str, ticket_id: int | None = None) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    return raw.replace(b"TICKET", str(ticket_id).encode()) if ticket_id else raw


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "action", "body"),
    [
        pytest.param("gmail_reply.eml", "reply", "Thanks, that fixed it.", id="gmail"),
        pytest.param("outlook_html_reply.eml", "reply", "Works now, thank you.", id="outlook-html-from-sent"),
        pytest.param("apple_mail_reply.eml", "reply", "It is printing again.\n\nAlice", id="apple-mail"),
        pytest.param("german_reply.eml", "reply", "Danke, der Drucker läuft wieder.", id="german"),
        pytest.param("french_reply.eml", "reply", "Merci, l'imprimante fonctionne.", id="french"),
    ],
)
def test_customer_replies_keep_only_the_new_text(fixture, action, body, ticket):
    result = inbound_email_process(raw=load(fixture, ticket.pk))

    assert (result.action, result.ticket_id) == (action, ticket.pk)
    comment = Comment.objects.get()
    assert (comment.body, comment.customer_id, comment.is_internal, comment.channel) == (
        body,
        ticket.customer_id,
        False,
        "email",
    )


@pytest.mark.django_db
def test_the_sanitised_html_is_kept_beside_the_text(ticket):
    inbound_email_process(raw=load("outlook_html_reply.eml", ticket.pk))

    html = InboundMessage.objects.get().body_html
    assert "<p>Works now, thank you.</p>" in html
    assert "<meta" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "address", "undeliverable", "soft_bounces"),
    [
        pytest.param("dsn_hard_bounce.eml", "gone@acme.example", True, 0, id="dsn-hard"),
        pytest.param("soft_bounce.eml", "full@acme.example", False, 1, id="dsn-soft"),
    ],
)
def test_bounces_mark_the_address_and_open_no_ticket(fixture, address, undeliverable, soft_bounces):
    customer = baker.make_recipe("tests.customers.customer", email=address)

    result = inbound_email_process(raw=load(fixture))

    assert result.action == "bounce"
    assert Ticket.objects.count() == 0
    customer.refresh_from_db()
    assert (customer.email_undeliverable_at is not None, customer.email_soft_bounces) == (undeliverable, soft_bounces)
    assert address in InboundMessage.objects.get().reason


@pytest.mark.django_db
def test_the_hard_bounce_keeps_the_diagnostic():
    customer = baker.make_recipe("tests.customers.customer", email="gone@acme.example")

    inbound_email_process(raw=load("dsn_hard_bounce.eml"))

    customer.refresh_from_db()
    assert customer.email_undeliverable_reason == (
        "smtp; 550 5.1.1 <gone@acme.example>: Recipient address rejected: User unknown"
    )


@pytest.mark.django_db
def test_an_out_of_office_is_recorded_on_its_ticket_and_not_answered(ticket, mailoutbox):
    result = inbound_email_process(raw=load("out_of_office.eml", ticket.pk))

    assert (result.action, result.ticket_id) == ("auto_reply", ticket.pk)
    assert Comment.objects.count() == 0
    assert Ticket.objects.count() == 1
    assert mailoutbox == []


@pytest.mark.django_db
def test_inline_image_and_pdf_become_attachments_of_the_new_ticket(customer_a):
    result = inbound_email_process(raw=load("inline_image_pdf.eml"))

    assert result.action == "ticket"
    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert ticket.title == "Invoice 2026-118 is wrong"
    assert ticket.description == "The total on the attached invoice is wrong, see the screenshot."
    assert sorted(Attachment.objects.values_list("filename", "content_type", "size")) == [
        ("invoice-2026-118.pdf", "application/pdf", 125),
        ("screenshot.png", "image/png", 70),
    ]


@pytest.mark.django_db
def test_an_oversized_attachment_is_skipped_with_a_note_not_a_failure(customer_a, settings):
    settings.ATTACHMENT_MAX_BYTES = 100

    result = inbound_email_process(raw=load("inline_image_pdf.eml"))

    assert result.action == "ticket"
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["screenshot.png"]
    assert result.reason == "invoice-2026-118.pdf: The file is 125 bytes; the limit is 100 bytes."
    assert Ticket.objects.get().events.filter(note__startswith="Email attachment 'invoice-2026-118.pdf' not saved")


@pytest.mark.django_db
def test_cc_addresses_become_followers_where_allowed(customer_a):
    bob = baker.make_recipe("tests.customers.customer", email="bob@acme.example", organization=customer_a.organization)
    baker.make("tickets.AllowedFollowerAddress", pattern="@partner.example")

    result = inbound_email_process(raw=load("cc_new_ticket.eml"))

    assert result.action == "ticket"
    followers = TicketFollower.objects.filter(ticket_id=result.ticket_id).order_by("email")
    assert [(f.email, f.customer_id, f.source) for f in followers] == [
        ("bob@acme.example", bob.pk, "email_cc"),
        ("partner@partner.example", None, "email_cc"),
    ]
    assert "mallory@elsewhere.example" in result.reason
    assert not Customer.objects.filter(email="mallory@elsewhere.example").exists()


@pytest.mark.django_db
def test_an_agent_reply_with_note_marker_is_an_internal_note_by_that_agent(ticket, make_agent):
    agent = make_agent(Role.AGENT, email="agent@helpdesk.test")

    result = inbound_email_process(raw=load("agent_note.eml", ticket.pk))

    assert result.action == "note"
    comment = Comment.objects.get()
    assert (comment.author_id, comment.customer_id, comment.is_internal, comment.body) == (
        agent.user_id,
        None,
        True,
        "Called the customer: the toner cartridge is counterfeit.",
    )


@pytest.mark.django_db
def test_an_agent_reply_is_a_public_reply_that_meets_first_response(ticket, make_agent):
    agent = make_agent(Role.AGENT, email="agent@helpdesk.test")
    raw = load("agent_note.eml", ticket.pk).replace(b"#note\n", b"")

    result = inbound_email_process(raw=raw)

    assert result.action == "reply"
    comment = Comment.objects.get()
    assert (comment.author_id, comment.is_internal) == (agent.user_id, False)
    ticket.refresh_from_db()
    assert ticket.first_responded_at == comment.created_at
