"""The breach and warning scan (tickets/sla/scans.py) stated exactly: the columns it stamps, the
ticket events (field, value, note), the SLA log rows and the outbox payloads it writes for a late
next reply, a first-response or resolution breach and a warning, with times hand-computed on the
24x7 calendar (wall-clock minutes); its log line and its batch limits (found by mutation testing)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from model_bakery import baker

from notifications.models import OutboxEvent
from tests.tickets.conftest import sla_defaults_create
from tickets import comments, services
from tickets.models import BusinessCalendar, EventKind, SLAEvent, SLAPolicy, SLATarget, Status, Ticket, TicketEvent
from tickets.sla import scans
from tickets.sla.selection import policies_cached

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday
T0 = NOW - timedelta(hours=3)


def at(**delta: float) -> datetime:
    return T0 + timedelta(**delta)


@pytest.fixture
def chat(db) -> SLAPolicy:
    """Every priority: first response 30 min, next reply 60 min, resolution 600 min (warning at
    480), on the 24x7 calendar; the next-reply clock pauses on hold."""
    sla_defaults_create()  # the shipped calendars (a transactional test may have flushed them)
    row = SLAPolicy.objects.create(name="Chat", position=1, calendar=BusinessCalendar.objects.get(name="24x7"))
    row.pause_statuses = {"first_response": [], "next_reply": ["on_hold"], "resolution": ["pending"]}
    row.save()
    for priority in ("low", "medium", "high", "critical"):
        SLATarget.objects.create(
            policy=row, priority=priority, first_response_minutes=30, next_reply_minutes=60, resolution_minutes=600
        )
    return row


@pytest.fixture
def desk(agent):
    """A team led by `agent`, and a category."""
    team = baker.make_recipe("tests.agents.team", lead=agent.user, auto_assign_priorities=[])
    return team, baker.make_recipe("tests.tickets.category")


def create(customer, minutes: float = 0, **kwargs) -> Ticket:
    with freeze_time(at(minutes=minutes)):
        return services.ticket_create(actor=None, title="Help", customer=customer, priority="medium", **kwargs)


def reply(ticket: Ticket, minutes: float, *, actor=None, customer=None) -> Ticket:
    with freeze_time(at(minutes=minutes)):
        comments.comment_add(ticket=ticket, body="Hello", actor=actor, customer=customer)
    ticket.refresh_from_db()
    return ticket


def scan(when: datetime, **kwargs) -> dict[str, int]:
    with freeze_time(when):
        return scans.sla_breach_scan(**kwargs)


def waiting(customer, agent, **kwargs) -> Ticket:
    """Answered at 10 min, the customer wrote again at 60 min: next reply due at 120 min (NOW - 1 h)."""
    ticket = reply(create(customer, **kwargs), 10, actor=agent.user)
    ticket = reply(ticket, 60, customer=customer)
    assert ticket.next_reply_due_at == at(minutes=120)
    return ticket


def events(kind: str) -> list[tuple]:
    rows = TicketEvent.objects.filter(kind=kind).order_by("id")
    return list(rows.values_list("ticket_id", "field", "new_value", "note", "created_at"))


def sla_rows(ticket: Ticket, kind: str = "breached") -> list[tuple]:
    rows = SLAEvent.objects.filter(ticket=ticket, kind=kind).order_by("id")
    return list(rows.values_list("metric", "kind", "at", "detail"))


def payloads(event: str) -> list[dict]:
    """The outbox payloads of `event`, the ticket reduced to its id."""
    rows = OutboxEvent.objects.filter(event=event).order_by("created_at", "id")
    return [{**p, "ticket": p["ticket"]["id"]} for p in (row.payload for row in rows)]


# --- a late next reply ------------------------------------------------------------------------------


def test_a_late_next_reply_is_stamped_logged_and_announced(chat, desk, customer_a, agent):
    team, category = desk
    ticket = waiting(customer_a, agent, team=team, category=category)
    version = ticket.version

    assert scan(NOW) == {"breached": 1, "warned": 0}

    ticket.refresh_from_db()
    assert (ticket.next_reply_breached_at, ticket.sla_breached_at) == (NOW, NOW)
    assert (ticket.version, ticket.updated_at) == (version + 1, NOW)
    due = "2026-03-02T11:00:00+00:00"
    assert events(EventKind.SLA_BREACHED) == [
        (ticket.pk, "next_reply", {"target": "next_reply", "due_at": due}, "SLA breached: next reply target.", NOW)
    ]
    assert sla_rows(ticket) == [("next_reply", "breached", NOW, {"due_at": due})]
    assert payloads("ticket.sla_breached") == [
        {
            "ticket": ticket.pk,
            "team_lead_id": agent.user.pk,
            "actor_id": None,
            "target": "next_reply",
            "due_at": "2026-03-02T11:00:00Z",
        }
    ]
    assert scan(NOW + timedelta(minutes=1)) == {"breached": 0, "warned": 0}


def test_a_late_next_reply_keeps_the_time_of_an_earlier_breach(chat, customer_a, agent):
    """First response (30 min) missed, stamped at 40 min; answered at 50, the customer writes at
    60: the next reply is late at NOW, and the ticket's first breach time stays 40 min."""
    ticket = create(customer_a)
    assert scan(at(minutes=40)) == {"breached": 1, "warned": 0}
    ticket = reply(ticket, 50, actor=agent.user)
    ticket = reply(ticket, 60, customer=customer_a)

    assert scan(NOW) == {"breached": 1, "warned": 0}

    ticket.refresh_from_db()
    assert (ticket.next_reply_breached_at, ticket.sla_breached_at) == (NOW, at(minutes=40))


