"""tickets/services.py, value by value (ticket_create: the stored ticket, its defaults, routing and
refusals): the exact ticket, event, change note and outbox payload each service leaves behind, and
the exact error of each refusal. Expected values are written out by hand (times under freezegun, on
the 24x7 calendar: high = 4 h first response, 24 h resolution; medium = 24 h, 72 h)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from freezegun import freeze_time
from model_bakery import baker

from tests.tickets.services_exact.facts import T0, events, outbox
from tickets import services
from tickets.models import Channel, Ticket, TicketType

pytestmark = pytest.mark.django_db


# --- ticket_create ----------------------------------------------------------------------------


@freeze_time(T0)
def test_create_stores_every_given_field(agent, customer_a, wall_clock, notes):
    team = baker.make_recipe("tests.agents.team", name="Phones", auto_assign_priorities=[])
    baker.make_recipe("tests.agents.team", name="Default", is_default=True)
    category = baker.make_recipe("tests.tickets.category", slug="billing")
    kind = baker.make(TicketType, slug="outage", name="Outage")
    baker.make_recipe("tests.tickets.custom_field", key="plan")

    ticket = services.ticket_create(
        actor=agent.user,
        title="  Phone line down  ",
        description="  Since\r\nmorning  ",
        priority="high",
        category="billing",
        ticket_type="outage",
        custom_fields={"plan": "gold"},
        customer=customer_a,
        tags=["Voice"],
        metadata={"source": "pbx"},
        external_id="PBX-1",
        channel=Channel.PHONE,
        team=team,
    )

    ticket.refresh_from_db()
    stored = (
        ticket.title,
        ticket.description,
        ticket.priority,
        ticket.category,
        ticket.ticket_type,
        ticket.custom_fields,
        ticket.tags,
        ticket.metadata,
        ticket.external_id,
        ticket.channel,
        ticket.customer,
        ticket.organization,
        ticket.team,
        ticket.status,
        ticket.version,
    )
    assert stored == (
        "Phone line down",
        "Since\nmorning",
        "high",
        category,
        kind,
        {"plan": "gold"},
        ["voice"],
        {"source": "pbx"},
        "PBX-1",
        "phone",
        customer_a,
        customer_a.organization,
        team,
        "open",
        1,
    )
    assert (ticket.first_response_due_at, ticket.resolution_due_at) == (
        datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
    )
    assert events(ticket) == [("created", "", None, "open", agent.user.pk, "")]
    [payload] = outbox("ticket.created")
    assert payload["actor_id"] == agent.user.pk
    assert (payload["ticket"]["id"], payload["ticket"]["external_id"], payload["ticket"]["team_id"]) == (
        ticket.pk,
        "PBX-1",
        team.pk,
    )
    assert notes == [{"ticket": ticket.pk, "events": ["created"], "changes": {}, "actor": agent.user}]


def test_create_returns_the_priority_rank_without_a_read(agent, customer_a, django_assert_num_queries):
    ticket = services.ticket_create(actor=agent.user, title="Ranked one", customer=customer_a, priority="low")
    with django_assert_num_queries(0):
        assert ticket.priority_rank == 1


def test_create_without_an_explicit_team_is_routed(agent, customer_a):
    default = baker.make_recipe("tests.agents.team", name="Default", is_default=True)
    billing = baker.make_recipe("tests.agents.team", name="Billing")
    baker.make_recipe("tests.tickets.category", slug="billing", team=billing)
    baker.make_recipe("tests.tickets.category", slug="misc", team=None)

    assert (
        services.ticket_create(actor=agent.user, title="Routed", customer=customer_a, category="billing").team
        == billing
    )
    assert (
        services.ticket_create(actor=agent.user, title="Teamless cat", customer=customer_a, category="misc").team
        == default
    )
    assert services.ticket_create(actor=agent.user, title="No category", customer=customer_a).team == default


def test_create_defaults(agent, customer_a):
    ticket = services.ticket_create(actor=agent.user, title="Plain one", customer=customer_a)
    ticket.refresh_from_db()
    assert (ticket.description, ticket.priority, ticket.channel, ticket.tags, ticket.metadata) == (
        "",
        "medium",
        "web",
        [],
        {},
    )
    assert (ticket.custom_fields, ticket.external_id, ticket.category, ticket.ticket_type, ticket.team) == (
        {},
        None,
        None,
        None,
        None,
    )


def test_create_by_email_names_the_new_customer(agent):
    ticket = services.ticket_create(
        actor=agent.user, title="By mail", customer_email="Dora@Example.org", customer_name="Dora Explorer"
    )
    assert (ticket.customer.email, ticket.customer.name) == ("dora@example.org", "Dora Explorer")


def test_create_by_the_system_has_no_actor(customer_a):
    ticket = services.ticket_create(actor=None, title="From a rule", customer=customer_a)
    assert events(ticket) == [("created", "", None, "open", None, "")]
    assert outbox("ticket.created")[0]["actor_id"] is None


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"customer_email": None}, {"customer_email": ["A customer email is required."]}, id="no-customer"),
        pytest.param({"customer_email": ""}, {"customer_email": ["A customer email is required."]}, id="blank-email"),
        pytest.param(
            {"customer_email": "not-an-email"}, {"customer_email": ["Enter a valid email address."]}, id="bad-email"
        ),
        pytest.param({"title": "ab"}, {"title": ["The title must be at least 3 characters."]}, id="short-title"),
        pytest.param(
            {"priority": "urgent"},
            {"priority": ["'urgent' is not a valid priority; use one of: low, medium, high, critical."]},
            id="bad-priority",
        ),
    ],
)
def test_create_refusals_name_the_field_exactly(agent, kwargs, expected):
    data = {"title": "A valid title", "customer_email": "someone@example.com", **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.ticket_create(actor=agent.user, **data)
    assert exc.value.message_dict == expected
    assert Ticket.objects.count() == 0


def test_create_accepts_new_external_ids_and_refuses_a_taken_one(agent, customer_a):
    services.ticket_create(actor=agent.user, title="No id one", customer=customer_a)
    services.ticket_create(actor=agent.user, title="No id two", customer=customer_a, external_id="")
    first = services.ticket_create(actor=agent.user, title="With id", customer=customer_a, external_id="CRM-1")
    second = services.ticket_create(actor=agent.user, title="Other id", customer=customer_a, external_id="CRM-2")
    assert [first.external_id, second.external_id] == ["CRM-1", "CRM-2"]
    assert sorted(Ticket.objects.values_list("external_id", flat=True), key=str) == ["CRM-1", "CRM-2", None, None]

    with pytest.raises(ValidationError) as exc:
        services.ticket_create(actor=agent.user, title="Duplicate", customer=customer_a, external_id="CRM-1")
    assert exc.value.message_dict == {"external_id": ["A ticket with external id 'CRM-1' already exists."]}


def test_create_turns_a_lost_race_for_an_external_id_into_a_field_error(agent, customer_a, monkeypatch):
    """A concurrent create took the id between the check and the insert (simulated: the check
    misses it); the unique constraint's error is reported on the field."""
    services.ticket_create(actor=agent.user, title="Winner", customer=customer_a, external_id="RACE-1")
    real_exists = QuerySet.exists

    def racing_exists(self):
        if self.model is Ticket and "external_id" in str(self.query):
            return False
        return real_exists(self)

    monkeypatch.setattr(QuerySet, "exists", racing_exists)
    with pytest.raises(ValidationError) as exc:
        services.ticket_create(actor=agent.user, title="Loser", customer=customer_a, external_id="RACE-1")
    assert exc.value.message_dict == {"external_id": ["A ticket with this external id already exists."]}
    assert Ticket.objects.count() == 1
