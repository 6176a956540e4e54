"""tickets/portal/selectors.py's portal_custom_fields: which custom fields a customer sees on their
ticket and in which words, and which ones the portal asks for before the customer may close it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from model_bakery import baker

from tickets.models import Ticket
from tickets.portal.selectors import portal_custom_fields

pytestmark = pytest.mark.django_db


def field(key, label, position, field_type="text", *, visible=True, active=True, required=(), categories=()):
    made = baker.make_recipe(
        "tests.tickets.custom_field",
        key=key,
        label=label,
        position=position,
        field_type=field_type,
        is_customer_visible=visible,
        is_active=active,
        required_statuses=list(required),
    )
    made.categories.set(categories)
    return made


T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def set_state(ticket, *, status="open", values, **extra):
    """Status and values written straight to the row (a resolved or closed ticket has its time)."""
    stamps = {"resolved_at": T0} if status == "resolved" else {}
    stamps = {"resolved_at": T0, "closed_at": T0} if status == "closed" else stamps
    Ticket.objects.filter(pk=ticket.pk).update(status=status, custom_fields=values, **stamps, **extra)
    ticket.refresh_from_db()


@pytest.fixture
def shown_fields(db):
    """Fields with values: shown to customers or not, active or not, of each kind of value."""
    field("version", "Affected version", 1)
    field("urgent", "Urgent", 2, "checkbox")
    field("backup", "Backup taken", 3, "checkbox")
    field("modules", "Modules", 4, "multi_select")
    field("seats", "Seats", 5, "number")
    field("notes", "Notes", 6)  # no value on the ticket
    field("blank", "Blank", 7)  # an empty string
    field("none_picked", "None picked", 8, "multi_select")  # an empty list
    field("internal", "Internal code", 9, visible=False)
    field("retired", "Retired", 10, active=False)


VALUES = {
    "version": "2.1",
    "urgent": True,
    "backup": False,
    "modules": ["mail", "vpn"],
    "seats": 3,
    "blank": "",
    "none_picked": [],
    "internal": "X-9",
    "retired": "old",
}


def test_the_customer_sees_the_visible_active_fields_with_a_value_in_words(shown_fields, ticket):
    set_state(ticket, values=VALUES)

    shown, to_close = portal_custom_fields(ticket=ticket)

    assert shown == [
        {"key": "version", "label": "Affected version", "value": "2.1"},
        {"key": "urgent", "label": "Urgent", "value": "Yes"},
        {"key": "backup", "label": "Backup taken", "value": "No"},
        {"key": "modules", "label": "Modules", "value": "mail, vpn"},
        {"key": "seats", "label": "Seats", "value": "3"},
    ]
    assert to_close == []


def test_a_ticket_without_values_shows_nothing(shown_fields, ticket):
    set_state(ticket, values={})

    assert portal_custom_fields(ticket=ticket) == ([], [])


def test_no_custom_fields_at_all_costs_one_query(ticket, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert portal_custom_fields(ticket=ticket) == ([], [])


@pytest.fixture
def closing_fields(db):
    """Fields required to close (or not), shown to customers (or not), scoped to a category (or not)."""
    billing = baker.make_recipe("tests.tickets.category", slug="billing")
    field("resolution", "Resolution", 1, required=["resolved", "closed"])
    field("rating", "Rating", 2, "number", required=["closed"])
    field("cause", "Cause", 3, required=["resolved"])  # required to resolve only
    field("agent_code", "Agent code", 4, visible=False, required=["closed"])  # agents fill it
    field("invoice", "Invoice", 5, required=["closed"], categories=[billing])  # billing tickets only
    field("plain", "Plain", 6)  # never required
    return billing


@pytest.mark.parametrize(
    ("status", "values", "expected"),
    [
        pytest.param("open", {}, ["resolution", "rating"], id="open-both-empty"),
        pytest.param("resolved", {}, ["resolution", "rating"], id="resolved-both-empty"),
        pytest.param("open", {"resolution": "fixed"}, ["rating"], id="one-filled"),
        pytest.param("open", {"resolution": "fixed", "rating": 5}, [], id="both-filled"),
        pytest.param("open", {"resolution": "", "rating": None}, ["resolution", "rating"], id="empty-values"),
        pytest.param("closed", {}, [], id="already-closed"),
    ],
)
def test_the_fields_the_customer_must_fill_to_close(closing_fields, ticket, status, values, expected):
    set_state(ticket, status=status, values=values)

    _, to_close = portal_custom_fields(ticket=ticket)

    assert [f.key for f in to_close] == expected


def test_a_field_scoped_to_the_tickets_category_is_asked_too(closing_fields, ticket):
    set_state(ticket, values={}, category=closing_fields)

    _, to_close = portal_custom_fields(ticket=ticket)

    assert [f.key for f in to_close] == ["resolution", "rating", "invoice"]


def test_fields_required_to_close_cost_two_more_queries(closing_fields, ticket, django_assert_num_queries):
    set_state(ticket, values={"plain": "p"})

    with django_assert_num_queries(3):  # the fields, their categories, their ticket types
        shown, to_close = portal_custom_fields(ticket=ticket)
        keys = [f.key for f in to_close]

    assert shown == [{"key": "plain", "label": "Plain", "value": "p"}]
    assert keys == ["resolution", "rating"]


def test_a_closed_ticket_costs_one_query(closing_fields, ticket, django_assert_num_queries):
    set_state(ticket, status="closed", values={})

    with django_assert_num_queries(1):
        assert portal_custom_fields(ticket=ticket) == ([], [])