def test_a_next_reply_clock_paused_on_hold_is_not_late(chat, customer_a, agent):
    held = waiting(customer_a, agent)
    running = waiting(customer_a, agent)
    on_time = reply(create(customer_a), 10, actor=agent.user)  # nobody waiting for a reply
    with freeze_time(at(minutes=70)):
        services.ticket_change_status(ticket=held, actor=agent.user, status=Status.ON_HOLD)

    assert scan(NOW) == {"breached": 1, "warned": 0}

    stamped = set(Ticket.objects.filter(next_reply_breached_at__isnull=False).values_list("pk", flat=True))
    assert stamped == {running.pk}
    assert Ticket.objects.get(pk=on_time.pk).sla_breached_at is None


def test_late_next_replies_respect_the_batch_limit(chat, customer_a, agent):
    for _ in range(3):
        waiting(customer_a, agent)

    assert scan(NOW, limit=2) == {"breached": 2, "warned": 0}
    assert scan(NOW, limit=2) == {"breached": 1, "warned": 0}
    assert scan(NOW, limit=2) == {"breached": 0, "warned": 0}


def test_a_first_response_breach_and_a_late_next_reply_add_up(chat, customer_a, agent, caplog):
    waiting(customer_a, agent)
    create(customer_a, 100)  # first response due at 130 min: missed at NOW (180)

    with caplog.at_level(logging.INFO, logger="tickets.sla.scans"):
        assert scan(NOW) == {"breached": 2, "warned": 0}

    assert [r.getMessage() for r in caplog.records if r.name == "tickets.sla.scans"] == [
        "SLA scan: 1 breached, 1 late next replies, 0 warned"
    ]


# --- breaches and warnings: which target, which due time ----------------------------------------------


def test_a_first_response_breach_names_the_first_response_due_time(chat, desk, customer_a, agent, caplog):
    team, category = desk
    ticket = create(customer_a, team=team, category=category)  # first response due at 30 min

    with caplog.at_level(logging.INFO, logger="tickets.sla.scans"):
        assert scan(at(minutes=45)) == {"breached": 1, "warned": 0}

    ticket.refresh_from_db()
    assert (ticket.sla_breached_at, ticket.updated_at, ticket.version) == (at(minutes=45), at(minutes=45), 2)
    due = "2026-03-02T09:30:00+00:00"
    assert events(EventKind.SLA_BREACHED) == [
        (
            ticket.pk,
            "first_response",
            {"target": "first_response", "due_at": due},
            "SLA breached: first response target.",
            at(minutes=45),
        )
    ]
    assert sla_rows(ticket) == [("first_response", "breached", at(minutes=45), {"due_at": due})]
    assert payloads("ticket.sla_breached") == [
        {
            "ticket": ticket.pk,
            "team_lead_id": agent.user.pk,
            "actor_id": None,
            "target": "first_response",
            "due_at": "2026-03-02T09:30:00Z",
        }
    ]
    assert [r.getMessage() for r in caplog.records if r.name == "tickets.sla.scans"] == [
        "SLA scan: 1 breached, 0 late next replies, 0 warned"
    ]


def test_a_resolution_breach_names_the_resolution_due_time(chat, customer_a, agent):
    ticket = reply(create(customer_a), 10, actor=agent.user)  # resolution due at 600 min

    assert scan(at(minutes=601)) == {"breached": 1, "warned": 0}

    due = "2026-03-02T19:00:00+00:00"
    assert events(EventKind.SLA_BREACHED) == [
        (
            ticket.pk,
            "resolution",
            {"target": "resolution", "due_at": due},
            "SLA breached: resolution target.",
            at(minutes=601),
        )
    ]
    assert sla_rows(ticket) == [("resolution", "breached", at(minutes=601), {"due_at": due})]
    assert payloads("ticket.sla_breached") == [
        {
            "ticket": ticket.pk,
            "team_lead_id": None,
            "actor_id": None,
            "target": "resolution",
            "due_at": "2026-03-02T19:00:00Z",
        }
    ]


