"""tickets/time_tracking.py, value by value: minutes accepted and refused (exact messages), the
stored entry and its audit event, who may remove one, and hand-summed totals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from agents.models import Role
from config.exceptions import ApplicationError
from tickets import time_tracking
from tickets.models import Ticket, TicketEvent, TimeEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        pytest.param(1, 1, id="one"),
        pytest.param(1440, 1440, id="one-day"),
        pytest.param("45", 45, id="text"),
        pytest.param(" 30 ", 30, id="text-with-spaces"),
    ],
)
def test_minutes_accepted(agent, ticket, minutes, expected):
    entry = time_tracking.time_entry_add(ticket=ticket, actor=agent.user, minutes=minutes)
    assert TimeEntry.objects.get(pk=entry.pk).minutes == expected


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        pytest.param(0, "Between 1 and 1440 minutes (one day) per entry.", id="zero"),
        pytest.param(1441, "Between 1 and 1440 minutes (one day) per entry.", id="over-a-day"),
        pytest.param(-5, "Between 1 and 1440 minutes (one day) per entry.", id="negative"),
        pytest.param(True, "A whole number of minutes.", id="boolean"),
        pytest.param(2.5, "A whole number of minutes.", id="float"),
        pytest.param(None, "A whole number of minutes.", id="none"),
        pytest.param("1.5", "'1.5' is not a whole number of minutes.", id="decimal-text"),
        pytest.param("x" * 30, f"'{'x' * 20}' is not a whole number of minutes.", id="long-text-cut"),
    ],
)
def test_minutes_refused_exactly(agent, ticket, minutes, message):
    with pytest.raises(ValidationError) as exc:
        time_tracking.time_entry_add(ticket=ticket, actor=agent.user, minutes=minutes)
    assert exc.value.message_dict == {"minutes": [message]}
    assert not TimeEntry.objects.exists()


@freeze_time("2026-03-02 10:00:00")
def test_an_entry_exactly(agent, ticket):
    comment = baker.make_recipe("tests.tickets.comment", ticket=ticket)
    entry = time_tracking.time_entry_add(
        ticket=ticket, actor=agent.user, minutes=25, is_billable=1, note="  Call with customer  ", comment=comment
    )
    stored = TimeEntry.objects.get(pk=entry.pk)
    assert (stored.ticket, stored.comment, stored.agent, stored.customer_id, stored.organization_id) == (
        ticket,
        comment,
        agent.user,
        ticket.customer_id,
        ticket.organization_id,
    )
    assert (stored.minutes, stored.is_billable, stored.note) == (25, True, "Call with customer")
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.actor, event.kind, event.field, event.old_value, event.new_value, event.note) == (
        agent.user,
        "updated",
        "time_spent",
        None,
        {"minutes": 25, "billable": True, "time_entry_id": entry.pk},
        "Call with customer",
    )


def test_entry_defaults(agent, ticket):
    entry = time_tracking.time_entry_add(ticket=ticket, actor=agent.user, minutes=5, note=None)
    stored = TimeEntry.objects.get(pk=entry.pk)
    assert (stored.is_billable, stored.note, stored.comment) == (False, "", None)


def test_entry_refusals_are_exact_and_all_at_once(agent, ticket, customer_a):
    elsewhere = baker.make_recipe(
        "tests.tickets.comment", ticket=baker.make_recipe("tests.tickets.ticket", customer=customer_a)
    )
    with pytest.raises(ValidationError) as exc:
        time_tracking.time_entry_add(ticket=ticket, actor=agent.user, minutes=0, note="n" * 501, comment=elsewhere)
    assert exc.value.message_dict == {
        "minutes": ["Between 1 and 1440 minutes (one day) per entry."],
        "comment": ["That message belongs to another ticket."],
        "note": ["At most 500 characters."],
    }
    entry = time_tracking.time_entry_add(ticket=ticket, actor=agent.user, minutes=1, note="n" * 500)
    assert len(entry.note) == 500


@pytest.mark.parametrize("role", [Role.VIEWER, "customer"])
def test_only_writing_agents_log_time(ticket, make_agent, customer_a, role):
    user = customer_a.user if role == "customer" else make_agent(role).user
    with pytest.raises(ApplicationError):
        time_tracking.time_entry_add(ticket=ticket, actor=user, minutes=5)


def test_the_author_or_an_admin_removes_an_entry(agent, admin_agent, make_agent, ticket):
    mine = time_tracking.time_entry_add(ticket=ticket, actor=agent.user, minutes=10, is_billable=True)
    other = make_agent(Role.SENIOR_AGENT)
    with pytest.raises(ApplicationError) as exc:
        time_tracking.time_entry_delete(entry=mine, actor=other.user)
    assert (exc.value.message, exc.value.code, exc.value.http_status) == (
        "Only its author or an admin can remove a time entry.",
        "forbidden",
        403,
    )
    pk = mine.pk
    time_tracking.time_entry_delete(entry=mine, actor=agent.user)
    assert not TimeEntry.objects.filter(pk=pk).exists()
    event = TicketEvent.objects.filter(ticket=ticket).latest("pk")
    assert (event.actor, event.field, event.old_value, event.new_value, event.note) == (
        agent.user,
        "time_spent",
        {"minutes": 10, "billable": True, "time_entry_id": pk},
        None,
        "Time entry removed.",
    )
    theirs = time_tracking.time_entry_add(ticket=ticket, actor=other.user, minutes=3)
    time_tracking.time_entry_delete(entry=theirs, actor=admin_agent.user)
    assert TimeEntry.objects.count() == 0


# --- reads ------------------------------------------------------------------------------------


@pytest.fixture
def logged(agent, senior_agent, customer_a, customer_b):
    """agent: 30 (billable) + 15 on A's ticket; senior: 60 (billable) on B's ticket, 5 on A's."""
    a = baker.make_recipe(
        "tests.tickets.ticket", title="A's", customer=customer_a, organization=customer_a.organization
    )
    b = baker.make_recipe("tests.tickets.ticket", title="B's", customer=customer_b, organization=None)
    with freeze_time("2026-03-01 09:00:00"):
        time_tracking.time_entry_add(ticket=a, actor=agent.user, minutes=30, is_billable=True)
    with freeze_time("2026-03-02 09:00:00"):
        time_tracking.time_entry_add(ticket=a, actor=agent.user, minutes=15)
        time_tracking.time_entry_add(ticket=b, actor=senior_agent.user, minutes=60, is_billable=True)
    with freeze_time("2026-03-03 09:00:00"):
        time_tracking.time_entry_add(ticket=a, actor=senior_agent.user, minutes=5)
    return a, b


