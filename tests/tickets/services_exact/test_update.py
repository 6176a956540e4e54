"""tickets/services.py, value by value (ticket_update: events, notes, payloads, due times, custom
fields and refusals): the exact ticket, event, change note and outbox payload each service leaves
behind, and the exact error of each refusal. Expected values are written out by hand (times under
freezegun, on the 24x7 calendar: high = 4 h first response, 24 h resolution; medium = 24 h, 72 h)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from config.exceptions import ApplicationError
from tests.tickets.services_exact.facts import T0, events, outbox
from tickets import services
from tickets.models import EventKind, Ticket, TicketType

pytestmark = pytest.mark.django_db


# --- ticket_update ----------------------------------------------------------------------------


@pytest.fixture
def assigned(agent, customer_a):
    ticket = services.ticket_create(actor=agent.user, title="Assigned one", customer=customer_a)
    return services.ticket_assign(ticket=ticket, actor=agent.user, assignee=agent.user)


def test_an_update_without_an_assignee_key_keeps_the_assignee(assigned, agent):
    ticket = services.ticket_update(ticket=assigned, actor=agent.user, data={"title": "Renamed one"})
    ticket.refresh_from_db()
    assert (ticket.title, ticket.assignee) == ("Renamed one", agent.user)
    assert [e[0] for e in events(ticket)] == ["created", "assigned", "updated"]


def test_an_update_with_assignee_none_unassigns(assigned, agent):
    ticket = services.ticket_update(ticket=assigned, actor=agent.user, data={"assignee": None})
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert events(ticket, EventKind.ASSIGNED)[-1] == ("assigned", "assignee", agent.user.pk, None, agent.user.pk, "")


def test_an_update_with_the_same_assignee_and_status_writes_nothing(assigned, agent):
    version = assigned.version
    ticket = services.ticket_update(ticket=assigned, actor=agent.user, data={"assignee": agent.user, "status": "open"})
    ticket.refresh_from_db()
    assert ticket.version == version
    assert [e[0] for e in events(ticket)] == ["created", "assigned"]


@freeze_time(T0)
def test_update_records_events_notes_and_payload_exactly(agent, customer_a, wall_clock, notes):
    billing = baker.make_recipe("tests.tickets.category", slug="billing")
    team = baker.make_recipe("tests.agents.team", name="Second line")
    ticket = services.ticket_create(actor=agent.user, title="Before title", customer=customer_a)
    notes.clear()

    ticket = services.ticket_update(
        ticket=ticket,
        actor=agent.user,
        data={
            "title": "After title",
            "priority": "high",
            "category": "billing",
            "team": team,
            "description": "  new\r\ntext ",
            "external_id": "EXT-7",
            "tags": ["A"],
            "metadata": {"k": 1},
        },
    )

    ticket.refresh_from_db()
    assert (ticket.title, ticket.priority, ticket.category, ticket.team, ticket.description) == (
        "After title",
        "high",
        billing,
        team,
        "new\ntext",
    )
    assert (ticket.external_id, ticket.tags, ticket.metadata, ticket.version) == ("EXT-7", ["a"], {"k": 1}, 2)
    # high on 24x7: first response 4 h, resolution 24 h after creation
    assert (ticket.first_response_due_at, ticket.resolution_due_at) == (
        datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
    )
    u = agent.user.pk
    assert events(ticket, EventKind.UPDATED) == [
        ("updated", "title", "Before title", "After title", u, ""),
        ("updated", "priority", "medium", "high", u, ""),
        ("updated", "category", None, billing.pk, u, ""),
        ("updated", "team", None, team.pk, u, ""),
        ("updated", "description", "", "new\ntext", u, ""),
        ("updated", "external_id", None, "EXT-7", u, ""),
        ("updated", "tags", [], ["a"], u, ""),
        ("updated", "metadata", {}, {"k": 1}, u, ""),
    ]
    [payload] = outbox("ticket.updated")
    assert payload["changes"] == {
        "title": {"old": "Before title", "new": "After title"},
        "priority": {"old": "medium", "new": "high"},
        "category": {"old": None, "new": billing.pk},
        "team": {"old": None, "new": team.pk},
        "description": {"old": "", "new": "new\ntext"},
        "external_id": {"old": None, "new": "EXT-7"},
        "tags": {"old": [], "new": ["a"]},
        "metadata": {"old": {}, "new": {"k": 1}},
    }
    assert (payload["actor_id"], payload["ticket"]["id"], payload["ticket"]["title"]) == (u, ticket.pk, "After title")
    assert notes == [
        {
            "ticket": ticket.pk,
            "events": ["updated"],
            "changes": {
                "title": ("Before title", "After title"),
                "priority": ("medium", "high"),
                "category": (None, "billing"),
                "team": (None, team.pk),
                "description": ("", "new\ntext"),
                "external_id": (None, "EXT-7"),
                "tags": ([], ["a"]),
                "metadata": ({}, {"k": 1}),
            },
            "actor": agent.user,
        }
    ]


def test_update_notes_a_category_and_type_change_by_slug(agent, customer_a, notes):
    old_cat = baker.make_recipe("tests.tickets.category", slug="old-cat")
    new_cat = baker.make_recipe("tests.tickets.category", slug="new-cat")
    old_type = baker.make(TicketType, slug="inquiry", name="Inquiry")
    new_type = baker.make(TicketType, slug="incident-x", name="I")
    ticket = services.ticket_create(
        actor=agent.user, title="Typed one", customer=customer_a, category=old_cat, ticket_type=old_type
    )
    notes.clear()

    services.ticket_update(ticket=ticket, actor=agent.user, data={"category": new_cat, "ticket_type": None})
    services.ticket_update(ticket=ticket, actor=agent.user, data={"ticket_type": new_type})

    assert [n["changes"] for n in notes] == [
        {"category": ("old-cat", "new-cat"), "ticket_type": ("inquiry", None)},
        {"ticket_type": (None, "incident-x")},
    ]


@freeze_time(T0)
def test_a_priority_change_moves_the_due_times(agent, customer_a, wall_clock):
    ticket = services.ticket_create(actor=agent.user, title="Medium one", customer=customer_a)
    assert ticket.first_response_due_at == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)

    ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "high"})
    ticket.refresh_from_db()

    assert (ticket.first_response_due_at, ticket.resolution_due_at) == (
        datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
    )


def test_update_keeps_its_own_external_id_and_refuses_anothers(agent, customer_a):
    services.ticket_create(actor=agent.user, title="No id here", customer=customer_a)
    mine = services.ticket_create(actor=agent.user, title="Mine", customer=customer_a, external_id="OWN-1")
    services.ticket_create(actor=agent.user, title="Theirs", customer=customer_a, external_id="OWN-2")

    mine = services.ticket_update(ticket=mine, actor=agent.user, data={"external_id": "OWN-1", "title": "Mine again"})
    assert (mine.external_id, mine.title) == ("OWN-1", "Mine again")
    fresh = services.ticket_update(ticket=mine, actor=agent.user, data={"external_id": "OWN-3"})
    assert fresh.external_id == "OWN-3"
    cleared = services.ticket_update(ticket=mine, actor=agent.user, data={"external_id": ""})
    assert Ticket.objects.get(pk=cleared.pk).external_id is None

    with pytest.raises(ValidationError) as exc:
        services.ticket_update(ticket=mine, actor=agent.user, data={"external_id": "OWN-2"})
    assert exc.value.message_dict == {"external_id": ["A ticket with this external id already exists."]}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param({"customer": None}, {"customer": ["This field cannot be changed."]}, id="not-updatable"),
        pytest.param({"title": "x"}, {"title": ["The title must be at least 3 characters."]}, id="short-title"),
        pytest.param(
            {"title": "x", "custom_fields": {"plan": "gold"}},
            {"title": ["The title must be at least 3 characters."]},
            id="error-skips-custom-fields",
        ),
        pytest.param({"category": "nope"}, {"category": ["Unknown category 'nope'."]}, id="unknown-category"),
    ],
)
def test_update_refusals_name_the_field_exactly(agent, ticket, data, expected):
    baker.make_recipe("tests.tickets.custom_field", key="plan")
    with pytest.raises(ValidationError) as exc:
        services.ticket_update(ticket=ticket, actor=agent.user, data=data)
    assert exc.value.message_dict == expected


def test_update_merges_custom_fields_into_the_current_values(agent, customer_a):
    baker.make_recipe("tests.tickets.custom_field", key="plan")
    baker.make_recipe("tests.tickets.custom_field", key="region")
    ticket = services.ticket_create(
        actor=agent.user, title="Fielded", customer=customer_a, custom_fields={"plan": "gold", "region": "eu"}
    )

    ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"custom_fields": {"region": "us"}})

    assert Ticket.objects.get(pk=ticket.pk).custom_fields == {"plan": "gold", "region": "us"}


def test_update_checks_custom_fields_against_the_category_and_type_the_ticket_will_have(agent, customer_a):
    billing = baker.make_recipe("tests.tickets.category", slug="billing")
    outage = baker.make(TicketType, slug="outage", name="Outage")
    by_category = baker.make_recipe("tests.tickets.custom_field", key="invoice")
    by_category.categories.set([billing])
    by_type = baker.make_recipe("tests.tickets.custom_field", key="impact")
    by_type.ticket_types.set([outage])
    ticket = services.ticket_create(actor=agent.user, title="Unscoped", customer=customer_a)

    with pytest.raises(ValidationError) as exc:
        services.ticket_update(ticket=ticket, actor=agent.user, data={"custom_fields": {"invoice": "A-1"}})
    assert list(exc.value.message_dict) == ["custom_fields.invoice"]

    ticket = services.ticket_update(
        ticket=ticket, actor=agent.user, data={"category": billing, "custom_fields": {"invoice": "A-1"}}
    )
    ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"custom_fields": {"invoice": "A-2"}})
    ticket = services.ticket_update(
        ticket=ticket, actor=agent.user, data={"ticket_type": outage, "custom_fields": {"impact": "all"}}
    )
    ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"custom_fields": {"impact": "some"}})
    assert Ticket.objects.get(pk=ticket.pk).custom_fields == {"invoice": "A-2", "impact": "some"}


def test_update_with_a_stale_version_is_refused(agent, ticket):
    with pytest.raises(ApplicationError) as exc:
        services.ticket_update(ticket=ticket, actor=agent.user, data={"title": "Too late"}, expected_version=7)
    assert (exc.value.code, exc.value.http_status) == ("precondition_failed", 412)
