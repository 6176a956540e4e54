"""tickets/sla/services.py stated exactly: which policy a ticket runs under, the field names a
recompute returns, the stamps it keeps or clears at the instant it is given, and the SLA log rows
a reply or a status change writes (with their details). Times hand-computed on the 24x7 calendar
(wall-clock minutes) unless said otherwise (found by mutation testing)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from model_bakery import baker

from customers.models import Tier
from tests.tickets.conftest import sla_defaults_create
from tickets import comments, services
from tickets.models import BusinessCalendar, SLAEvent, SLAPolicy, SLATarget, Status, Ticket
from tickets.sla import scans
from tickets.sla import services as sla_services

pytestmark = pytest.mark.django_db

MONDAY_10 = datetime(2025, 1, 6, 10, tzinfo=UTC)


def at(**delta: float) -> datetime:
    return MONDAY_10 + timedelta(**delta)


def policy(name: str, *, position: int, field: str | None = None, value=None, pauses=None) -> SLAPolicy:
    """A policy on the 24x7 calendar, matching `field is value` (or every ticket)."""
    sla_defaults_create()  # the shipped calendars (a transactional test may have flushed them)
    row = SLAPolicy.objects.create(name=name, position=position, calendar=BusinessCalendar.objects.get(name="24x7"))
    if field is not None:
        row.conditions = {"all": [{"field": field, "operator": "is", "value": value}], "any": []}
    if pauses is not None:
        row.pause_statuses = pauses
    row.save()
    return row


def target(row: SLAPolicy, priority: str, frt=None, nrt=None, res=None, tier: str = "") -> None:
    SLATarget.objects.create(
        policy=row,
        priority=priority,
        tier=tier,
        first_response_minutes=frt,
        next_reply_minutes=nrt,
        resolution_minutes=res,
    )


def create(customer, priority: str = "high", **kwargs) -> Ticket:
    return services.ticket_create(actor=None, title="Help", customer=customer, priority=priority, **kwargs)


def log(ticket: Ticket) -> list[tuple[str, str, datetime, dict]]:
    rows = SLAEvent.objects.filter(ticket=ticket).order_by("at", "id")
    return list(rows.values_list("metric", "kind", "at", "detail"))


# --- which policy ----------------------------------------------------------------------------------


def test_policy_by_id_finds_each_policy_and_falls_back_to_the_default(wall_clock):
    first = policy("First", position=1, field="priority", value="low")
    second = policy("Second", position=2, field="priority", value="high")

    assert sla_services.policy_by_id(first.pk).name == "First"
    assert sla_services.policy_by_id(second.pk).name == "Second"
    assert sla_services.policy_by_id(None).name == wall_clock.name
    assert sla_services.policy_by_id(second.pk + 1000).name == wall_clock.name


def test_policy_spec_for_team_is_the_spec_of_a_medium_ticket(wall_clock):
    medium = policy("Medium desk", position=1, field="priority", value="medium")
    target(medium, "medium", frt=15, res=90)

    spec = sla_services.policy_spec_for_team(None)

    assert spec.target_for("medium", None).first_response_minutes == 15
    assert spec.target_for("medium", None).resolution_minutes == 90


def test_ticket_policy_is_the_stored_policy_even_when_the_ticket_no_longer_matches_it(wall_clock, customer_a):
    team = baker.make_recipe("tests.agents.team", auto_assign_priorities=[])
    team_policy = policy("Team desk", position=1, field="team", value=team.pk)
    target(team_policy, "high", frt=30, res=120)
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, team=team)
    assert ticket.sla_policy_id == team_policy.pk

    ticket.team = None  # not through a service: nothing recomputed, the stored policy stands

    assert sla_services.ticket_policy(ticket).name == "Team desk"


def test_ticket_policy_of_a_ticket_without_a_policy_uses_the_tier_given(wall_clock, customer_a):
    policy("Enterprise desk", position=1, field="customer_tier", value=Tier.ENTERPRISE)
    assert customer_a.tier == Tier.FREE
    ticket = Ticket(customer=customer_a, priority="high")

    assert sla_services.ticket_policy(ticket, tier=Tier.ENTERPRISE).name == "Enterprise desk"
    assert sla_services.ticket_policy(ticket).name == wall_clock.name


# --- ticket_sla_apply -------------------------------------------------------------------------------


def test_apply_returns_the_changed_field_names_with_sla_policy_not_its_column(wall_clock, customer_a):
    vip = policy("VIP", position=1, field="priority", value="critical")
    target(vip, "critical", frt=30, res=120)
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "high")
    ticket.priority = "critical"

    changed = sla_services.ticket_sla_apply(ticket=ticket, now=at(minutes=5))

    assert changed == [
        "first_response_due_at",
        "first_response_warn_at",
        "resolution_due_at",
        "resolution_warn_at",
        "sla_policy",
    ]
    assert (ticket.first_response_due_at, ticket.first_response_warn_at) == (at(minutes=30), at(minutes=24))
    assert (ticket.resolution_due_at, ticket.resolution_warn_at) == (at(minutes=120), at(minutes=96))
    assert ticket.sla_policy_id == vip.pk


def test_apply_to_a_ticket_without_a_customer_uses_the_tierless_targets(wall_clock):
    ticket = Ticket(priority="high", created_at=MONDAY_10)

    sla_services.ticket_sla_apply(ticket=ticket, now=MONDAY_10)

    assert (ticket.first_response_due_at, ticket.resolution_due_at) == (at(hours=4), at(hours=24))
    assert ticket.sla_policy_id == wall_clock.pk


def test_apply_chooses_the_policy_by_the_tier_given_not_the_customers(wall_clock, customer_a):
    enterprise = policy("Enterprise desk", position=1, field="customer_tier", value=Tier.ENTERPRISE)
    target(enterprise, "high", frt=20, res=60, tier=Tier.ENTERPRISE)
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "high")
    assert ticket.sla_policy_id == wall_clock.pk

    sla_services.ticket_sla_apply(ticket=ticket, tier=Tier.ENTERPRISE, now=at(minutes=5))

    assert ticket.sla_policy_id == enterprise.pk
    assert (ticket.first_response_due_at, ticket.resolution_due_at) == (at(minutes=20), at(minutes=60))


def test_a_breach_is_cleared_by_what_the_new_targets_say_at_the_instant_given(wall_clock, customer_a):
    """Critical (1 h) breached at 2 h; lowered to low (72 h): at 30 min nothing was missed, so the
    stamp goes, though the wall clock (today) is far past every target."""
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "critical")
    with freeze_time(at(hours=2)):
        scans.sla_breach_scan()
    ticket.refresh_from_db()
    assert ticket.sla_breached_at == at(hours=2)
    ticket.priority = "low"

    changed = sla_services.ticket_sla_apply(ticket=ticket, now=at(minutes=30))

    assert ticket.sla_breached_at is None
    assert changed[-1] == "sla_breached_at"


def test_a_warning_still_justified_at_the_instant_given_is_kept(wall_clock, customer_a):
    """Critical (1 h, warned at 48 min) warned at 50 min; raised to high (4 h, warning at 192 min):
    at 200 min the ticket is at risk again, so the warning stays."""
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "critical")
    with freeze_time(at(minutes=50)):
        assert scans.sla_breach_scan() == {"breached": 0, "warned": 1}
    ticket.refresh_from_db()
    ticket.priority = "high"

    changed = sla_services.ticket_sla_apply(ticket=ticket, now=at(minutes=200))

    assert ticket.sla_warned_at == at(minutes=50)
    assert "sla_warned_at" not in changed
    assert ticket.first_response_warn_at == at(minutes=192)


def test_a_recompute_that_moves_no_due_time_leaves_the_stamps_to_the_scan(wall_clock, customer_a):
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "critical")
    with freeze_time(at(hours=2)):
        scans.sla_breach_scan()
    ticket.refresh_from_db()

    assert sla_services.ticket_sla_apply(ticket=ticket, now=at(minutes=30)) == []
    assert ticket.sla_breached_at == at(hours=2)


def test_a_paused_resolution_clock_keeps_its_pause_start_through_a_recompute(wall_clock, customer_a, agent):
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "high")
    with freeze_time(at(hours=1)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    with freeze_time(at(hours=2)):
        ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "critical"})

    ticket.refresh_from_db()
    assert ticket.sla_paused_at == at(hours=1)
    assert ticket.sla_paused_minutes == 0


def test_a_recompute_keeps_the_open_next_reply_clock_on_the_new_target(customer_a, agent):
    chat = policy("Chat", position=1)
    target(chat, "medium", frt=30, nrt=60, res=600)
    target(chat, "critical", frt=30, nrt=15, res=600)
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "medium")
    with freeze_time(at(minutes=10)):
        comments.comment_add(ticket=ticket, body="On it.", actor=agent.user)
    with freeze_time(at(minutes=60)):
        comments.comment_add(ticket=ticket, body="Any news?", customer=customer_a)
    ticket.refresh_from_db()
    assert ticket.next_reply_due_at == at(minutes=120)

    with freeze_time(at(minutes=70)):
        ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "critical"})

    ticket.refresh_from_db()
    assert ticket.next_reply_due_at == at(minutes=75)


def test_the_tier_consumer_logs_what_it_recomputed(wall_clock, customer_a, caplog):
    with freeze_time(MONDAY_10):
        create(customer_a, "high")
        create(customer_a, "high")
    target(wall_clock, "high", frt=60, res=240, tier=Tier.ENTERPRISE)
    customer_a.tier = Tier.ENTERPRISE
    customer_a.save()

    with caplog.at_level(logging.INFO, logger="tickets.sla.services"):
        sla_services.sla_on_customer_updated({"id": customer_a.pk, "changed": ["tier"]})

    assert [r.getMessage() for r in caplog.records if r.name == "tickets.sla.services"] == [
        f"customer {customer_a.pk} tier is now enterprise: SLA targets of 2 ticket(s) recomputed"
    ]
