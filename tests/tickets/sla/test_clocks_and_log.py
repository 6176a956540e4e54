"""The SLA clocks: the next-reply clock across several exchanges, the resolution clock paused in
on_hold (per policy), and the per-ticket SLA event log, which reproduces every due time exactly
(business calendars, a DST change), in the API and on record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from tickets import comments, services
from tickets.models import BusinessCalendar, SLAEvent, SLAPolicy, SLATarget, Status, Ticket
from tickets.sla import clock, scans
from tickets.sla import log as sla_log
from tickets.sla import services as sla_services
from tickets.sla.calendars import calendar_spec

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday
MONDAY_10 = datetime(2025, 1, 6, 10, tzinfo=UTC)


def _policy(name, calendar, *, frt=None, nrt=None, res=None, pauses=None) -> SLAPolicy:
    policy = SLAPolicy.objects.create(name=name, position=1, calendar=calendar)
    if pauses is not None:
        policy.pause_statuses = pauses
        policy.save()
    for priority in ("low", "medium", "high", "critical"):
        SLATarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=frt,
            next_reply_minutes=nrt,
            resolution_minutes=res,
        )
    return policy


def _log(ticket: Ticket) -> list[tuple[str, str, datetime]]:
    return list(SLAEvent.objects.filter(ticket=ticket).order_by("at", "id").values_list("metric", "kind", "at"))


def _at(when: datetime):
    return freeze_time(when)


def test_next_reply_clock_across_several_exchanges(customer_a, agent):
    _policy("Chat", BusinessCalendar.objects.get(name="24x7"), frt=30, nrt=60, res=600)
    user = agent.user
    with _at(T0):
        ticket = services.ticket_create(actor=None, title="Help", customer=customer_a, priority="medium")
    assert (ticket.first_response_due_at, ticket.next_reply_due_at) == (T0 + timedelta(minutes=30), None)

    def reply(minutes, *, by_agent=True, internal=False):
        with _at(T0 + timedelta(minutes=minutes)):
            if by_agent:
                comments.comment_add(ticket=ticket, body="On it.", actor=user, is_internal=internal)
            else:
                comments.comment_add(ticket=ticket, body="Any news?", customer=customer_a)
        ticket.refresh_from_db()
        return ticket.next_reply_due_at

    assert reply(10) is None  # the first response; no customer is waiting for a next reply
    assert reply(60, by_agent=False) == T0 + timedelta(minutes=120)
    assert reply(90, by_agent=False) == T0 + timedelta(minutes=120)  # still the first unanswered reply's clock
    assert reply(100, internal=True) == T0 + timedelta(minutes=120)  # a note answers nobody
    assert reply(105) is None
    assert reply(180, by_agent=False) == T0 + timedelta(minutes=240)
    with _at(T0 + timedelta(minutes=245)):
        assert scans.sla_breach_scan() == {"breached": 1, "warned": 0}
        assert scans.sla_breach_scan() == {"breached": 0, "warned": 0}
    ticket.refresh_from_db()
    assert ticket.next_reply_breached_at == T0 + timedelta(minutes=245)
    assert ticket.sla_breached_at == T0 + timedelta(minutes=245)
    assert reply(250) is None
    assert reply(300, by_agent=False) == T0 + timedelta(minutes=360)
    assert ticket.next_reply_breached_at is None  # a new clock

    minutes = lambda m: T0 + timedelta(minutes=m)  # noqa: E731
    assert _log(ticket) == [
        ("first_response", "started", minutes(0)),
        ("resolution", "started", minutes(0)),
        ("first_response", "achieved", minutes(10)),
        ("next_reply", "started", minutes(60)),
        ("next_reply", "achieved", minutes(105)),
        ("next_reply", "started", minutes(180)),
        ("next_reply", "breached", minutes(245)),
        ("next_reply", "achieved", minutes(250)),
        ("next_reply", "started", minutes(300)),
    ]


@pytest.fixture
def desk():
    """Mon-Fri 09:00-17:00 UTC, resolution 480 business minutes (8 h)."""
    return _policy("Desk", BusinessCalendar.objects.get(name="Business hours"), frt=60, res=480)


def test_on_hold_pauses_resolution_and_pushes_it_back(desk, customer_a, agent):
    with _at(MONDAY_10):
        ticket = services.ticket_create(actor=None, title="Help", customer=customer_a, priority="medium")
    assert ticket.resolution_due_at == datetime(2025, 1, 7, 10, tzinfo=UTC)  # Mon 10-17, then Tue 9-10

    with _at(datetime(2025, 1, 6, 12, tzinfo=UTC)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.ON_HOLD)
    assert ticket.sla_paused_at == datetime(2025, 1, 6, 12, tzinfo=UTC)
    with _at(datetime(2025, 1, 7, 11, tzinfo=UTC)):  # past the old due time: paused, so not breached
        assert scans.sla_breach_scan()["breached"] == 1  # the first response (60 min) only
    ticket.refresh_from_db()
    assert SLAEvent.objects.filter(ticket=ticket, kind="breached").values_list("metric", flat=True).get() == (
        "first_response"
    )
    with _at(datetime(2025, 1, 7, 12, tzinfo=UTC)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)

    # Paused Mon 12-17 and Tue 9-12: 480 business minutes.
    assert ticket.sla_paused_minutes == 480
    assert ticket.sla_paused_at is None
    assert ticket.resolution_due_at == datetime(2025, 1, 8, 10, tzinfo=UTC)
    assert ticket.resolution_warn_at == datetime(2025, 1, 7, 16, 24, tzinfo=UTC)
    assert _log(ticket)[-3:] == [
        ("resolution", "paused", datetime(2025, 1, 6, 12, tzinfo=UTC)),
        ("first_response", "breached", datetime(2025, 1, 7, 11, tzinfo=UTC)),
        ("resolution", "resumed", datetime(2025, 1, 7, 12, tzinfo=UTC)),
    ]


def test_a_policy_that_does_not_pause_on_hold_keeps_the_clock_running(customer_a, agent):
    _policy(
        "Relentless",
        BusinessCalendar.objects.get(name="Business hours"),
        res=480,
        pauses={"first_response": [], "next_reply": [], "resolution": ["pending"]},
    )
    with _at(MONDAY_10):
        ticket = services.ticket_create(actor=None, title="Help", customer=customer_a, priority="medium")
    with _at(datetime(2025, 1, 6, 12, tzinfo=UTC)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.ON_HOLD)

    assert ticket.sla_paused_at is None
    with _at(datetime(2025, 1, 7, 11, tzinfo=UTC)):
        assert scans.sla_breach_scan()["breached"] == 1
    assert SLAEvent.objects.filter(ticket=ticket, kind="breached").values_list("metric", flat=True).get() == (
        "resolution"
    )


def test_a_policy_pausing_first_response_in_pending_keeps_the_scan_off_it(customer_a, agent):
    _policy(
        "Patient",
        BusinessCalendar.objects.get(name="24x7"),
        frt=30,
        pauses={"first_response": ["pending"], "next_reply": [], "resolution": []},
    )
    with _at(T0):
        ticket = services.ticket_create(actor=None, title="Help", customer=customer_a, priority="medium")
    with _at(T0 + timedelta(minutes=10)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    with _at(T0 + timedelta(minutes=60)):
        assert scans.sla_breach_scan()["breached"] == 0
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)

    assert ticket.first_response_due_at == T0 + timedelta(minutes=80)  # 30 + the 50 paused


def test_the_event_log_reproduces_the_due_times_across_a_dst_change(customer_a, agent):
    paris = BusinessCalendar.objects.create(name="Paris", time_zone="Europe/Paris")
    _policy("Paris desk", paris, frt=120, res=600)
    # Friday 27 March 2026, 16:00 in Paris (CET, UTC+1); clocks go forward on Sunday the 29th.
    with _at(datetime(2026, 3, 27, 15, tzinfo=UTC)):
        ticket = services.ticket_create(actor=None, title="Help", customer=customer_a, priority="medium")
    with _at(datetime(2026, 3, 27, 15, 30, tzinfo=UTC)):  # 16:30 CET
        services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    with _at(datetime(2026, 3, 30, 8, tzinfo=UTC)):  # Monday 10:00 CEST (UTC+2)
        services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)
    ticket.refresh_from_db()

    # First response: Fri 16-17 (60), Mon 09-10 CEST (60).
    assert ticket.first_response_due_at == datetime(2026, 3, 30, 8, tzinfo=UTC)
    # Paused Fri 16:30-17:00 and Mon 09:00-10:00: 90. Resolution 600 + 90: Fri 60, Mon 480, Tue 150
    # -> Tue 11:30 CEST; its warning at 480 + 90: Tue 09:30 CEST.
    assert ticket.sla_paused_minutes == 90
    assert ticket.resolution_due_at == datetime(2026, 3, 31, 9, 30, tzinfo=UTC)
    assert ticket.resolution_warn_at == datetime(2026, 3, 31, 7, 30, tzinfo=UTC)
    # Replaying the log alone gives exactly what is stored.
    clocks = clock.replay(sla_log.ticket_log(ticket), calendar_spec(paris))
    replayed = clock.due_times(clocks, clock.Targets(120, None, 600), calendar_spec(paris), warning_ratio=0.8)
    assert replayed == {
        "first_response_due_at": ticket.first_response_due_at,
        "first_response_warn_at": ticket.first_response_warn_at,
        "next_reply_due_at": None,
        "resolution_due_at": ticket.resolution_due_at,
        "resolution_warn_at": ticket.resolution_warn_at,
    }
    with _at(datetime(2026, 3, 30, 9, tzinfo=UTC)):
        assert sla_services.ticket_sla_apply(ticket=ticket) == []


def test_a_ticket_older_than_the_log_keeps_its_due_times(desk, customer_a):
    """Rows from before the log: their clocks start at creation and carry the minutes paused."""
    with _at(MONDAY_10):
        ticket = services.ticket_create(actor=None, title="Help", customer=customer_a, priority="medium")
    SLAEvent.objects.filter(ticket=ticket).delete()
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_paused_minutes=60, resolution_due_at=datetime(2025, 1, 7, 11, tzinfo=UTC)
    )
    ticket.refresh_from_db()

    with _at(MONDAY_10 + timedelta(hours=1)):
        changed = sla_services.ticket_sla_apply(ticket=ticket)

    assert "resolution_due_at" not in changed
    assert ticket.resolution_due_at == datetime(2025, 1, 7, 11, tzinfo=UTC)


def test_the_sla_api_shows_the_clocks_and_the_log_scoped_like_the_ticket(
    desk, customer_a, agent, api_agent, api_customer_a
):
    with _at(MONDAY_10):
        ticket = services.ticket_create(actor=None, title="Help", customer=customer_a, priority="medium")
    with _at(datetime(2025, 1, 6, 12, tzinfo=UTC)):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.ON_HOLD)

    response = api_agent.get(f"/api/v1/tickets/{ticket.pk}/sla/")  # not frozen: the token is real-time

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["policy"]["name"] == "Desk"
    assert body["calendar"] == "Business hours"
    resolution = next(m for m in body["metrics"] if m["metric"] == "resolution")
    assert (resolution["state"], resolution["target_minutes"], resolution["due_at"]) == (
        "paused",
        480,
        "2025-01-07T10:00:00Z",
    )
    assert resolution["pauses"] == [
        {"from": "2025-01-06T12:00:00Z", "to": None, "business_minutes": 0, "status": "on_hold"}
    ]
    assert [(e["metric"], e["kind"]) for e in body["events"]] == [
        ("first_response", "started"),
        ("resolution", "started"),
        ("resolution", "paused"),
    ]
    assert api_customer_a.get(f"/api/v1/tickets/{ticket.pk}/sla/").status_code == 403
    assert api_agent.get("/api/v1/tickets/999999/sla/").status_code == 404


def test_explain_says_how_each_due_time_was_computed(desk, customer_a, agent, api_agent):
    with _at(MONDAY_10):
        ticket = services.ticket_create(actor=None, title="Help", customer=customer_a, priority="medium")

    body = api_agent.get(f"/api/v1/tickets/{ticket.pk}/explain/").json()["sla"]

    assert body["policy"]["name"] == "Desk"
    assert [(p["name"], p["matches"], p["chosen"]) for p in body["policies"]] == [
        ("Desk", True, True),
        ("Default", True, False),
    ]
    resolution = next(m for m in body["metrics"] if m["metric"] == "resolution")
    assert resolution["how"] == (
        "started 2025-01-06T10:00:00+00:00 + 480 min target in business time of Business hours"
    )
