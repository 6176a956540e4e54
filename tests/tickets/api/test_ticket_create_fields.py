"""Opening a ticket through the API: every bad field in one 400, and the customer by id or by email."""

from __future__ import annotations

import pytest
from model_bakery import baker

from customers.models import Customer
from tickets.models import Ticket

URL = "/api/v1/tickets/"


def test_three_bad_fields_and_an_unknown_one_are_named_in_one_400(api_agent):
    baker.make_recipe("tests.tickets.category", slug="billing")
    baker.make_recipe("tests.tickets.category", slug="technical")

    response = api_agent.post(
        URL,
        {
            "title": "",
            "priority": "urgent",
            "category": "Billing",
            "customer_email": "dana@example.org",
            "colour": "red",
        },
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"title", "priority", "category", "colour"}
    assert body["priority"] == ['"urgent" is not a valid choice.']
    assert body["category"] == ["Unknown category 'Billing': send a category slug (billing, technical)."]
    assert body["colour"] == ["This field is not writable here (unknown or not allowed for your role)."]
    assert not Ticket.objects.exists()
    assert not Customer.objects.filter(email="dana@example.org").exists()


def test_customer_by_id(api_agent, customer_a):
    customers_before = Customer.objects.count()

    response = api_agent.post(URL, {"title": "Printer on fire", "customer": customer_a.pk}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["customer"] == customer_a.pk
    assert response.json()["customer_email"] == "alice@acme.example"
    assert response.json()["organization"] == customer_a.organization_id
    assert Customer.objects.count() == customers_before


@pytest.mark.parametrize(
    ("customer_fields", "expected"),
    [
        pytest.param(
            {},
            {"customer_email": ["This field is required (or send 'customer', an existing customer's id)."]},
            id="neither",
        ),
        pytest.param(
            {"customer": "CUSTOMER_A", "customer_email": "alice@acme.example"},
            {"customer": ["Send either 'customer' (a customer id) or 'customer_email', not both."]},
            id="both",
        ),
        pytest.param(
            {"customer": 999999},
            {"customer": ['Invalid pk "999999" - object does not exist.']},
            id="unknown-id",
        ),
        pytest.param(
            {"customer": "alice@acme.example"},
            {"customer": ["Incorrect type. Expected pk value, received str."]},
            id="email-in-customer",
        ),
    ],
)
def test_exactly_one_of_customer_and_customer_email(api_agent, customer_a, customer_fields, expected):
    fields = {k: customer_a.pk if v == "CUSTOMER_A" else v for k, v in customer_fields.items()}

    response = api_agent.post(URL, {"title": "Printer on fire", **fields}, format="json")

    assert response.status_code == 400
    assert response.json() == expected


def test_customer_rule_is_reported_beside_other_errors(api_agent):
    response = api_agent.post(URL, {"title": "ab", "priority": "LOW"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"title", "priority", "customer_email"}


def test_a_customer_cannot_open_a_ticket_for_someone_else(api_customer_a, customer_b):
    response = api_customer_a.post(URL, {"title": "Printer on fire", "customer": customer_b.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {"customer": ["This field is not writable here (unknown or not allowed for your role)."]}


def test_assign_reports_the_agent_or_strategy_rule_beside_a_bad_strategy(api_agent, ticket):
    response = api_agent.post(f"{URL}{ticket.pk}/assign/", {"strategy": "fastest", "agent": None}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"strategy", "agent"}


def test_a_customer_may_not_send_metadata_on_create(api_customer_a):
    """README: metadata is integration data rules match on; a portal customer's create naming it is a
    400 naming the field, and nothing is created."""
    response = api_customer_a.post(URL, {"title": "Printer on fire", "metadata": {"vip": True}}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["metadata"]
    assert Ticket.objects.count() == 0


def test_an_agent_may_send_metadata_on_create(api_agent, customer_a):
    response = api_agent.post(
        URL,
        {"title": "Printer on fire", "customer": customer_a.pk, "metadata": {"crm": "A-1"}},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["metadata"] == {"crm": "A-1"}
