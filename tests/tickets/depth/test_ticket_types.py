"""Ticket types: the seeded list, the services, the API (read, write, filter), rules, reports,
exports and the outbox payload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from notifications.models import OutboxEvent
from tickets import exports, reports, services
from tickets.conditions import evaluate, to_q, validate_conditions
from tickets.models import EventKind, TicketEvent, TicketType
from tickets.rules.triggers import facts_for

pytestmark = pytest.mark.django_db


def _type(slug: str) -> TicketType:
    return TicketType.objects.get(slug=slug)


def test_the_four_default_types_are_seeded_in_order():
    assert list(TicketType.objects.values_list("slug", "name", "is_active")) == [
        ("question", "Question", True),
        ("incident", "Incident", True),
        ("problem", "Problem", True),
        ("task", "Task", True),
    ]


def test_create_and_update_by_slug_record_the_change(agent, customer_a):
    ticket = services.ticket_create(actor=agent.user, title="Down", customer=customer_a, ticket_type="incident")
    assert ticket.ticket_type == _type("incident")
    services.ticket_update(ticket=ticket, actor=agent.user, data={"ticket_type": "problem"})
    ticket.refresh_from_db()
    assert ticket.ticket_type.slug == "problem"
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.UPDATED, field="ticket_type")
    assert (event.old_value, event.new_value) == (_type("incident").pk, _type("problem").pk)
    payload = OutboxEvent.objects.get(event="ticket.updated").payload
    assert payload["ticket"]["type"] == "problem"
    assert payload["changes"]["ticket_type"] == {"old": _type("incident").pk, "new": _type("problem").pk}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("bug", "Unknown ticket type 'bug'; use one of: question, incident, problem.", id="unknown"),
        pytest.param("task", "Unknown ticket type 'task'; use one of: question, incident, problem.", id="inactive"),
    ],
)
def test_an_unknown_or_inactive_type_is_refused(agent, customer_a, value, message):
    TicketType.objects.filter(slug="task").update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.ticket_create(actor=agent.user, title="Broken", customer=customer_a, ticket_type=value)
    assert exc.value.message_dict == {"ticket_type": [message]}


def test_api_reads_writes_and_filters_by_type(api_agent, customer_a):
    created = api_agent.post(
        "/api/v1/tickets/", {"title": "How do I?", "customer_email": customer_a.email, "type": "question"}
    )
    assert created.status_code == 201, created.content
    assert created.json()["type"] == "question"
    other = api_agent.post("/api/v1/tickets/", {"title": "Untyped", "customer_email": customer_a.email})
    assert other.json()["type"] is None

    patched = api_agent.patch(f"/api/v1/tickets/{other.json()['id']}/", {"type": "incident"})
    assert patched.status_code == 200, patched.content
    assert patched.json()["type"] == "incident"

    listed = api_agent.get("/api/v1/tickets/?type=question")
    assert [t["title"] for t in listed.json()["results"]] == ["How do I?"]
    assert api_agent.get("/api/v1/tickets/?type=none").json()["results"] == []


def test_api_refuses_an_unknown_type_naming_the_field(api_agent, customer_a):
    response = api_agent.post(
        "/api/v1/tickets/", {"title": "Broken", "customer_email": customer_a.email, "type": "bug"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": ["Unknown ticket type 'bug': send a type slug (question, incident, problem, task)."]
    }


def test_type_is_a_rule_condition_in_python_and_sql(make_ticket):
    incident = make_ticket(ticket_type=_type("incident"))
    question = make_ticket(ticket_type=_type("question"))
    untyped = make_ticket()
    from tickets.models import Ticket

    conditions = validate_conditions(
        {"all": [{"field": "ticket_type", "operator": "is", "value": "incident"}]}, context="automation"
    )
    now = datetime.now(tz=UTC)
    sql = set(Ticket.objects.filter(to_q(conditions, now=now)).values_list("pk", flat=True))
    python = {t.pk for t in (incident, question, untyped) if evaluate(conditions, facts_for(t)).matched}
    assert sql == python == {incident.pk}
    blank = {"all": [{"field": "ticket_type", "operator": "blank"}], "any": []}
    assert set(Ticket.objects.filter(to_q(blank, now=now)).values_list("pk", flat=True)) == {untyped.pk}


def test_report_breaks_down_by_type(make_ticket):
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with freeze_time(start + timedelta(days=1)):
        make_ticket(ticket_type=_type("incident"), created_at=start + timedelta(hours=1))
        make_ticket(ticket_type=_type("incident"), created_at=start + timedelta(hours=2))
        make_ticket(ticket_type=_type("task"), created_at=start + timedelta(hours=3))
        make_ticket(created_at=start + timedelta(hours=4))
        rows = reports.report_rows(dimension="type", start=start, end=start + timedelta(days=1), user=None)
    assert {(row["label"], row["created"]) for row in rows} == {("Incident", 2), ("Task", 1), ("(none)", 1)}


def test_exports_carry_the_type(make_ticket):
    typed = make_ticket(ticket_type=_type("problem"))
    untyped = make_ticket()
    from tickets.models import Ticket

    rows = {row["id"]: row["type"] for row in exports.export_rows(Ticket.objects.all(), chunk_size=10)}
    assert rows == {typed.pk: "problem", untyped.pk: None}
