"""SLA policies are read from the cache by ticket writes, and any change to a policy, a target, a
calendar, a holiday or a policy's conditions is seen by the next write."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from model_bakery import baker

from tickets.models import BusinessCalendar, Holiday, SLAPolicy, SLATarget
from tickets.sla import services as sla_services
from tickets.sla.calendars import calendar_import_holidays

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_the_clock():
    """A 24x7 default policy with a 60-minute first response for every priority."""
    # The shipped default goes (kept as a non-default policy with no conditions, it would match first).
    SLAPolicy.objects.filter(is_default=True).delete()
    policy = baker.make(
        SLAPolicy, name="Round the clock", is_default=True, calendar=BusinessCalendar.objects.get(name="24x7")
    )
    for priority in ("low", "medium", "high", "critical"):
        SLATarget.objects.create(
            policy=policy, priority=priority, tier="", first_response_minutes=60, resolution_minutes=600
        )
    return policy


def _first_response_minutes(team_id=None) -> int:
    spec = sla_services.policy_spec_for_team(team_id)
    return spec.target_for("high", None).first_response_minutes


def test_a_second_read_costs_no_query(round_the_clock, django_assert_num_queries):
    assert _first_response_minutes() == 60
    with django_assert_num_queries(0):
        assert _first_response_minutes() == 60


def test_a_changed_target_is_seen_at_once(round_the_clock):
    assert _first_response_minutes() == 60
    target = round_the_clock.targets.get(priority="high")
    target.first_response_minutes = 15
    target.save()
    assert _first_response_minutes() == 15


def test_a_deleted_target_is_seen_at_once(round_the_clock):
    assert _first_response_minutes() == 60
    round_the_clock.targets.get(priority="high").delete()
    assert sla_services.policy_spec_for_team(None).target_for("high", None).first_response_minutes is None


def test_a_new_default_policy_is_seen_at_once(round_the_clock):
    assert _first_response_minutes() == 60
    round_the_clock.delete()
    other = baker.make(SLAPolicy, name="Other", is_default=True, calendar=round_the_clock.calendar)
    SLATarget.objects.create(policy=other, priority="high", tier="", first_response_minutes=5, resolution_minutes=50)
    assert _first_response_minutes() == 5


def test_a_team_given_a_policy_is_seen_at_once(round_the_clock):
    team = baker.make_recipe("tests.agents.team")
    assert _first_response_minutes(team.pk) == 60
    team_policy = baker.make(SLAPolicy, name="Team", calendar=round_the_clock.calendar)
    SLATarget.objects.create(
        policy=team_policy, priority="high", tier="", first_response_minutes=7, resolution_minutes=70
    )
    team_policy.conditions = {"all": [{"field": "team", "operator": "is", "value": team.pk}], "any": []}
    team_policy.save()
    assert _first_response_minutes(team.pk) == 7
    team_policy.conditions = {"all": [{"field": "team", "operator": "in", "value": [0]}], "any": []}
    team_policy.save()
    assert _first_response_minutes(team.pk) == 60


def test_calendar_changes_and_holidays_are_seen_at_once():
    calendar = BusinessCalendar.objects.get(name="Business hours")
    assert calendar.is_default
    before = sla_services.policy_spec_for_team(None).calendar
    Holiday.objects.create(calendar=calendar, date=date(2026, 12, 24), name="Christmas Eve")
    assert sla_services.policy_spec_for_team(None).calendar.holidays - before.holidays == {date(2026, 12, 24)}
    calendar.time_zone = "Europe/Paris"
    calendar.save()
    assert sla_services.policy_spec_for_team(None).calendar.time_zone == "Europe/Paris"


def test_imported_holidays_are_seen_at_once():
    calendar = BusinessCalendar.objects.get(name="Business hours")
    calendar.holiday_country = "FR"
    calendar.save()
    assert not sla_services.policy_spec_for_team(None).calendar.holidays
    calendar_import_holidays(calendar=calendar, years=[2026])
    assert date(2026, 7, 14) in sla_services.policy_spec_for_team(None).calendar.holidays


def test_ticket_due_times_follow_the_changed_policy(round_the_clock, customer_a):
    from tickets.services import ticket_create

    with freeze_time("2026-03-02 12:00:00"):
        first = ticket_create(actor=None, title="One", customer=customer_a, priority="high")
        target = round_the_clock.targets.get(priority="high")
        target.first_response_minutes = 30
        target.save()
        second = ticket_create(actor=None, title="Two", customer=customer_a, priority="high")
    assert first.first_response_due_at - first.created_at == timedelta(minutes=60)
    assert second.first_response_due_at - second.created_at == timedelta(minutes=30)
