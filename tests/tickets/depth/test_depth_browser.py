"""The agents' ticket-depth workflows in a real browser (Chromium at 1440x900): set the type and
custom fields in the Properties panel, follow a ticket, and log time (on the ticket and with a
note)."""

from __future__ import annotations

import pytest
from model_bakery import baker

from tickets.models import CustomField, Ticket, TicketFollower, TicketType, TimeEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/helpdesk-screenshots"


@pytest.fixture
def ticket(customer_a):
    # A transactional test starts from an empty database: the seeded types are made again here.
    for position, (slug, name) in enumerate([("question", "Question"), ("incident", "Incident")]):
        TicketType.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})
    return baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, title="Printer jams"
    )


def test_set_the_type_and_custom_fields_on_the_ticket_page(agent_page, ticket):
    CustomField.objects.create(
        key="resolution_code", label="Resolution code", field_type="dropdown", options=["fixed", "wont_fix"]
    )
    CustomField.objects.create(key="affected_version", label="Affected version", field_type="text")
    page = agent_page
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    panel = page.locator("#ws-properties")
    panel.get_by_label("Type").select_option(label="Incident")
    panel.get_by_label("Resolution code").select_option("fixed")
    panel.get_by_label("Affected version").fill("2.3.1")
    panel.get_by_role("button", name="Save").click()
    page.get_by_text("Saved: custom_fields, ticket_type.").wait_for()
    assert page.locator("#ws-properties").get_by_label("Affected version").input_value() == "2.3.1"
    page.screenshot(path=f"{SCREENSHOTS}/depth-custom-fields.png", full_page=True)
    saved = Ticket.objects.get(pk=ticket.pk)
    assert saved.ticket_type.slug == "incident"
    assert saved.custom_fields == {"resolution_code": "fixed", "affected_version": "2.3.1"}


def test_follow_a_ticket(agent_page, ticket):
    page = agent_page
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    page.get_by_role("button", name="Follow").click()
    page.get_by_text("You follow this ticket: its updates are emailed to you.").wait_for()
    panel = page.locator("#ws-followers")
    assert panel.get_by_text(page.agent.user.get_full_name()).is_visible()
    assert panel.get_by_role("button", name="Unfollow").is_visible()
    assert TicketFollower.objects.filter(ticket=ticket, user=page.agent.user).exists()


def test_log_time_on_the_ticket_and_on_a_note(agent_page, ticket):
    page = agent_page
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    time_form = page.locator("#ws-time-form")
    time_form.get_by_label("Minutes").fill("25")
    time_form.get_by_label("billable").check()
    time_form.get_by_role("button", name="Log time").click()
    page.get_by_text("Logged 25 min.").wait_for()
    assert page.locator("#ws-time-total").inner_text() == "25 min (25 billable)"

    page.get_by_label("Internal note").check()
    page.locator("#ws-body").fill("Checked the spooler logs.")
    page.locator("#ws-time-minutes").fill("10")
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text("Internal note added.").wait_for()
    assert page.locator("#ws-time-total").inner_text() == "35 min (25 billable)"
    page.locator("#ws-time").scroll_into_view_if_needed()
    page.screenshot(path=f"{SCREENSHOTS}/depth-time.png", full_page=True)
    assert sorted(TimeEntry.objects.values_list("minutes", "is_billable", "comment__body")) == [
        (10, False, "Checked the spooler logs."),
        (25, True, None),
    ]
