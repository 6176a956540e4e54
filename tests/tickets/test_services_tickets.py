"""ticket_create, ticket_update, ticket_change_status, ticket_assign, ticket_delete against the database."""

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from customers.models import Customer
from notifications.models import OutboxEvent
from tickets import services
from tickets.models import Channel, EventKind, Priority, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


# --- ticket_create ----------------------------------------------------------------------------


def test_create_finds_or_creates_the_customer_and_matches_the_organization(agent, org_a):
    from customers.services import organization_set_domains

    organization_set_domains(organization=org_a, domains=["acme.example"])
    ticket = services.ticket_create(
        actor=agent.user, title="Cannot log in", customer_email="New.Person@ACME.example", customer_name="New Person"
    )
    customer = Customer.objects.get(email="new.person@acme.example")
    assert ticket.customer == customer
    assert customer.organization == org_a
    assert ticket.organization == org_a
    again = services.ticket_create(actor=agent.user, title="Second one", customer_email="new.person@acme.example")
    assert again.customer == customer
    assert Customer.objects.filter(email="new.person@acme.example").count() == 1


def test_create_records_an_event_and_publishes(agent, customer_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = services.ticket_create(
            actor=agent.user, title="  Broken invoice  ", customer=customer_a, tags=["VIP"], priority="high"
        )
    assert ticket.title == "Broken invoice"
    assert ticket.tags == ["vip"]
    assert ticket.priority_rank == 3
    assert ticket.channel == Channel.WEB
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.actor, event.new_value) == (EventKind.CREATED, agent.user, Status.OPEN)
    assert OutboxEvent.objects.filter(event="ticket.created", payload__ticket__id=ticket.pk).exists()
    assert len(callbacks) >= 1


def test_create_routes_to_the_category_team_else_the_default_team(agent, customer_a):
    billing = baker.make_recipe("tests.agents.team", name="Billing")
    default = baker.make_recipe("tests.agents.team", name="Front", is_default=True)
    baker.make_recipe("tests.tickets.category", slug="billing", team=billing)
    routed = services.ticket_create(actor=agent.user, title="Invoice wrong", customer=customer_a, category="billing")
    unrouted = services.ticket_create(actor=agent.user, title="Other thing", customer=customer_a)
    assert routed.team == billing
    assert unrouted.team == default


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        pytest.param({"title": "ab"}, {"title"}, id="short-title"),
        pytest.param({"title": "<b>x</b> title"}, {"title"}, id="markup-title"),
        pytest.param({"priority": "LOW"}, {"priority"}, id="wrong-case-priority"),
        pytest.param({"category": "nope"}, {"category"}, id="unknown-category"),
        pytest.param({"customer_email": "invalid"}, {"customer_email"}, id="invalid-email"),
        pytest.param({"customer_email": None}, {"customer_email"}, id="no-customer"),
        pytest.param({"tags": "x"}, {"tags"}, id="tags-not-a-list"),
        pytest.param(
            {"title": "", "priority": "urgent", "customer_email": "bad"},
            {"title", "priority", "customer_email"},
            id="every-error-at-once",
        ),
    ],
)
def test_create_rejects_bad_input_naming_every_field(agent, kwargs, fields):
    data = {"title": "A valid title", "priority": "medium", "customer_email": "someone@example.com", **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.ticket_create(actor=agent.user, **data)
    assert set(exc.value.message_dict) == fields
    assert Ticket.objects.count() == 0


def test_create_refuses_a_duplicate_external_id(agent, customer_a):
    services.ticket_create(actor=agent.user, title="First one", customer=customer_a, external_id="EXT-9")
    with pytest.raises(ValidationError) as exc:
        services.ticket_create(actor=agent.user, title="Second one", customer=customer_a, external_id="EXT-9")
    assert "external_id" in exc.value.message_dict


# --- ticket_update ----------------------------------------------------------------------------


def test_update_records_each_changed_field_and_bumps_the_version(agent, ticket):
    category = baker.make_recipe("tests.tickets.category", slug="technical")
    version = ticket.version
    ticket = services.ticket_update(
        ticket=ticket,
        actor=agent.user,
        data={"title": "New title", "priority": "critical", "category": "technical", "tags": ["a"]},
    )
    events = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.UPDATED).order_by("field")
    assert [(e.field, e.new_value) for e in events] == [
        ("category", category.pk),
        ("priority", "critical"),
        ("tags", ["a"]),
        ("title", "New title"),
    ]
    assert ticket.version == version + 1
    assert ticket.priority_rank == 4
    assert OutboxEvent.objects.filter(event="ticket.updated").count() == 1


