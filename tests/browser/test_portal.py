"""The customer portal in a real browser (Chromium): sign in, open a ticket with a file, see an
agent's reply, reply, close; and the same pages on a 390 px phone without horizontal scrolling."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core import mail

from tests.conftest import PASSWORD
from tickets.comments import comment_add
from tickets.models import Status, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "/tmp/helpdesk-screenshots"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def portal_page_at(browser, live_server):
    """`portal_page_at(viewport)`: a signed-out page at the live server."""
    contexts = []

    def _make(viewport):
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _make
    for context in contexts:
        context.close()


def sign_in(page, email: str) -> None:
    page.goto("/portal/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My requests").wait_for()


def no_horizontal_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def test_a_customer_opens_a_ticket_with_a_file_and_follows_the_conversation(
    portal_page_at, customer_a, agent, tmp_path
):
    page = portal_page_at(DESKTOP)
    sign_in(page, customer_a.email)
    page.get_by_role("link", name="New request").first.click()
    page.get_by_label("Subject").fill("Printer on fire")
    page.get_by_label("Describe the problem").fill("Smoke from tray 2.")
    log = tmp_path / "printer-log.txt"
    log.write_text("E-117 at 09:40")
    page.get_by_label("Attach files").set_input_files(str(log))
    page.get_by_role("button", name="Send the request").click()
    page.get_by_text("we received your request").wait_for()
    ticket = Ticket.objects.get(title="Printer on fire")
    assert page.url.endswith(f"/portal/tickets/{ticket.pk}/")
    assert page.get_by_role("link", name="printer-log.txt").is_visible()

    comment_add(ticket=ticket, body="A technician is on the way.", actor=agent.user)
    comment_add(ticket=ticket, body="Internal: check the fuser.", actor=agent.user, is_internal=True)
    page.reload()
    page.get_by_text("A technician is on the way.").wait_for()
    assert page.get_by_text("check the fuser").count() == 0

    page.get_by_label("Your reply").fill("Thanks, the smoke stopped.")
    page.get_by_role("button", name="Send the reply").click()
    page.get_by_text("Your reply was sent.").wait_for()
    assert page.locator(".message.from-customer", has_text="Thanks, the smoke stopped.").is_visible()
    shot(page, "portal-ticket-desktop")

    page.get_by_role("button", name="Close this request").click()
    page.get_by_text("Request closed.").wait_for()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert page.get_by_role("button", name="Reopen this request").is_visible()


def test_sign_in_with_an_email_link(portal_page_at, customer_a, settings, live_server):
    settings.SITE_URL = live_server.url
    page = portal_page_at(DESKTOP)
    page.goto("/portal/login/")
    page.get_by_role("link", name="Email me a sign-in link instead").click()
    page.get_by_label("Email address").fill(customer_a.email)
    page.get_by_role("button", name="Email me a link").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    link = next(line for line in mail.outbox[0].body.splitlines() if "/portal/login/link/" in line).strip()
    page.goto(link)
    page.get_by_role("button", name="Sign me in").click()
    page.get_by_role("heading", name="My requests").wait_for()


def test_the_portal_fits_a_phone(portal_page_at, customer_a, agent):
    ticket = Ticket.objects.create(
        title="A rather long subject line that has to wrap on a phone screen without scrolling sideways",
        description="Steps: 1. open the app 2. tap export " + "averyveryverylongwordwithoutanyspaces" * 3,
        customer=customer_a,
        organization=customer_a.organization,
    )
    comment_add(ticket=ticket, body="We are looking into it.", actor=agent.user)
    page = portal_page_at(PHONE)
    page.goto("/portal/login/")
    no_horizontal_scroll(page)
    shot(page, "portal-login-phone")
    sign_in(page, customer_a.email)
    no_horizontal_scroll(page)
    shot(page, "portal-list-phone")
    page.get_by_role("link", name=ticket.title).click()
    page.get_by_text("We are looking into it.").wait_for()
    no_horizontal_scroll(page)
    reply = page.get_by_label("Your reply").bounding_box()
    assert reply["x"] >= 0
    assert reply["x"] + reply["width"] <= PHONE["width"]
    shot(page, "portal-ticket-phone")
    page.goto("/portal/tickets/new/")
    no_horizontal_scroll(page)
    shot(page, "portal-new-phone")


def test_typing_a_subject_suggests_an_article_and_opening_it_is_recorded(portal_page_at, customer_a, agent):
    from tickets.knowledge import services as kb
    from tickets.knowledge.models import KBCategory, Section
    from tickets.models import Deflection

    section = Section.objects.create(
        category=KBCategory.objects.create(name="Account", slug="account"), name="Sign-in", slug="sign-in"
    )
    kb.article_create(
        actor=agent.user,
        data={
            "title": "Reset your password",
            "body": "Use the **reset** link.",
            "section": section,
            "status": "published",
        },
    )
    page = portal_page_at(PHONE)
    sign_in(page, customer_a.email)
    page.goto("/portal/tickets/new/")
    page.get_by_label("Subject").press_sequentially("forgot my password", delay=20)
    suggestion = page.get_by_role("link", name="Reset your password")
    suggestion.wait_for()
    no_horizontal_scroll(page)
    shot(page, "portal-suggestion-phone")
    with page.context.expect_page() as opened:
        suggestion.click()
    article = opened.value
    article.get_by_role("heading", name="Reset your password").wait_for()
    assert article.locator(".article-body strong").inner_text() == "reset"
    deflection = Deflection.objects.get()
    assert (deflection.query, deflection.ticket) == ("forgot my password", None)


def test_rating_a_resolved_ticket_from_the_email_link(portal_page_at, customer_a, agent, settings, live_server):
    import re

    from tickets.services import ticket_change_status

    settings.SITE_URL = live_server.url
    ticket = Ticket.objects.create(title="Printer on fire", customer=customer_a, organization=customer_a.organization)
    ticket_change_status(ticket=ticket, actor=agent.user, status=Status.RESOLVED)
    survey = next(m for m in mail.outbox if "How did we do?" in m.subject)
    good = re.search(r"Good: (\S+)", survey.body).group(1)
    page = portal_page_at(PHONE)
    page.goto(good)
    assert page.get_by_label("Good, I'm satisfied").is_checked()
    page.get_by_label("Anything you want to tell us?").fill("Fixed in an hour, thanks!")
    no_horizontal_scroll(page)
    shot(page, "portal-csat-phone")
    page.get_by_role("button", name="Send my answer").click()
    page.get_by_role("heading", name="Thank you for your feedback").wait_for()
    ticket.refresh_from_db()
    assert (ticket.satisfaction, ticket.satisfaction_comment) == ("good", "Fixed in an hour, thanks!")
    page.goto(good)
    page.get_by_role("heading", name="This survey link no longer works").wait_for()
