"""The agents' ticket page in a real browser (Chromium at 1440x900): the composer, macros,
attachments, live updates between two agents, stale saves, and what fits above the fold."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from model_bakery import baker

from agents.models import Role
from tickets import comments, services
from tickets.models import Attachment, Comment, Status, Ticket, TicketEvent
from tickets.models.macros import Macro

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "/tmp/helpdesk-screenshots"))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


@pytest.fixture
def conversation(customer_a, make_agent):
    """A ticket with a few messages, a note and an SLA running."""
    colleague = make_agent(Role.AGENT, name="Sam Okafor")
    ticket = services.ticket_create(
        actor=colleague.user,
        title="Invoice PDF is blank",
        description="The March invoice downloads as an empty page.",
        customer=customer_a,
        priority="high",
    )
    comments.comment_add(ticket=ticket, actor=colleague.user, body="Thanks, looking into it.")
    comments.comment_add(
        ticket=ticket, actor=colleague.user, body="Render service logs show a timeout.", is_internal=True
    )
    comments.comment_add(ticket=ticket, customer=customer_a, actor=customer_a.user, body="Any news?")
    return Ticket.objects.get(pk=ticket.pk)


def open_ticket(page, ticket):
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    page.wait_for_selector("#composer")


def test_composer_and_sla_panel_fit_in_the_first_900_pixels(agent_page, conversation):
    open_ticket(agent_page, conversation)
    shot(agent_page, "workspace")

    for selector in ("#composer", "#ws-send", "#ws-send-and-set", "#ws-sla"):
        box = agent_page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["y"] >= 0, (selector, box)
        assert box["y"] + box["height"] <= 900, (selector, box)
    assert agent_page.locator("#ws-sla-badge").inner_text() == "On track"
    assert agent_page.locator(".ws-note").first.text_content().count("Internal note") == 1
    assert agent_page.locator("#ws-warning").is_visible()
    assert "alice@acme.example" in agent_page.locator("#ws-warning").inner_text()


def test_reply_from_the_composer_appears_in_the_timeline_and_is_emailed(agent_page, conversation):
    open_ticket(agent_page, conversation)
    mail.outbox.clear()

    agent_page.fill("#ws-body", "The fix is deployed, please try again.")
    agent_page.click("#ws-send")

    reply = agent_page.locator(".ws-reply", has_text="The fix is deployed, please try again.")
    reply.wait_for()
    assert "Public reply" in reply.text_content()
    # The admin's message list (unfold renders it as its own alert boxes): find it by its text.
    agent_page.get_by_text("Reply sent to alice@acme.example.").first.wait_for()
    assert [m.to for m in mail.outbox if "The fix is deployed" in m.body] == [["alice@acme.example"]]


def test_internal_note_is_not_emailed(agent_page, conversation):
    open_ticket(agent_page, conversation)
    mail.outbox.clear()

    agent_page.check("input[name=visibility][value=internal]")
    assert agent_page.locator("#ws-note-hint").is_visible()
    assert not agent_page.locator("#ws-warning").is_visible()
    agent_page.fill("#ws-body", "Customer is on the legacy plan.")
    agent_page.click("#ws-send")

    agent_page.locator(".ws-note", has_text="Customer is on the legacy plan.").wait_for()
    assert Comment.objects.get(body="Customer is on the legacy plan.").is_internal
    assert [m for m in mail.outbox if "legacy plan" in m.body] == []


def test_apply_a_macro_with_preview(agent_page, conversation):
    Macro.objects.create(
        name="Need more info",
        body="Hi {{ customer_name }}, could you send a screenshot of {{ ticket_reference }}?",
        set_status=Status.PENDING,
        add_tags=["needs-info"],
    )
    open_ticket(agent_page, conversation)

    agent_page.select_option("#ws-macro-select", label="Need more info")
    preview = agent_page.locator("#ws-macro-preview")
    preview.wait_for()
    assert f"Hi Alice, could you send a screenshot of #{conversation.pk}?" in preview.inner_text()
    assert "status → pending (waiting on customer)" in preview.inner_text()
    shot(agent_page, "macro-preview")
    agent_page.click("#ws-macro-use")
    assert agent_page.input_value("#ws-body").startswith("Hi Alice")
    agent_page.click("#ws-send")

    agent_page.locator(".ws-reply", has_text="could you send a screenshot").wait_for()
    conversation.refresh_from_db()
    assert (conversation.status, conversation.tags) == ("pending", ["needs-info"])
    assert agent_page.locator(".ws-event", has_text="status open → pending").count() == 1


def test_upload_and_download_an_attachment(agent_page, conversation, tmp_path):
    first, second = tmp_path / "trace.txt", tmp_path / "screen.png"
    first.write_text("GET /invoice 504\n")
    second.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 32)
    open_ticket(agent_page, conversation)

    agent_page.fill("#ws-body", "Attaching the trace.")
    agent_page.set_input_files("#ws-files", [str(first), str(second)])
    agent_page.click("#ws-send")
    link = agent_page.locator(".ws-file", has_text="trace.txt")
    link.wait_for()
    assert agent_page.locator(".ws-file", has_text="screen.png").count() == 1

    with agent_page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "trace.txt"
    assert Path(download.path()).read_text() == "GET /invoice 504\n"
    assert Attachment.objects.filter(ticket=conversation).count() == 2


def test_two_agents_live_reply_and_stale_save_refused(browser_page_for, make_agent, conversation):
    tom, sam = make_agent(Role.AGENT, name="Tom Becker"), make_agent(Role.AGENT, name="Dana Reyes")
    first, second = browser_page_for(tom.user), browser_page_for(sam.user)
    open_ticket(first, conversation)
    open_ticket(second, conversation)

    # Presence: each sees the other.
    second.locator("#ws-presence", has_text="Tom Becker").wait_for()
    first.locator("#ws-presence", has_text="Dana Reyes").wait_for()

    first.select_option("#ws-properties select[name=priority]", "critical")
    first.click("#ws-save")
    first.locator("text=Saved: priority.").wait_for()
    first.fill("#ws-body", "Raised to critical, on it now.")
    second.locator("#ws-presence", has_text="Tom Becker is typing").wait_for(timeout=8000)
    first.click("#ws-send")

    # The second page, never reloaded, sees the reply and the change within seconds.
    second.locator(".ws-reply", has_text="Raised to critical, on it now.").wait_for(timeout=6000)
    second.locator("#ws-changed", has_text="Tom Becker priority high → critical").wait_for()
    shot(second, "live-update")

    version_before = Ticket.objects.get(pk=conversation.pk).version
    events_before = TicketEvent.objects.filter(ticket=conversation).count()
    second.select_option("#ws-properties select[name=priority]", "low")
    second.click("#ws-save")

    error = second.locator(".errornote, .messagelist .error, [class*=error]", has_text="changed since you opened it")
    error.first.wait_for()
    assert re.search(r"Tom Becker: priority high → critical", error.first.inner_text())
    shot(second, "stale-refused")
    conversation.refresh_from_db()
    assert conversation.priority == "critical"
    assert conversation.version == version_before
    assert TicketEvent.objects.filter(ticket=conversation).count() == events_before


def test_forbidden_transition_is_a_clear_message(agent_page, conversation):
    services.ticket_change_status(ticket=conversation, actor=None, status=Status.CLOSED)
    open_ticket(agent_page, conversation)

    agent_page.select_option("#ws-properties select[name=status]", "pending")
    agent_page.click("#ws-save")

    agent_page.locator("text=Cannot change status from 'closed' to 'pending'; allowed: open.").wait_for()
    assert Ticket.objects.get(pk=conversation.pk).status == "closed"


def test_breached_ticket_shows_a_red_badge(agent_page, customer_a):
    ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due_at="2020-01-01T00:00:00Z", resolution_due_at="2020-01-02T00:00:00Z"
    )
    open_ticket(agent_page, ticket)
    badge = agent_page.locator("#ws-sla-badge")
    assert badge.inner_text() == "Breached"
    assert badge.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(217, 45, 32)"
    assert "overdue by" in agent_page.locator(".ws-countdown").first.inner_text()
