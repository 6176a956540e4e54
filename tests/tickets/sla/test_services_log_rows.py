"""The SLA log rows (metric, kind, time, detail) a public reply and a status change write, and the
columns they leave, written out by hand; a tier recompute's query count. 24x7 calendar: targets
are wall-clock minutes (found by mutation testing of tickets/sla/services.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from model_bakery import baker

from customers.models import Tier
from tests.tickets.conftest import sla_defaults_create
from tickets import comments, services
from tickets.models import BusinessCalendar, SLAEvent, SLAPolicy, SLATarget, Status, Ticket
from tickets.sla import services as sla_services

pytestmark = pytest.mark.django_db

MONDAY_10 = datetime(2025, 1, 6, 10, tzinfo=UTC)


def at(**delta: float) -> datetime:
    return MONDAY_10 + timedelta(**delta)


def log(ticket: Ticket) -> list[tuple[str, str, datetime, dict]]:
    rows = SLAEvent.objects.filter(ticket=ticket).order_by("at", "id")
    return list(rows.values_list("metric", "kind", "at", "detail"))


CREATED = [
    ("first_response", "started", MONDAY_10, {}),
    ("resolution", "started", MONDAY_10, {}),
]


@pytest.fixture
def chat() -> SLAPolicy:
    """Medium: first response 30 min, next reply 60 min (20 for enterprise), resolution 600 min;
    the next-reply clock pauses on hold."""
    sla_defaults_create()  # the shipped calendars (a transactional test may have flushed them)
    row = SLAPolicy.objects.create(name="Chat", position=1, calendar=BusinessCalendar.objects.get(name="24x7"))
    row.pause_statuses = {"first_response": [], "next_reply": ["on_hold"], "resolution": ["pending"]}
    row.save()
    SLATarget.objects.create(
        policy=row, priority="medium", first_response_minutes=30, next_reply_minutes=60, resolution_minutes=600
    )
    SLATarget.objects.create(
        policy=row,
        priority="medium",
        tier=Tier.ENTERPRISE,
        first_response_minutes=30,
        next_reply_minutes=20,
        resolution_minutes=600,
    )
    return row


def create(customer, priority: str = "medium") -> Ticket:
    with freeze_time(MONDAY_10):
        return services.ticket_create(actor=None, title="Help", customer=customer, priority=priority)


def reply(ticket: Ticket, minutes: float, *, actor=None, customer=None) -> Ticket:
    with freeze_time(at(minutes=minutes)):
        comments.comment_add(ticket=ticket, body="Hello", actor=actor, customer=customer)
    ticket.refresh_from_db()
    return ticket


def move(ticket: Ticket, minutes: float, status: str, actor=None) -> Ticket:
    with freeze_time(at(minutes=minutes)):
        ticket = services.ticket_change_status(ticket=ticket, actor=actor, status=status)
    ticket.refresh_from_db()
    return ticket


# --- replies ----------------------------------------------------------------------------------------


def test_an_agents_first_reply_is_logged_as_the_first_response_by_reply(chat, customer_a, agent):
    ticket = reply(create(customer_a), 10, actor=agent.user)

    assert ticket.first_responded_at == at(minutes=10)
    assert log(ticket) == [*CREATED, ("first_response", "achieved", at(minutes=10), {"by": "reply"})]


def test_the_next_reply_target_is_the_customers_tier_row(chat, customer_a, agent):
    customer_a.tier = Tier.ENTERPRISE
    customer_a.save()
    ticket = reply(create(customer_a), 10, actor=agent.user)

    ticket = reply(ticket, 60, customer=customer_a)

    assert ticket.next_reply_due_at == at(minutes=80)


def test_a_customer_reply_on_hold_starts_the_next_reply_clock_paused(chat, customer_a, agent):
    ticket = reply(create(customer_a), 10, actor=agent.user)
    ticket = move(ticket, 20, Status.ON_HOLD, actor=agent.user)

    ticket = reply(ticket, 30, customer=customer_a)

    assert ticket.status == Status.ON_HOLD
    assert ticket.next_reply_due_at == at(minutes=90)
    assert log(ticket) == [
        *CREATED,
        ("first_response", "achieved", at(minutes=10), {"by": "reply"}),
        ("next_reply", "started", at(minutes=30), {}),
        ("next_reply", "paused", at(minutes=30), {"status": "on_hold"}),
    ]
    # Back to open at 50 min: 20 paused minutes push the 60-minute target to 110 min.
    ticket = move(ticket, 50, Status.OPEN, actor=agent.user)
    assert ticket.next_reply_due_at == at(minutes=110)


def test_a_customer_reply_in_a_status_that_does_not_pause_starts_a_running_clock(chat, customer_a, agent):
    ticket = reply(create(customer_a), 10, actor=agent.user)

    ticket = reply(ticket, 30, customer=customer_a)

    assert ticket.next_reply_due_at == at(minutes=90)
    assert log(ticket)[-1] == ("next_reply", "started", at(minutes=30), {})


# --- status changes -----------------------------------------------------------------------------


def test_an_agent_moving_to_in_progress_logs_the_first_response_by_status(wall_clock, customer_a, agent):
    ticket = move(create(customer_a, "high"), 20, Status.IN_PROGRESS, actor=agent.user)

    assert ticket.first_responded_at == at(minutes=20)
    assert ticket.sla_paused_at is None
    assert log(ticket) == [*CREATED, ("first_response", "achieved", at(minutes=20), {"by": "status"})]


def test_an_agent_resuming_from_pending_saves_both_the_first_response_and_the_pushed_due(wall_clock, customer_a, agent):
    """High: 24 h resolution. Pending (by the system) from 1 h to 2 h: due at 25 h; the agent's
    move to in_progress at 2 h is also the first response."""
    ticket = move(create(customer_a, "high"), 60, Status.PENDING)
    assert ticket.sla_paused_at == at(hours=1)

    ticket = move(ticket, 120, Status.IN_PROGRESS, actor=agent.user)

    assert ticket.first_responded_at == at(hours=2)
    assert ticket.sla_paused_at is None
    assert ticket.sla_paused_minutes == 60
    assert ticket.resolution_due_at == at(hours=25)
    assert log(ticket) == [
        *CREATED,
        ("resolution", "paused", at(hours=1), {"status": "pending"}),
        ("first_response", "achieved", at(hours=2), {"by": "status"}),
        ("resolution", "resumed", at(hours=2), {"status": "in_progress"}),
    ]


# --- the tier recompute ------------------------------------------------------------------------------


def test_the_tier_recompute_reads_the_tickets_with_their_category(wall_clock, customer_a, django_assert_num_queries):
    """A policy on the category: the category comes with the locked tickets, not one query each."""
    category = baker.make_recipe("tests.tickets.category")
    row = SLAPolicy.objects.create(name="Billing", position=1, calendar=wall_clock.calendar)
    row.conditions = {"all": [{"field": "category", "operator": "is", "value": category.slug}], "any": []}
    row.save()
    SLATarget.objects.create(
        policy=row, priority="high", tier=Tier.ENTERPRISE, first_response_minutes=10, resolution_minutes=100
    )
    with freeze_time(MONDAY_10):
        tickets = [
            services.ticket_create(actor=None, title="Bill", customer=customer_a, priority="high", category=category)
            for _ in range(3)
        ]
    customer_a.tier = Tier.ENTERPRISE
    customer_a.save()
    sla_services.policies_cached()  # the policies are cached: not part of the count

    with freeze_time(at(minutes=5)), django_assert_num_queries(5):
        assert sla_services.tickets_sla_recompute_for_customer(customer=customer_a) == 3

    for ticket in tickets:
        ticket.refresh_from_db()
        assert (ticket.first_response_due_at, ticket.resolution_due_at) == (at(minutes=10), at(minutes=100))
