"""tickets/sla/scans.py hooked into the core services: due times at creation, recomputed on
priority and tier changes, first response, the pending pause; policies, calendars, holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from customers.models import Tier
from tests.tickets.conftest import sla_defaults_create
from tickets import comments, services
from tickets.models import BusinessCalendar, Holiday, SLAPolicy, SLATarget, Status, Ticket
from tickets.sla import calendars, scans
from tickets.sla import services as sla_services

pytestmark = pytest.mark.django_db

MONDAY_10 = datetime(2025, 1, 6, 10, tzinfo=UTC)


def at(base: datetime, **delta: float) -> datetime:
    return base + timedelta(**delta)


def create(customer, priority="medium", **kwargs) -> Ticket:
    return services.ticket_create(actor=None, title="Help", customer=customer, priority=priority, **kwargs)


def test_defaults_exist_after_migrate_and_the_migration_is_idempotent():
    sla_defaults_create()
    sla_defaults_create()

    policy = SLAPolicy.objects.get(is_default=True)
    targets = {t.priority: (t.first_response_minutes, t.resolution_minutes) for t in policy.targets.all()}

    assert targets == {"critical": (60, 480), "high": (240, 1440), "medium": (1440, 4320), "low": (4320, 10080)}
    assert policy.calendar.name == "Business hours"
    assert policy.calendar.is_default
    assert BusinessCalendar.objects.get(name="24x7").is_24x7
    assert BusinessCalendar.objects.count() == 2
    assert SLATarget.objects.count() == 4


def test_the_migration_fills_gaps_but_keeps_an_admins_rows():
    SLAPolicy.objects.all().delete()
    BusinessCalendar.objects.filter(name="24x7").delete()
    BusinessCalendar.objects.filter(name="Business hours").update(time_zone="Europe/Paris")

    sla_defaults_create()

    assert sorted(BusinessCalendar.objects.values_list("name", flat=True)) == ["24x7", "Business hours"]
    assert BusinessCalendar.objects.get(name="Business hours").time_zone == "Europe/Paris"
    assert SLAPolicy.objects.get(is_default=True).targets.count() == 4


@pytest.mark.parametrize(
    ("priority", "first_response_due", "resolution_due"),
    [
        pytest.param("critical", at(MONDAY_10, hours=1), at(MONDAY_10, days=1), id="critical"),
        pytest.param("high", at(MONDAY_10, hours=4), at(MONDAY_10, days=3), id="high"),
        pytest.param("medium", at(MONDAY_10, days=3), at(MONDAY_10, days=11), id="medium"),
        pytest.param("low", at(MONDAY_10, days=11), at(MONDAY_10, days=29), id="low"),
    ],
)
def test_create_stamps_due_times_in_business_hours(customer_a, priority, first_response_due, resolution_due):
    """Out of the box: Mon-Fri 09:00-17:00 UTC; 8 business hours make a business day."""
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, priority)

    ticket.refresh_from_db()
    assert ticket.first_response_due_at == first_response_due
    assert ticket.resolution_due_at == resolution_due
    assert ticket.first_response_warn_at is not None
    assert ticket.first_response_warn_at < ticket.first_response_due_at


@pytest.mark.parametrize(
    ("tier", "minutes"),
    [
        pytest.param(Tier.ENTERPRISE, 30, id="enterprise-row-wins"),
        pytest.param(Tier.FREE, 60, id="free-uses-tierless-row"),
    ],
)
def test_tier_specific_target_wins(wall_clock, customer_a, tier, minutes):
    SLATarget.objects.create(
        policy=wall_clock, priority="critical", tier=Tier.ENTERPRISE, first_response_minutes=30, resolution_minutes=120
    )
    customer_a.tier = tier
    customer_a.save()

    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "critical")

    assert ticket.first_response_due_at == at(MONDAY_10, minutes=minutes)


def test_team_policy_wins_over_default(customer_a):
    team = baker.make_recipe("tests.agents.team")
    calendar = BusinessCalendar.objects.create(name="Tokyo", time_zone="Asia/Tokyo")
    policy = SLAPolicy.objects.create(name="Japan", calendar=calendar)
    policy.conditions = {"all": [{"field": "team", "operator": "is", "value": team.pk}], "any": []}
    policy.save()
    SLATarget.objects.create(policy=policy, priority="high", first_response_minutes=120, resolution_minutes=None)

    with freeze_time(MONDAY_10):  # 19:00 in Tokyo: the clock starts Tuesday 09:00 JST (00:00 UTC)
        ticket = create(customer_a, "high", team=team)

    assert ticket.first_response_due_at == datetime(2025, 1, 7, 2, tzinfo=UTC)
    assert ticket.resolution_due_at is None


def test_holidays_of_the_calendar_are_skipped(customer_a):
    calendar = BusinessCalendar.objects.get(is_default=True)
    Holiday.objects.create(calendar=calendar, date=date(2025, 1, 6), name="Closed")

    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "critical")

    assert ticket.first_response_due_at == datetime(2025, 1, 7, 10, tzinfo=UTC)


def test_no_policy_at_all_falls_back_to_built_in_defaults(customer_a):
    SLAPolicy.objects.all().delete()
    BusinessCalendar.objects.all().delete()

    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "critical")

    assert ticket.first_response_due_at == at(MONDAY_10, hours=1)


def test_priority_change_recomputes_from_creation(wall_clock, customer_a, agent):
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "low")
    with freeze_time(at(MONDAY_10, minutes=30)):
        ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "critical"})

    ticket.refresh_from_db()
    assert ticket.first_response_due_at == at(MONDAY_10, hours=1)
    assert ticket.resolution_due_at == at(MONDAY_10, hours=8)


def test_lowering_priority_clears_a_breach_the_new_target_does_not_justify(wall_clock, customer_a, agent):
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "critical")
    with freeze_time(at(MONDAY_10, hours=2)):
        scans.sla_breach_scan()
        ticket.refresh_from_db()
        assert ticket.sla_breached_at is not None
        ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "low"})

    ticket.refresh_from_db()
    assert ticket.sla_breached_at is None
    assert ticket.first_response_due_at == at(MONDAY_10, hours=72)


def test_raising_priority_keeps_a_justified_breach(wall_clock, customer_a, agent):
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "high")
    with freeze_time(at(MONDAY_10, hours=5)):
        scans.sla_breach_scan()
        ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "critical"})

    ticket.refresh_from_db()
    assert ticket.sla_breached_at == at(MONDAY_10, hours=5)


def test_a_warning_the_new_target_does_not_justify_is_cleared(wall_clock, customer_a, agent):
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "critical")
    with freeze_time(at(MONDAY_10, minutes=50)):
        assert scans.sla_breach_scan() == {"breached": 0, "warned": 1}
        ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "medium"})

    ticket.refresh_from_db()
    assert ticket.sla_warned_at is None


def test_tier_change_recomputes_the_customers_active_tickets(wall_clock, customer_a, django_assert_max_num_queries):
    SLATarget.objects.create(
        policy=wall_clock, priority="high", tier=Tier.ENTERPRISE, first_response_minutes=60, resolution_minutes=240
    )
    with freeze_time(MONDAY_10):
        tickets = [create(customer_a, "high") for _ in range(3)]
        done = create(customer_a, "high")
        services.ticket_change_status(ticket=done, actor=None, status=Status.RESOLVED)
    customer_a.tier = Tier.ENTERPRISE
    customer_a.save()

    with freeze_time(at(MONDAY_10, minutes=10)), django_assert_max_num_queries(8):
        changed = sla_services.tickets_sla_recompute_for_customer(customer=customer_a)

    assert changed == 3
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.first_response_due_at == at(MONDAY_10, hours=1)
        assert ticket.version == 2
    done.refresh_from_db()
    assert done.first_response_due_at == at(MONDAY_10, hours=4)
    assert sla_services.tickets_sla_recompute_for_customer(customer=customer_a) == 0


def test_agent_moving_to_in_progress_is_the_first_response(wall_clock, customer_a, agent):
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "critical")
    with freeze_time(at(MONDAY_10, minutes=20)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.IN_PROGRESS)

    assert ticket.first_responded_at == at(MONDAY_10, minutes=20)


def test_status_change_by_the_system_is_not_a_first_response(wall_clock, customer_a):
    ticket = create(customer_a, "critical")

    ticket = services.ticket_change_status(ticket=ticket, actor=None, status=Status.IN_PROGRESS)

    assert ticket.first_responded_at is None


def test_public_agent_reply_is_the_first_response_and_stops_the_breach(wall_clock, customer_a, agent):
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "critical")
    with freeze_time(at(MONDAY_10, minutes=30)):
        comments.comment_add(ticket=ticket, actor=agent.user, body="On it.")
    with freeze_time(at(MONDAY_10, hours=2)):
        result = scans.sla_breach_scan()

    assert result == {"breached": 0, "warned": 0}


def test_pending_pauses_the_resolution_clock(wall_clock, customer_a, agent):
    """High: resolution 24 h. Four hours pending push it to 28 h; no breach while pending."""
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "high")
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.IN_PROGRESS)
    with freeze_time(at(MONDAY_10, hours=20)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
        assert ticket.sla_paused_at == at(MONDAY_10, hours=20)
    with freeze_time(at(MONDAY_10, hours=25)):
        assert scans.sla_breach_scan() == {"breached": 0, "warned": 0}
    with freeze_time(at(MONDAY_10, hours=24)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)

    ticket.refresh_from_db()
    assert ticket.sla_paused_at is None
    assert ticket.sla_paused_minutes == 240
    assert ticket.resolution_due_at == at(MONDAY_10, hours=28)
    assert ticket.resolution_warn_at == at(MONDAY_10, hours=19.2 + 4)
    with freeze_time(at(MONDAY_10, hours=27)):
        assert scans.sla_breach_scan()["breached"] == 0
    with freeze_time(at(MONDAY_10, hours=28, minutes=1)):
        assert scans.sla_breach_scan()["breached"] == 1


def test_pause_counts_business_time_only(customer_a, agent):
    """Business-hours calendar: pending from Friday 16:00 to Monday 10:00 is 2 business hours."""
    friday_16 = datetime(2025, 1, 10, 16, tzinfo=UTC)
    with freeze_time(friday_16 - timedelta(hours=1)):
        ticket = create(customer_a, "critical")
        due = ticket.resolution_due_at
    with freeze_time(friday_16):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    with freeze_time(datetime(2025, 1, 13, 10, tzinfo=UTC)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)

    assert ticket.sla_paused_minutes == 120
    assert ticket.resolution_due_at == due + timedelta(hours=2)


def test_priority_change_after_a_pause_keeps_the_pushed_time(wall_clock, customer_a, agent):
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "high")
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    with freeze_time(at(MONDAY_10, hours=2)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)
        ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "critical"})

    assert ticket.resolution_due_at == at(MONDAY_10, hours=8 + 2)


def test_reopening_a_resolved_ticket_pushes_resolution_by_the_time_it_was_done(wall_clock, customer_a, agent):
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "critical")
    with freeze_time(at(MONDAY_10, hours=1)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.RESOLVED)
    with freeze_time(at(MONDAY_10, hours=3)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)

    assert ticket.resolution_due_at == at(MONDAY_10, hours=10)


def test_calendar_import_holidays_from_the_holidays_package():
    calendar = BusinessCalendar.objects.create(name="France", time_zone="Europe/Paris", holiday_country="fr")

    added = calendars.calendar_import_holidays(calendar=calendar, years=[2025])

    assert added == 11
    assert Holiday.objects.filter(calendar=calendar, date=date(2025, 7, 14)).exists()
    assert calendars.calendar_import_holidays(calendar=calendar, years=[2025]) == 0


def test_calendar_import_holidays_with_a_subdivision():
    calendar = BusinessCalendar.objects.create(name="California", holiday_country="US-CA")

    calendars.calendar_import_holidays(calendar=calendar, years=[2025])

    assert Holiday.objects.filter(calendar=calendar, date=date(2025, 3, 31)).exists()  # Cesar Chavez Day


@pytest.mark.parametrize(
    "country",
    [pytest.param("", id="missing"), pytest.param("XX", id="unknown"), pytest.param("US-ZZ", id="bad-subdiv")],
)
def test_calendar_import_holidays_names_the_field(country):
    calendar = BusinessCalendar.objects.create(name="Nowhere", holiday_country=country)

    with pytest.raises(ValidationError) as exc:
        calendars.calendar_import_holidays(calendar=calendar, years=[2025])

    assert "holiday_country" in exc.value.message_dict


@pytest.mark.parametrize(
    ("values", "field"),
    [
        pytest.param({"time_zone": "Mars/Olympus"}, "time_zone", id="bad-zone"),
        pytest.param(
            {"working_hours": {"mon": [["17:00", "17:00"], ["09:00", "18:00"]]}}, "working_hours", id="overlap"
        ),
    ],
)
def test_calendar_validation_names_the_field(values, field):
    calendar = BusinessCalendar(name="Bad", **values)

    with pytest.raises(ValidationError) as exc:
        calendar.full_clean()

    assert field in exc.value.message_dict


def test_moving_to_a_team_with_its_own_policy_recomputes(customer_a, agent):
    team = baker.make_recipe("tests.agents.team", auto_assign_priorities=[])
    policy = SLAPolicy.objects.create(name="VIP desk", calendar=BusinessCalendar.objects.get(name="24x7"))
    policy.conditions = {"all": [{"field": "team", "operator": "is", "value": team.pk}], "any": []}
    policy.save()
    SLATarget.objects.create(policy=policy, priority="medium", first_response_minutes=15, resolution_minutes=60)
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "medium")
        assert ticket.first_response_due_at == at(MONDAY_10, days=3)
        ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"team": team})

    assert ticket.first_response_due_at == at(MONDAY_10, minutes=15)
    assert ticket.resolution_due_at == at(MONDAY_10, hours=1)


def test_pause_without_resolution_target_or_time_changes_nothing_else(wall_clock, customer_a, agent):
    wall_clock.targets.filter(priority="low").update(resolution_minutes=None)
    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "low")
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)
    with freeze_time(at(MONDAY_10, hours=1)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    with freeze_time(at(MONDAY_10, hours=3)):
        ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)

    assert ticket.resolution_due_at is None
    assert ticket.sla_paused_minutes == 120
    assert ticket.sla_paused_at is None


@pytest.mark.parametrize(
    ("values", "expected_due"),
    [
        pytest.param({"time_zone": "Mars/Olympus"}, at(MONDAY_10, hours=1), id="unknown-zone-falls-back-to-utc"),
        pytest.param({"working_hours": {}}, at(MONDAY_10, hours=1), id="no-working-time-falls-back"),
        pytest.param({"working_hours": {"mon": "all day"}}, at(MONDAY_10, hours=1), id="garbled-hours-fall-back"),
    ],
)
def test_a_broken_calendar_never_breaks_ticket_creation(customer_a, caplog, values, expected_due):
    """Rows written around the admin's validation (shell, SQL) fall back to business hours, logged."""
    BusinessCalendar.objects.filter(is_default=True).update(**values)

    with freeze_time(MONDAY_10):
        ticket = create(customer_a, "critical")

    assert ticket.first_response_due_at == expected_due
    assert "SLA calendar 'Business hours'" in caplog.text


def test_calendar_validation_requires_working_time():
    calendar = BusinessCalendar(name="Empty", working_hours={"mon": []})

    with pytest.raises(ValidationError) as exc:
        calendar.full_clean()

    assert "24x7" in str(exc.value.message_dict["working_hours"])
