"""Custom fields in the portal: the new-request form asks the fields shown to customers, and only
those; the ticket page shows their values (also one a field no longer offers); closing asks the ones
required to close, and a field only agents see never holds a customer's close up."""

from __future__ import annotations

import pytest
from model_bakery import baker

from tickets.models import CustomField, EventKind, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolution_code():
    """Agents only: required to resolve and to close."""
    return CustomField.objects.create(
        key="resolution_code",
        label="Resolution code",
        field_type="dropdown",
        options=["fixed", "wont_fix"],
        required_statuses=["resolved", "closed"],
    )


@pytest.fixture
def satisfied():
    """Shown to customers: required to close."""
    return CustomField.objects.create(
        key="problem_solved",
        label="Was the problem solved?",
        field_type="dropdown",
        options=["yes", "partly", "no"],
        is_customer_visible=True,
        required_statuses=["closed"],
    )


def _status_event(ticket: Ticket) -> TicketEvent:
    return TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).latest("id")


def test_the_portal_form_asks_customer_visible_fields(portal_client):
    CustomField.objects.create(key="root_cause", label="Root cause", field_type="text")
    CustomField.objects.create(key="order_number", label="Order number", field_type="text", is_customer_visible=True)
    html = portal_client.get("/portal/tickets/new/").content.decode()
    assert 'name="cf_order_number"' in html
    assert 'name="cf_root_cause"' not in html
    response = portal_client.post(
        "/portal/tickets/new/", {"title": "Where is it", "description": "Ordered last week", "cf_order_number": "A-1"}
    )
    assert response.status_code == 302
    assert Ticket.objects.get().custom_fields == {"order_number": "A-1"}


def test_an_agent_only_field_never_holds_up_a_customers_close(portal_client, ticket, resolution_code):
    response = portal_client.post(f"/portal/tickets/{ticket.pk}/status/", {"action": "close"}, follow=True)
    assert "Request closed." in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.custom_fields) == ("closed", {})
    assert _status_event(ticket).note == (
        "Closed by the customer in the portal. Left empty for an agent: Resolution code."
    )


def test_a_customer_fills_a_field_shown_to_them_to_close(portal_client, ticket, resolution_code, satisfied):
    page = portal_client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'name="cf_problem_solved"' in page
    assert 'name="cf_resolution_code"' not in page

    refused = portal_client.post(f"/portal/tickets/{ticket.pk}/status/", {"action": "close"})
    assert refused.status_code == 400
    assert refused.context["close_form"].errors == {"cf_problem_solved": ["This field is required."]}
    bad = portal_client.post(f"/portal/tickets/{ticket.pk}/status/", {"action": "close", "cf_problem_solved": "maybe"})
    assert bad.status_code == 400
    assert bad.context["close_form"].errors == {
        "cf_problem_solved": ["Select a valid choice. maybe is not one of the available choices."]
    }
    ticket.refresh_from_db()
    assert ticket.status == "open"

    done = portal_client.post(
        f"/portal/tickets/{ticket.pk}/status/", {"action": "close", "cf_problem_solved": "partly"}, follow=True
    )
    assert "Request closed." in done.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.custom_fields) == ("closed", {"problem_solved": "partly"})
    # Closed: the form is gone, the answer is among the details.
    page = portal_client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'name="cf_problem_solved"' not in page
    assert "<dt>Was the problem solved?</dt><dd>partly</dd>" in page


def test_the_close_form_asks_only_fields_that_apply_and_are_empty(portal_client, ticket, satisfied):
    billing = baker.make_recipe("tests.tickets.category", slug="billing")
    satisfied.categories.add(billing)  # the ticket has no category: the field does not apply
    assert 'name="cf_problem_solved"' not in portal_client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    Ticket.objects.filter(pk=ticket.pk).update(category=billing, custom_fields={"problem_solved": "yes"})
    assert 'name="cf_problem_solved"' not in portal_client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    Ticket.objects.filter(pk=ticket.pk).update(custom_fields={})
    assert 'name="cf_problem_solved"' in portal_client.get(f"/portal/tickets/{ticket.pk}/").content.decode()


def test_the_ticket_page_shows_the_values_shown_to_customers(portal_client, make_ticket):
    CustomField.objects.create(key="order_number", label="Order number", field_type="number", is_customer_visible=True)
    CustomField.objects.create(
        key="plan", label="Plan", field_type="dropdown", options=["basic", "pro"], is_customer_visible=True
    )
    CustomField.objects.create(
        key="areas", label="Areas", field_type="multi_select", options=["ui", "api"], is_customer_visible=True
    )
    CustomField.objects.create(key="urgent", label="Urgent", field_type="checkbox", is_customer_visible=True)
    CustomField.objects.create(key="empty", label="Left empty", field_type="text", is_customer_visible=True)
    CustomField.objects.create(key="root_cause", label="Root cause", field_type="text")
    CustomField.objects.create(
        key="retired", label="Retired", field_type="text", is_customer_visible=True, is_active=False
    )
    ticket = make_ticket(
        custom_fields={
            "order_number": "A-17",  # text, from before the field became a number
            "plan": "legacy",  # an option removed since
            "areas": ["ui", "api"],
            "urgent": False,
            "root_cause": "courier",
            "retired": "x",
        }
    )
    html = portal_client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    details = html[html.index('<dl class="details"') : html.index("</dl>")]
    labels = [part.split("</dt>")[0] for part in details.split("<dt>")[1:]]
    assert labels == ["Areas", "Order number", "Plan", "Urgent"]  # by position, then label
    for label, value in [("Order number", "A-17"), ("Plan", "legacy"), ("Areas", "ui, api"), ("Urgent", "No")]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in details
    assert "courier" not in html
    assert "Root cause" not in html


def test_no_details_block_without_values_shown_to_customers(portal_client, make_ticket):
    CustomField.objects.create(key="root_cause", label="Root cause", field_type="text")
    ticket = make_ticket(custom_fields={"root_cause": "courier"})
    html = portal_client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'class="details"' not in html