def test_a_first_response_warning_at_its_exact_point(chat, customer_a, caplog):
    """Warning point of the 30-minute first response: 24 min; the scan runs exactly then."""
    ticket = create(customer_a)

    with caplog.at_level(logging.INFO, logger="tickets.sla.scans"):
        assert scan(at(minutes=24)) == {"breached": 0, "warned": 1}

    ticket.refresh_from_db()
    assert (ticket.sla_warned_at, ticket.updated_at, ticket.version) == (at(minutes=24), at(minutes=24), 2)
    assert ticket.sla_breached_at is None
    assert events(EventKind.SLA_WARNING) == [
        (
            ticket.pk,
            "first_response",
            {"target": "first_response", "due_at": "2026-03-02T09:30:00+00:00"},
            "SLA at risk: first response target.",
            at(minutes=24),
        )
    ]
    assert SLAEvent.objects.filter(ticket=ticket).exclude(kind="started").count() == 0  # a warning is not logged
    assert payloads("ticket.sla_warning") == [
        {
            "ticket": ticket.pk,
            "team_lead_id": None,
            "actor_id": None,
            "target": "first_response",
            "due_at": "2026-03-02T09:30:00Z",
        }
    ]
    assert [r.getMessage() for r in caplog.records if r.name == "tickets.sla.scans"] == [
        "SLA scan: 0 breached, 0 late next replies, 1 warned"
    ]


def test_a_resolution_warning_names_the_resolution_due_time(chat, customer_a, agent):
    ticket = reply(create(customer_a), 10, actor=agent.user)  # resolution warning at 480 min

    assert scan(at(minutes=481)) == {"breached": 0, "warned": 1}

    assert events(EventKind.SLA_WARNING) == [
        (
            ticket.pk,
            "resolution",
            {"target": "resolution", "due_at": "2026-03-02T19:00:00+00:00"},
            "SLA at risk: resolution target.",
            at(minutes=481),
        )
    ]
    assert payloads("ticket.sla_warning")[0]["due_at"] == "2026-03-02T19:00:00Z"


def test_a_warning_point_without_a_due_time_is_warned_with_no_due_time(customer_a):
    """A row written around the services (a warning point, no due time) is still warned."""
    ticket = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, first_responded_at=T0, resolution_warn_at=T0
    )

    assert scan(NOW) == {"breached": 0, "warned": 1}

    assert events(EventKind.SLA_WARNING) == [
        (ticket.pk, "resolution", {"target": "resolution", "due_at": None}, "SLA at risk: resolution target.", NOW)
    ]
    assert payloads("ticket.sla_warning")[0]["due_at"] is None


def test_resolved_tickets_are_not_warned(chat, customer_a, agent):
    ticket = create(customer_a)
    with freeze_time(at(minutes=5)):
        services.ticket_change_status(ticket=ticket, actor=None, status=Status.RESOLVED)

    assert scan(at(minutes=25)) == {"breached": 0, "warned": 0}


def test_warnings_respect_the_batch_limit(chat, customer_a):
    for _ in range(3):
        create(customer_a)

    assert scan(at(minutes=25), limit=2) == {"breached": 0, "warned": 2}
    assert scan(at(minutes=25), limit=2) == {"breached": 0, "warned": 1}


def test_a_scan_that_finds_nothing_logs_nothing(chat, customer_a, caplog):
    create(customer_a)

    with caplog.at_level(logging.INFO, logger="tickets.sla.scans"):
        assert scan(at(minutes=5)) == {"breached": 0, "warned": 0}

    assert not [r for r in caplog.records if r.name == "tickets.sla.scans"]


def test_the_payloads_read_team_and_category_with_the_tickets(chat, desk, customer_a, django_assert_num_queries):
    """Three first-response breaches of tickets with a team and a category, 10 queries: the
    savepoint and its release, the locked batch, the UPDATE, the events', the SLA log's and the
    outbox's INSERTs, one read of the tickets for the payloads (team and category joined), the
    warning and next-reply batches (empty). The policies come from the cache, warmed as a beat has it."""
    team, category = desk
    for _ in range(3):
        create(customer_a, team=team, category=category)
    policies_cached()

    with django_assert_num_queries(10):
        assert scan(at(minutes=45)) == {"breached": 3, "warned": 0}


def test_the_events_carry_the_scans_time_not_the_wall_clock(chat, customer_a, agent):
    """A run started late (the beat passes the minute it was due): every row says that minute."""
    late = waiting(customer_a, agent)
    first = create(customer_a, 100)

    with freeze_time(NOW + timedelta(minutes=7)):
        assert scans.sla_breach_scan(now=NOW) == {"breached": 2, "warned": 0}

    assert [(pk, field, when) for pk, field, _, _, when in events(EventKind.SLA_BREACHED)] == [
        (first.pk, "first_response", NOW),
        (late.pk, "next_reply", NOW),
    ]
    assert sla_rows(late) == [("next_reply", "breached", NOW, {"due_at": "2026-03-02T11:00:00+00:00"})]