def test_update_without_changes_writes_nothing(agent, ticket):
    ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"title": ticket.title})
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_update_hands_status_and_assignee_to_their_services(agent, ticket):
    ticket = services.ticket_update(
        ticket=ticket, actor=agent.user, data={"status": Status.IN_PROGRESS, "assignee": agent.user}
    )
    assert (ticket.status, ticket.assignee) == (Status.IN_PROGRESS, agent.user)
    kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == {EventKind.STATUS_CHANGED, EventKind.ASSIGNED}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"customer": None}, "customer", id="not-updatable"),
        pytest.param({"title": "x"}, "title", id="short-title"),
        pytest.param({"priority": "HIGH"}, "priority", id="wrong-case"),
        pytest.param({"metadata": []}, "metadata", id="metadata-list"),
    ],
)
def test_update_rejects_bad_input(agent, ticket, data, field):
    with pytest.raises(ValidationError) as exc:
        services.ticket_update(ticket=ticket, actor=agent.user, data=data)
    assert field in exc.value.message_dict


def test_update_refuses_another_tickets_external_id(agent, customer_a):
    services.ticket_create(actor=agent.user, title="First one", customer=customer_a, external_id="EXT-1")
    other = services.ticket_create(actor=agent.user, title="Second one", customer=customer_a)
    with pytest.raises(ValidationError) as exc:
        services.ticket_update(ticket=other, actor=agent.user, data={"external_id": "EXT-1"})
    assert "external_id" in exc.value.message_dict


# --- ticket_change_status ----------------------------------------------------------------------


def test_same_status_is_a_no_op(agent, ticket):
    services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_unknown_status_names_status(agent, ticket):
    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=agent.user, status="archived")
    assert "status" in exc.value.message_dict


def test_timestamps_set_on_resolve_and_close_and_cleared_on_reopen(agent, ticket):
    with freeze_time("2026-03-02 10:00:00"):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.RESOLVED)
    resolved_at = ticket.resolved_at
    with freeze_time("2026-03-03 10:00:00"):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.CLOSED)
    assert ticket.resolved_at == resolved_at  # kept: it was resolved before it was closed
    assert ticket.closed_at.isoformat().startswith("2026-03-03T10:00")
    ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)
    ticket.refresh_from_db()
    assert (ticket.resolved_at, ticket.closed_at) == (None, None)


def test_closing_an_unresolved_ticket_sets_resolved_at_too(agent, ticket):
    ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.CLOSED)
    assert ticket.resolved_at == ticket.closed_at


# --- ticket_assign and ticket_delete ----------------------------------------------------------


def test_assign_and_unassign(agent, senior_agent, ticket):
    ticket = services.ticket_assign(ticket=ticket, actor=senior_agent.user, assignee=agent.user)
    assert ticket.assignee == agent.user
    again = services.ticket_assign(ticket=ticket, actor=senior_agent.user, assignee=agent.user)  # no-op
    ticket = services.ticket_assign(ticket=again, actor=senior_agent.user, assignee=None)
    assert ticket.assignee is None
    events = list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED).values_list("old_value", "new_value")
    )
    assert events == [(None, agent.user.pk), (agent.user.pk, None)]


def test_assign_refuses_a_non_agent(agent, ticket, customer_a):
    with pytest.raises(ValidationError) as exc:
        services.ticket_assign(ticket=ticket, actor=agent.user, assignee=customer_a.user)
    assert "assignee" in exc.value.message_dict


def test_delete_publishes_the_last_state(admin_agent, ticket):
    pk = ticket.pk
    services.ticket_delete(ticket=ticket, actor=admin_agent.user)
    assert not Ticket.objects.filter(pk=pk).exists()
    assert OutboxEvent.objects.filter(event="ticket.deleted", payload__ticket__id=pk).exists()


def test_priority_values_are_exact(agent, customer_a):
    ticket = services.ticket_create(actor=agent.user, title="Valid title", customer=customer_a, priority=Priority.LOW)
    assert ticket.priority == "low"
