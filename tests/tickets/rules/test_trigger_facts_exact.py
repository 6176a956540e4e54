"""What a trigger's conditions see (tickets/rules/triggers.py): who acted, the ticket's values read
one by one, the last replies, and the facts of a change. Every expected value is written out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from freezegun import freeze_time
from model_bakery import baker

from agents.models import Role
from tickets.changes import TicketChange
from tickets.conditions import EXTRA_FACTS
from tickets.models import Comment, TicketType
from tickets.rules.triggers import _TicketValues, actor_kind, facts_for

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


class _NoLogin:
    """Something acting that is neither a customer nor a user (no is_authenticated at all)."""


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        pytest.param("nobody", "system", id="none-is-the-system"),
        pytest.param("customer", "customer", id="customer-record"),
        pytest.param("anonymous", "system", id="anonymous-user"),
        pytest.param("no-login", "system", id="no-is-authenticated"),
        pytest.param("portal-user", "customer", id="customer-portal-user"),
        pytest.param(Role.AGENT, "agent", id="agent"),
        pytest.param(Role.ADMIN, "agent", id="admin"),
        pytest.param(Role.VIEWER, "agent", id="viewer"),
    ],
)
def test_actor_kind(who, expected, customer_a, make_agent):
    actors = {
        "nobody": None,
        "customer": customer_a,
        "anonymous": AnonymousUser(),
        "no-login": _NoLogin(),
        "portal-user": customer_a.user,
    }
    actor = actors[who] if who in actors else make_agent(who).user
    assert actor_kind(actor) == expected


@pytest.fixture
def full_ticket(customer_a, agent):
    customer_a.tier = "enterprise"
    customer_a.save()
    team = baker.make_recipe("tests.agents.team", name="Billing desk")
    category = baker.make_recipe("tests.tickets.category", slug="billing", name="Billing")
    return baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer_a,
        organization=customer_a.organization,
        category=category,
        ticket_type=TicketType.objects.get(slug="incident"),
        team=team,
        assignee=agent.user,
        status="pending",
        priority="high",
        sla_breached_at=NOW - timedelta(hours=1),
        metadata={"plan": "gold"},
    )


def test_a_full_tickets_values(full_ticket, customer_a, agent):
    values = _TicketValues(full_ticket)
    got = {
        name: values.get(name)
        for name in (
            "category",
            "ticket_type",
            "team",
            "assignee",
            "organization",
            "customer_tier",
            "sla_breached",
            "status",
            "priority",
        )
    }
    assert got == {
        "category": "billing",
        "ticket_type": "incident",
        "team": full_ticket.team.pk,
        "assignee": agent.user.pk,
        "organization": customer_a.organization.pk,
        "customer_tier": "enterprise",
        "sla_breached": True,
        "status": "pending",
        "priority": "high",
    }


def test_a_bare_tickets_values(ticket):
    ticket.organization = None
    values = _TicketValues(ticket)
    got = {name: values.get(name) for name in ("category", "ticket_type", "team", "assignee", "organization")}
    assert got == {"category": None, "ticket_type": None, "team": None, "assignee": None, "organization": None}
    assert values.get("sla_breached") is False
    assert values.get("customer_tier") == "free"


def test_an_unknown_name_gives_the_default(ticket):
    values = _TicketValues(ticket)
    assert values.get("no_such_field") is None
    assert values.get("no_such_field", "fallback") == "fallback"
    assert values.get("title", "fallback") == ticket.title


def test_a_registered_extra_fact_is_read_from_the_ticket(ticket, monkeypatch):
    monkeypatch.setitem(EXTRA_FACTS, "title_length", lambda t: len(t.title))
    monkeypatch.setitem(EXTRA_FACTS, "title", lambda t: "from the registry")
    ticket.title = "Twelve chars"
    values = _TicketValues(ticket)
    assert (values.get("title_length"), values.get("title")) == (12, "from the registry")


def test_time_values_are_the_tickets_columns(ticket):
    ticket.created_at = NOW - timedelta(hours=50)
    ticket.updated_at = NOW - timedelta(hours=40)
    ticket.status_changed_at = NOW - timedelta(hours=30)
    ticket.resolved_at = None
    ticket.first_response_due_at = NOW - timedelta(hours=20)
    ticket.resolution_due_at = NOW + timedelta(hours=10)
    values = _TicketValues(ticket)
    got = {
        name: values.get(name)
        for name in (
            "hours_since_created",
            "hours_since_updated",
            "hours_since_status_change",
            "hours_since_resolved",
            "hours_since_first_response_due",
            "hours_since_resolution_due",
        )
    }
    assert got == {
        "hours_since_created": NOW - timedelta(hours=50),
        "hours_since_updated": NOW - timedelta(hours=40),
        "hours_since_status_change": NOW - timedelta(hours=30),
        "hours_since_resolved": None,
        "hours_since_first_response_due": NOW - timedelta(hours=20),
        "hours_since_resolution_due": NOW + timedelta(hours=10),
    }


def test_the_last_replies_of_each_side(ticket, customer_a, agent):
    def comment(hours_ago, **fields):
        baker.make(Comment, ticket=ticket, body="x", created_at=NOW - timedelta(hours=hours_ago), **fields)

    comment(9, customer=customer_a)
    comment(1, customer=customer_a, author=customer_a.user)  # through the portal: the customer's, not an agent's
    comment(8, customer=customer_a)
    comment(7, author=agent.user)
    comment(4, author=agent.user)
    comment(3, author=agent.user, is_internal=True)  # a note is not a reply
    comment(2)  # a system comment (no author) is not an agent's reply
    values = _TicketValues(ticket)
    assert values.get("hours_since_customer_reply") == NOW - timedelta(hours=1)
    assert values.get("hours_since_agent_reply") == NOW - timedelta(hours=4)


def test_no_replies_yet(ticket):
    values = _TicketValues(ticket)
    assert (values.get("hours_since_customer_reply"), values.get("hours_since_agent_reply")) == (None, None)


def test_the_facts_of_a_change(ticket, agent):
    ticket.metadata = {"plan": "gold"}
    change = TicketChange(
        ticket_id=ticket.pk, events=["updated", "agent_replied"], changes={"priority": ("low", "high")}
    )
    change.actor = agent.user
    with freeze_time(NOW):
        facts = facts_for(ticket, change)
    assert (facts.now, facts.events, facts.changes, facts.actor, facts.metadata) == (
        NOW,
        ("updated", "agent_replied"),
        {"priority": ("low", "high")},
        "agent",
        {"plan": "gold"},
    )
    assert facts.values.ticket is ticket
    assert facts.value("status") == "open"
    assert facts.value("metadata.plan") == "gold"


def test_the_facts_without_a_change(ticket):
    ticket.metadata = None
    with freeze_time(NOW):
        facts = facts_for(ticket)
    assert (facts.now, facts.events, facts.changes, facts.actor, facts.metadata) == (NOW, (), {}, "system", {})
    assert facts.value("priority") == "medium"


def test_a_change_by_a_customer(ticket, customer_a):
    change = TicketChange(ticket_id=ticket.pk, events=["customer_replied"], actor=customer_a)
    assert facts_for(ticket, change).actor == "customer"
