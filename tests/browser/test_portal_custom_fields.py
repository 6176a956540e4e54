"""Custom fields in the portal, in a real browser (Chromium, a 390 px phone): the request's details
show the values shown to customers (an option removed since included, never an agent-only field),
and closing asks the field required to close before it goes through."""

from __future__ import annotations

import pytest

from tests.browser.test_portal import PHONE, no_horizontal_scroll, portal_page_at, shot, sign_in  # noqa: F401
from tickets.models import CustomField, Status, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_sees_the_details_and_answers_the_field_required_to_close(portal_page_at, customer_a):  # noqa: F811
    CustomField.objects.create(key="order_number", label="Order number", field_type="text", is_customer_visible=True)
    CustomField.objects.create(
        key="plan", label="Plan", field_type="dropdown", options=["basic", "pro"], is_customer_visible=True
    )
    CustomField.objects.create(key="root_cause", label="Root cause", field_type="text")
    CustomField.objects.create(
        key="problem_solved",
        label="Was the problem solved?",
        field_type="dropdown",
        options=["yes", "partly", "no"],
        is_customer_visible=True,
        required_statuses=["closed"],
        position=9,
    )
    ticket = Ticket.objects.create(
        title="Invoice shows the wrong plan",
        customer=customer_a,
        organization=customer_a.organization,
        custom_fields={"order_number": "A-17", "plan": "legacy", "root_cause": "courier"},
    )

    page = portal_page_at(PHONE)
    sign_in(page, customer_a.email)
    page.get_by_role("link", name=ticket.title).click()
    details = page.locator("dl.details")
    details.wait_for()
    assert details.locator("dt").all_inner_texts() == ["Order number", "Plan"]
    assert details.locator("dd").all_inner_texts() == ["A-17", "legacy"]
    assert page.get_by_text("courier").count() == 0
    box = details.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    question = page.get_by_label("Was the problem solved?")
    assert question.is_visible()
    no_horizontal_scroll(page)
    shot(page, "portal-details-close-fields-phone")

    page.get_by_role("button", name="Close this request").click()
    page.locator(".close-fields .error").wait_for()
    assert page.locator(".close-fields .error").inner_text() == "This field is required."
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    shot(page, "portal-close-field-required-phone")

    page.get_by_label("Was the problem solved?").select_option("partly")
    page.get_by_role("button", name="Close this request").click()
    page.get_by_text("Request closed.").wait_for()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.custom_fields["problem_solved"]) == (Status.CLOSED, "partly")
    assert details.locator("dt").all_inner_texts() == ["Order number", "Plan", "Was the problem solved?"]
    assert details.locator("dd").all_inner_texts() == ["A-17", "legacy", "partly"]
    assert page.get_by_label("Was the problem solved?").count() == 0
    no_horizontal_scroll(page)
    shot(page, "portal-closed-details-phone")
