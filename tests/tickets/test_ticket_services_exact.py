"""tickets/services.py, value by value: the exact ticket, event, change note and outbox payload
each service leaves behind, and the exact error of each refusal. Expected values are written out
by hand (times under freezegun, on the 24x7 calendar: high = 4 h first response, 24 h resolution;
medium = 24 h, 72 h)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from freezegun import freeze_time
from model_bakery import baker

from agents.models import Role
from config.exceptions import ApplicationError
from notifications.models import OutboxEvent
from tickets import changes, services
from tickets.models import Channel, EventKind, Ticket, TicketEvent, TicketType

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def notes(monkeypatch) -> list[dict]:
    """What each outermost service call noted for the triggers, as plain data."""
    seen: list[dict] = []

    def runner(scope):
        for pk, record in scope.tickets.items():
            seen.append(
                {"ticket": pk, "events": list(record.events), "changes": dict(record.changes), "actor": record.actor}
            )

    monkeypatch.setattr(changes, "_runner", runner)
    return seen


def outbox(event: str) -> list[dict]:
    return [row.payload for row in OutboxEvent.objects.filter(event=event).order_by("created_at")]


def events(ticket: Ticket, kind: str | None = None) -> list[tuple]:
    qs = TicketEvent.objects.filter(ticket=ticket).order_by("pk")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.values_list("kind", "field", "old_value", "new_value", "actor_id", "note"))


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


# --- ticket_change_status ---------------------------------------------------------------------


@freeze_time(T0)
def test_change_status_exactly(agent, ticket, notes):
    ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status="pending", note="Asked for logs")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.status_changed_at, fresh.version) == ("pending", T0, 2)
    assert events(ticket) == [("status_changed", "status", "open", "pending", agent.user.pk, "Asked for logs")]
    [payload] = outbox("ticket.status_changed")
    assert (payload["old_status"], payload["new_status"], payload["actor_id"], payload["ticket"]["status"]) == (
        "open",
        "pending",
        agent.user.pk,
        "pending",
    )
    assert notes == [
        {
            "ticket": ticket.pk,
            "events": ["status_changed"],
            "changes": {"status": ("open", "pending")},
            "actor": agent.user,
        }
    ]


def test_reopening_saves_the_status_and_clears_both_stamps(agent, ticket):
    with freeze_time("2026-03-02 10:00:00"):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="resolved")
    with freeze_time("2026-03-02 11:00:00"):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="closed")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.resolved_at, fresh.closed_at) == (
        "closed",
        datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
    )
    with freeze_time("2026-03-02 12:00:00"):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="open")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.resolved_at, fresh.closed_at, fresh.status_changed_at) == (
        "open",
        None,
        None,
        datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
    )


def test_resolving_then_reopening_from_resolved(agent, ticket):
    with freeze_time("2026-03-02 10:00:00"):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="resolved")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.resolved_at, fresh.closed_at) == (
        "resolved",
        datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        None,
    )
    services.ticket_change_status(ticket=ticket, actor=agent.user, status="in_progress")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.resolved_at, fresh.closed_at) == ("in_progress", None, None)


def test_status_refusals_are_exact(agent, ticket):
    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="archived")
    assert exc.value.message_dict == {
        "status": [
            "'archived' is not a valid status; use one of: open, in_progress, pending, on_hold, resolved, closed."
        ]
    }
    services.ticket_change_status(ticket=ticket, actor=agent.user, status="closed")
    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="pending")
    assert exc.value.message_dict == {"status": ["Cannot change status from 'closed' to 'pending'; allowed: open."]}
    assert exc.value.args[1] == "invalid_transition"


@pytest.fixture
def required_on_resolve(ticket):
    field = baker.make_recipe("tests.tickets.custom_field", key="resolution_code", required_statuses=["resolved"])
    return field


def test_an_agent_cannot_resolve_without_the_required_fields(agent, ticket, required_on_resolve):
    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="resolved")
    assert list(exc.value.message_dict) == ["custom_fields.resolution_code"]
    assert exc.value.args[1] == "required_custom_field"
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_a_script_without_an_actor_is_held_to_the_required_fields(ticket, required_on_resolve):
    """No actor and no rule applying (a script, a task): refused like an agent."""
    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=None, status="resolved")
    assert list(exc.value.message_dict) == ["custom_fields.resolution_code"]
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_a_customer_is_not_held_up_by_a_field_only_agents_see(ticket, customer_a, required_on_resolve):
    services.ticket_change_status(ticket=ticket, actor=customer_a.user, status="resolved")
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"


# --- ticket_assign ----------------------------------------------------------------------------


def test_assign_exactly(agent, senior_agent, ticket, notes):
    ticket = services.ticket_assign(ticket=ticket, actor=senior_agent.user, assignee=agent.user, note="Yours")
    s, a = senior_agent.user.pk, agent.user.pk
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == a
    assert events(ticket) == [("assigned", "assignee", None, a, s, "Yours")]
    [payload] = outbox("ticket.assigned")
    assert (
        payload["old_assignee_id"],
        payload["assignee_id"],
        payload["actor_id"],
        payload["ticket"]["assignee_id"],
    ) == (
        None,
        a,
        s,
        a,
    )
    assert notes == [
        {"ticket": ticket.pk, "events": ["assigned"], "changes": {"assignee": (None, a)}, "actor": senior_agent.user}
    ]

    services.ticket_assign(ticket=ticket, actor=senior_agent.user, assignee=None)
    # The outbox's ids are UUIDs: find the second event by what it says, not by its position.
    pairs = [(p["old_assignee_id"], p["assignee_id"]) for p in outbox("ticket.assigned")]
    assert sorted(pairs, key=str) == sorted([(None, a), (a, None)], key=str)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("customer", "Tickets can only be assigned to active agents."),
        ("viewer", "Tickets cannot be assigned to a viewer (the role is read-only)."),
    ],
)
def test_assign_refusal_is_exact(agent, ticket, customer_a, make_agent, kind, message):
    assignee = customer_a.user if kind == "customer" else make_agent(Role.VIEWER).user
    with pytest.raises(ValidationError) as exc:
        services.ticket_assign(ticket=ticket, actor=agent.user, assignee=assignee)
    assert exc.value.message_dict == {"assignee": [message]}
    assert exc.value.args[1] == "not_an_agent"


def test_assign_with_a_stale_version_is_refused(agent, ticket):
    with pytest.raises(ApplicationError) as exc:
        services.ticket_assign(ticket=ticket, actor=agent.user, assignee=agent.user, expected_version=[5, 6])
    assert exc.value.http_status == 412
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


# --- ticket_assign_by_strategy ----------------------------------------------------------------


def test_assign_by_strategy_refusals_are_exact(agent, customer_a):
    team = baker.make_recipe("tests.agents.team", name="Empty", auto_assign_priorities=[])
    ticket = services.ticket_create(actor=agent.user, title="Needs somebody", customer=customer_a)

    with pytest.raises(ValidationError) as exc:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy="random")
    assert exc.value.message_dict == {
        "strategy": ["'random' is not a valid strategy; use one of: round_robin, least_loaded, skills, seniority."]
    }
    assert exc.value.args[1] == "invalid_strategy"

    with pytest.raises(ApplicationError) as caught:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)
    e = caught.value
    assert (e.message, e.code, e.extra, e.http_status) == (
        "This ticket has no team to assign it from; set its team first.",
        "no_team",
        {},
        409,
    )

    ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"team": team})
    with pytest.raises(ApplicationError) as caught:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy="least_loaded")
    e = caught.value
    assert (e.message, e.code, e.extra, e.http_status) == (
        "No agent of this ticket's team is available to take it: every member is unavailable, "
        "at capacity or read-only. It stays in the queue.",
        "no_agent_available",
        {"team": team.pk},
        409,
    )

    services.ticket_change_status(ticket=ticket, actor=agent.user, status="resolved")
    with pytest.raises(ApplicationError) as caught:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)
    e = caught.value
    assert (e.message, e.code, e.http_status) == (
        "A resolved ticket is not assigned by strategy; reopen it first.",
        "ticket_not_active",
        409,
    )


@pytest.mark.parametrize(
    ("strategy", "note"),
    [(None, "Assigned with the team strategy."), ("least_loaded", "Assigned with the least_loaded strategy.")],
)
def test_assign_by_strategy_notes_the_strategy(agent, customer_a, strategy, note):
    team = baker.make_recipe("tests.agents.team", name="Solo", auto_assign_priorities=[])
    agent.teams.add(team)
    ticket = services.ticket_create(actor=agent.user, title="For the solo team", customer=customer_a, team=team)

    ticket = services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy=strategy)

    assert ticket.assignee == agent.user
    assert events(ticket, EventKind.ASSIGNED) == [("assigned", "assignee", None, agent.user.pk, agent.user.pk, note)]


# --- auto-assignment on create ----------------------------------------------------------------


@pytest.mark.parametrize(("priority", "assigned"), [("high", True), ("low", False)])
def test_auto_assignment_on_create(agent, customer_a, priority, assigned):
    team = baker.make_recipe(
        "tests.agents.team", name="Auto", auto_assign_priorities=["high"], assignment_strategy="least_loaded"
    )
    agent.teams.add(team)

    ticket = services.ticket_create(
        actor=agent.user, title="Auto one", customer=customer_a, priority=priority, team=team
    )

    if assigned:
        assert ticket.assignee == agent.user
        assert events(ticket, EventKind.ASSIGNED) == [
            ("assigned", "assignee", None, agent.user.pk, None, "Auto-assigned on creation (least_loaded).")
        ]
    else:
        assert ticket.assignee is None
        assert events(ticket, EventKind.ASSIGNED) == []


def test_no_auto_assignment_when_the_priorities_are_not_a_list(agent, customer_a):
    team = baker.make_recipe("tests.agents.team", name="Manual", auto_assign_priorities={"high": True})
    agent.teams.add(team)
    ticket = services.ticket_create(
        actor=agent.user, title="Manual one", customer=customer_a, priority="high", team=team
    )
    assert ticket.assignee is None


# --- ticket_escalate and ticket_delete --------------------------------------------------------


@freeze_time(T0)
@pytest.mark.parametrize(("before", "after"), [("low", "medium"), ("high", "critical"), ("critical", "critical")])
def test_escalate_exactly(agent, senior_agent, customer_a, notes, before, after):
    team = baker.make_recipe("tests.agents.team", name="Esc", lead=senior_agent.user, auto_assign_priorities=[])
    ticket = services.ticket_create(
        actor=agent.user, title="Escalate me", customer=customer_a, priority=before, team=team
    )
    notes.clear()

    ticket = services.ticket_escalate(ticket=ticket, actor=agent.user, reason="Customer called twice")

    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.priority, fresh.escalated, fresh.escalated_at, fresh.version) == (after, True, T0, 2)
    assert events(ticket, EventKind.ESCALATED) == [
        ("escalated", "priority", before, after, agent.user.pk, "Customer called twice")
    ]
    [payload] = outbox("ticket.escalated")
    del payload["ticket"]
    assert payload == {
        "team_lead_id": senior_agent.user.pk,
        "rule": None,  # an agent, not a rule
        "reason": "Customer called twice",
        "old_priority": before,
        "new_priority": after,
        "actor_id": agent.user.pk,
    }
    assert notes == [
        {
            "ticket": ticket.pk,
            "events": ["updated"],
            "changes": {"priority": (before, after)} if before != after else {},
            "actor": agent.user,
        }
    ]


def test_escalating_a_teamless_ticket_names_no_lead(agent, ticket):
    services.ticket_escalate(ticket=ticket, actor=agent.user, reason="Why not")
    assert outbox("ticket.escalated")[0]["team_lead_id"] is None


def test_delete_exactly(admin_agent, ticket):
    pk, title = ticket.pk, ticket.title
    services.ticket_delete(ticket=ticket, actor=admin_agent.user)
    assert not Ticket.objects.filter(pk=pk).exists()
    [payload] = outbox("ticket.deleted")
    assert (payload["ticket"]["id"], payload["ticket"]["title"], payload["actor_id"]) == (
        pk,
        title,
        admin_agent.user.pk,
    )


def test_delete_with_a_stale_version_is_refused(admin_agent, ticket):
    with pytest.raises(ApplicationError):
        services.ticket_delete(ticket=ticket, actor=admin_agent.user, expected_version=99)
    assert Ticket.objects.filter(pk=ticket.pk).exists()
