"""Merging tickets on the ticket page in a real browser (Chromium at 1440x900): the agent types
the target's number, is refused across organisations until they tick the box, lands on the
target with the whole conversation, and can undo from the source."""

from __future__ import annotations

import pytest
from model_bakery import baker

from tickets.models import Status, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/helpdesk-screenshots"


def test_merge_two_tickets_and_undo(agent_page, customer_a, customer_b):
    target = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, title="VPN drops hourly"
    )
    source = baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer_b,
        organization=customer_b.organization,
        title="VPN disconnects",
        description="Our VPN disconnects every hour.",
    )
    baker.make_recipe("tests.tickets.comment", ticket=source, customer=customer_b, body="Still happening today.")
    page = agent_page
    page.goto(f"/admin/tickets/ticket/{source.pk}/change/")
    form = page.locator("#ws-merge-form")
    form.get_by_label("Merge this ticket into #").fill(str(target.pk))
    form.get_by_role("button", name="Merge").click()
    page.get_by_text("Not merged: confirm_organization_mismatch:").wait_for()
    assert Ticket.objects.get(pk=source.pk).status == Status.OPEN

    form.get_by_label("Merge this ticket into #").fill(str(target.pk))
    form.get_by_label("even if it belongs to another organisation").check()
    form.get_by_role("button", name="Merge").click()
    page.wait_for_url(f"**/admin/tickets/ticket/{target.pk}/change/")
    timeline = page.locator("#ws-timeline")
    timeline.get_by_text("Our VPN disconnects every hour.").wait_for()
    assert timeline.get_by_text("Still happening today.").is_visible()
    assert page.locator("#ws-links").get_by_text(f"#{source.pk} VPN disconnects").is_visible()
    page.screenshot(path=f"{SCREENSHOTS}/merge-target.png", full_page=True)

    page.locator("#ws-links").get_by_role("link", name=f"#{source.pk} VPN disconnects").click()
    page.locator("#ws-merged").wait_for()
    assert page.locator("#ws-status-pill").inner_text() == "Closed"
    page.screenshot(path=f"{SCREENSHOTS}/merge-source.png", full_page=True)
    page.get_by_role("button", name="Undo the merge").click()
    page.get_by_text(f"Merge undone: the conversation is back from #{target.pk}.").wait_for()
    assert page.locator("#ws-status-pill").inner_text() == "Open"
    assert page.locator("#ws-timeline").get_by_text("Still happening today.").is_visible()