def test_time_entry_list_in_order_with_its_joins(logged, django_assert_num_queries):
    a, _ = logged
    with django_assert_num_queries(1):
        rows = [(e.minutes, e.agent.email, e.comment) for e in time_tracking.time_entry_list(ticket=a)]
    assert [r[0] for r in rows] == [30, 15, 5]


def test_time_totals(logged):
    a, _b = logged
    assert time_tracking.time_totals(TimeEntry.objects.all()) == {"minutes": 110, "billable_minutes": 90, "entries": 4}
    assert time_tracking.time_totals(TimeEntry.objects.filter(ticket=a)) == {
        "minutes": 50,
        "billable_minutes": 30,
        "entries": 3,
    }
    assert time_tracking.time_totals(TimeEntry.objects.none()) == {"minutes": 0, "billable_minutes": 0, "entries": 0}


def test_time_totals_by_agent_customer_organisation_and_ticket(logged, agent, senior_agent, customer_a, customer_b):
    a, _b = logged
    s, g = senior_agent.user, agent.user
    assert time_tracking.time_totals_by(dimension="agent") == [
        {"key": s.pk, "label": s.email, "minutes": 65, "billable_minutes": 60, "entries": 2},
        {"key": g.pk, "label": g.email, "minutes": 45, "billable_minutes": 30, "entries": 2},
    ]
    assert time_tracking.time_totals_by(dimension="customer") == [
        {"key": customer_b.pk, "label": "bob@globex.example", "minutes": 60, "billable_minutes": 60, "entries": 1},
        {"key": customer_a.pk, "label": "alice@acme.example", "minutes": 50, "billable_minutes": 30, "entries": 3},
    ]
    assert time_tracking.time_totals_by(dimension="organization") == [
        {"key": None, "label": "(none)", "minutes": 60, "billable_minutes": 60, "entries": 1},
        {"key": customer_a.organization_id, "label": "Acme Corp", "minutes": 50, "billable_minutes": 30, "entries": 3},
    ]
    assert time_tracking.time_totals_by(dimension="ticket", entries=TimeEntry.objects.filter(ticket=a)) == [
        {"key": a.pk, "label": "A's", "minutes": 50, "billable_minutes": 30, "entries": 3}
    ]


def test_time_totals_by_a_period_and_ties_by_key(logged, agent, senior_agent):
    start = datetime(2026, 3, 2, tzinfo=UTC)
    end = datetime(2026, 3, 3, tzinfo=UTC)
    assert time_tracking.time_totals_by(dimension="agent", start=start, end=end) == [
        {
            "key": senior_agent.user.pk,
            "label": senior_agent.user.email,
            "minutes": 60,
            "billable_minutes": 60,
            "entries": 1,
        },
        {"key": agent.user.pk, "label": agent.user.email, "minutes": 15, "billable_minutes": 0, "entries": 1},
    ]
    assert [
        r["minutes"] for r in time_tracking.time_totals_by(dimension="agent", start=datetime(2026, 3, 3, 9, tzinfo=UTC))
    ] == [5]
    assert [
        r["minutes"]
        for r in time_tracking.time_totals_by(dimension="agent", end=datetime(2026, 3, 1, 9, 0, 1, tzinfo=UTC))
    ] == [30]
    TimeEntry.objects.all().delete()
    tied = baker.make_recipe("tests.tickets.ticket", title="Tied")
    second = baker.make_recipe("tests.tickets.ticket", title="Tied too")
    for t in (second, tied):
        time_tracking.time_entry_add(ticket=t, actor=agent.user, minutes=7)
    keys = [r["key"] for r in time_tracking.time_totals_by(dimension="ticket")]
    assert keys == sorted([tied.pk, second.pk])


def test_with_time_minutes(logged, make_ticket):
    _a, _b = logged
    make_ticket(title="No time")
    minutes = dict(time_tracking.with_time_minutes(Ticket.objects.all()).values_list("title", "time_minutes"))
    assert minutes == {"A's": 50, "B's": 60, "No time": 0}
