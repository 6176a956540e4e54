"""`manage.py inbound_email` (the MTA pipe) goes through the same processing as IMAP and the
webhook: a bounce marks the address and opens no ticket, an agent's reply is an agent comment, a
PDF becomes an attachment, a Cc'd colleague becomes a follower, the receiving address routes."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from model_bakery import baker

from agents.models import Role
from tickets.models import Attachment, Comment, Mailbox, Ticket, TicketFollower

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.django_db


def _run(*paths: Path) -> str:
    out = StringIO()
    call_command("inbound_email", *[str(p) for p in paths], stdout=out)
    return out.getvalue().strip()


def _file(tmp_path: Path, name: str, ticket_id: int | None = None) -> Path:
    raw = (FIXTURES / name).read_bytes()
    if ticket_id:
        raw = raw.replace(b"TICKET", str(ticket_id).encode())
    path = tmp_path / name
    path.write_bytes(raw)
    return path


def test_a_bounce_creates_no_ticket_and_marks_the_address(tmp_path):
    customer = baker.make_recipe("tests.customers.customer", email="gone@acme.example")

    output = _run(_file(tmp_path, "dsn_hard_bounce.eml"))

    assert output.startswith("bounce (hard bounce for gone@acme.example")
    assert Ticket.objects.count() == 0
    customer.refresh_from_db()
    assert customer.email_undeliverable_at is not None


def test_an_agents_reply_adds_an_agent_comment(tmp_path, ticket, make_agent):
    agent = make_agent(Role.AGENT, email="agent@helpdesk.test")
    raw = (
        (FIXTURES / "agent_note.eml").read_bytes().replace(b"#note\n", b"").replace(b"TICKET", str(ticket.pk).encode())
    )
    path = tmp_path / "agent.eml"
    path.write_bytes(raw)

    assert _run(path) == f"reply: ticket #{ticket.pk}"

    comment = Comment.objects.get()
    assert (comment.ticket_id, comment.author_id, comment.is_internal, comment.body) == (
        ticket.pk,
        agent.user_id,
        False,
        "Called the customer: the toner cartridge is counterfeit.",
    )


def test_a_pdf_becomes_an_attachment_of_the_ticket(tmp_path, customer_a):
    output = _run(_file(tmp_path, "inline_image_pdf.eml"))

    ticket = Ticket.objects.get()
    assert output == f"ticket: ticket #{ticket.pk}"
    pdf = Attachment.objects.get(ticket=ticket, content_type="application/pdf")
    assert (pdf.filename, pdf.size) == ("invoice-2026-118.pdf", 125)
    assert pdf.file.read().startswith(b"%PDF-1.4")


def test_the_pdf_is_listed_and_downloadable_through_the_api(tmp_path, customer_a, api_agent):
    _run(_file(tmp_path, "inline_image_pdf.eml"))
    ticket = Ticket.objects.get()

    listed = api_agent.get(f"/api/v1/tickets/{ticket.pk}/attachments/")
    assert listed.status_code == 200
    pdf = next(row for row in listed.json() if row["content_type"] == "application/pdf")
    assert (pdf["filename"], pdf["size"]) == ("invoice-2026-118.pdf", 125)

    download = api_agent.get(f"/api/v1/attachments/{pdf['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-1.4")


def test_a_ccd_colleague_becomes_a_follower(tmp_path, customer_a):
    baker.make_recipe("tests.customers.customer", email="bob@acme.example", organization=customer_a.organization)

    _run(_file(tmp_path, "cc_new_ticket.eml"))

    assert list(TicketFollower.objects.values_list("ticket__title", "email")) == [
        ("VPN drops every hour", "bob@acme.example")
    ]


def test_the_receiving_address_routes_to_the_mailboxs_team_and_category(tmp_path, customer_a):
    team = baker.make("agents.Team", name="Billing")
    category = baker.make("tickets.Category", slug="billing", name="Billing")
    Mailbox.objects.create(
        name="Billing", address="support@helpdesk.test", imap_host="x", username="x", team=team, category=category
    )

    _run(_file(tmp_path, "cc_new_ticket.eml"))

    ticket = Ticket.objects.get()
    assert (ticket.team_id, ticket.category_id) == (team.pk, category.pk)


def test_a_message_that_fails_exits_75_so_the_mta_retries(tmp_path):
    path = tmp_path / "bad.eml"
    path.write_bytes(b"From: x@-bad-.example\r\nSubject: Broken\r\nMessage-ID: <bad@x>\r\n\r\nHello\r\n")

    with pytest.raises(SystemExit) as exit_info:
        _run(path)

    assert exit_info.value.code == 75
