"""tickets/services.py, the cases the value-by-value tests leave open (found by mutation testing):
who may write which custom field, and the details of each refusal. Expected values are written out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time
from model_bakery import baker

from config.exceptions import ApplicationError
from tickets import changes, services
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday; the 24x7 calendar: high = 4 h / 24 h


@pytest.fixture
def fields(db) -> None:
    baker.make_recipe("tests.tickets.custom_field", key="plan", label="Plan", is_customer_visible=True)
    baker.make_recipe("tests.tickets.custom_field", key="secret", label="Secret", is_customer_visible=False)


# --- ticket_create ----------------------------------------------------------------------------


def test_a_customer_opening_a_ticket_cannot_fill_a_field_only_agents_see(customer_a, fields):
    with pytest.raises(ValidationError) as caught:
        services.ticket_create(
            actor=customer_a.user, title="My order", customer=customer_a, custom_fields={"secret": "x"}
        )
    assert caught.value.message_dict == {"custom_fields.secret": ["Unknown custom field."]}
    assert not Ticket.objects.exists()


def test_a_customer_created_by_email_without_a_name_has_none(agent):
    ticket = services.ticket_create(actor=agent.user, title="By mail", customer_email="nobody@example.org")
    assert (ticket.customer.email, ticket.customer.name) == ("nobody@example.org", "")


# --- ticket_update ----------------------------------------------------------------------------


def test_a_customer_cannot_write_a_field_only_agents_see(ticket, customer_a, fields):
    with pytest.raises(ValidationError) as caught:
        services.ticket_update(
            ticket=ticket, actor=customer_a.user, data={"custom_fields": {"plan": "gold", "secret": "x"}}
        )
    assert caught.value.message_dict == {"custom_fields.secret": ["Unknown custom field."]}
    ticket.refresh_from_db()
    assert ticket.custom_fields == {}


def test_a_customer_writes_a_field_shown_to_customers(ticket, customer_a, fields):
    services.ticket_update(ticket=ticket, actor=customer_a.user, data={"custom_fields": {"plan": "gold"}})
    ticket.refresh_from_db()
    assert ticket.custom_fields == {"plan": "gold"}


@pytest.mark.parametrize("who", ["agent", "system"])
def test_an_agent_or_the_system_writes_any_field(ticket, agent, fields, who):
    actor = agent.user if who == "agent" else None
    services.ticket_update(ticket=ticket, actor=actor, data={"custom_fields": {"plan": "gold", "secret": "x"}})
    ticket.refresh_from_db()
    assert ticket.custom_fields == {"plan": "gold", "secret": "x"}


def test_an_update_writes_the_ticket_row_once(ticket, agent):
    """The changed fields, the version and updated_at go out in one UPDATE of the ticket row."""
    with CaptureQueriesContext(connection) as queries:
        services.ticket_update(ticket=ticket, actor=agent.user, data={"title": "A new title"})
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "tickets_ticket"')]
    assert len(updates) == 1
    ticket.refresh_from_db()
    assert (ticket.title, ticket.version) == ("A new title", 2)


@freeze_time(T0)
def test_a_change_no_policy_looks_at_keeps_the_due_times(agent, customer_a, wall_clock):
    """Only priority, team, category, type and tags choose the policy: a new title keeps the due times."""
    ticket = services.ticket_create(actor=agent.user, title="Printer jam", customer=customer_a, priority="high")
    kept = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    Ticket.objects.filter(pk=ticket.pk).update(first_response_due_at=kept, resolution_due_at=kept)
    ticket.refresh_from_db()

    services.ticket_update(ticket=ticket, actor=agent.user, data={"title": "Printer jam, floor 2"})

    ticket.refresh_from_db()
    assert (ticket.title, ticket.first_response_due_at, ticket.resolution_due_at) == (
        "Printer jam, floor 2",
        kept,
        kept,
    )


def test_a_status_in_an_update_is_changed_by_the_caller(ticket, agent):
    services.ticket_update(ticket=ticket, actor=agent.user, data={"status": "in_progress"})
    rows = list(
        TicketEvent.objects.filter(ticket=ticket, kind="status_changed").values_list(
            "old_value", "new_value", "actor_id", "note"
        )
    )
    assert rows == [("open", "in_progress", agent.user.pk, "")]


# --- ticket_change_status ---------------------------------------------------------------------


def test_an_agent_taking_a_ticket_in_hand_is_its_first_response(agent, customer_a, wall_clock):
    with freeze_time(T0):
        ticket = services.ticket_create(actor=agent.user, title="Printer jam", customer=customer_a, priority="high")
    with freeze_time(T0 + timedelta(minutes=30)):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="in_progress")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


def test_time_pending_pushes_the_resolution_due_time_back(agent, customer_a, wall_clock):
    """Pending pauses resolution: 2 h pending move its due time from Tuesday 10:00 to 12:00."""
    with freeze_time(T0):
        ticket = services.ticket_create(actor=agent.user, title="Printer jam", customer=customer_a, priority="high")
    with freeze_time(T0 + timedelta(hours=1)):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="pending")
    with freeze_time(T0 + timedelta(hours=3)):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="open")
    ticket.refresh_from_db()
    assert (ticket.resolution_due_at, ticket.sla_paused_at) == (datetime(2026, 3, 3, 12, 0, tzinfo=UTC), None)


@pytest.fixture
def resolution_code(db):
    return baker.make_recipe(
        "tests.tickets.custom_field", key="resolution_code", label="Resolution code", required_statuses=["resolved"]
    )


def test_a_rule_that_cannot_resolve_records_the_skip(ticket, resolution_code):
    with changes.rule_applying("Resolve when tagged done"):
        services.ticket_change_status(ticket=ticket, actor=None, status="resolved")
    rows = list(
        TicketEvent.objects.filter(ticket=ticket).values_list("kind", "field", "old_value", "new_value", "note")
    )
    assert rows == [
        (
            "rule_skipped",
            "status",
            "open",
            "resolved",
            "Status not set to resolved: 'Resolution code' is required to set the status to resolved.",
        )
    ]
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_a_customers_note_and_the_fields_left_for_an_agent_are_one_note(ticket, customer_a):
    baker.make_recipe(
        "tests.tickets.custom_field",
        key="resolution_code",
        label="Resolution code",
        required_statuses=["resolved"],
        is_customer_visible=False,
    )
    services.ticket_change_status(ticket=ticket, actor=customer_a.user, status="resolved", note="Works now.")
    [note] = TicketEvent.objects.filter(ticket=ticket, kind="status_changed").values_list("note", flat=True)
    assert note == "Works now. Left empty for an agent: Resolution code."


# --- ticket_assign_by_strategy ----------------------------------------------------------------


def test_assign_by_strategy_with_a_stale_version_is_refused(agent, ticket):
    """The version is checked first, before the team: a ticket changed since is a 412, not a 409."""
    with pytest.raises(ApplicationError) as exc:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, expected_version=[5, 6])
    assert exc.value.http_status == 412
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


@pytest.mark.parametrize(
    ("strategy", "picked"),
    [
        pytest.param("skills", "billing_senior", id="skills-by-category"),
        pytest.param("seniority", "billing_senior", id="seniority-by-priority"),
        pytest.param("least_loaded", "plain", id="least-loaded-first-by-id"),
    ],
)
def test_assign_by_strategy_hands_the_ticket_category_and_priority_to_the_strategy(
    make_agent, customer_a, agent, strategy, picked
):
    """Two idle agents: the first a plain agent, the second a senior agent skilled in billing. A
    critical billing ticket goes to the second by skills and by seniority, to the first otherwise."""
    team = baker.make_recipe("tests.agents.team", auto_assign_priorities=[])
    agents = {
        "plain": make_agent(teams=[team]),
        "billing_senior": make_agent(role="senior_agent", teams=[team], skills=["billing"]),
    }
    category = baker.make_recipe("tests.tickets.category", slug="billing")
    ticket = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, team=team, category=category, priority="critical"
    )
    ticket = services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy=strategy)
    assert ticket.assignee == agents[picked].user
