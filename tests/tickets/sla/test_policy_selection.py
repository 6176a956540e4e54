"""SLA policies by condition: tried in order, the first whose conditions hold wins (else the
default); conditions in the trigger condition language over tier, organisation, category,
priority, channel and team; validation names the field; the dry run agrees with the real thing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from tickets import services
from tickets.models import BusinessCalendar, Category, SLAEvent, SLAPolicy, SLATarget, Ticket
from tickets.sla.dryrun import sla_policy_dry_run
from tickets.sla.selection import sla_policy_validate

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday


def _policy(name: str, position: int, conditions: list[dict], minutes: int) -> SLAPolicy:
    policy = SLAPolicy.objects.create(
        name=name,
        position=position,
        calendar=BusinessCalendar.objects.get(name="24x7"),
        conditions={"all": conditions, "any": []},
    )
    for priority in ("low", "medium", "high", "critical"):
        SLATarget.objects.create(
            policy=policy, priority=priority, first_response_minutes=minutes, resolution_minutes=minutes * 10
        )
    return policy


@pytest.fixture
def ladder(org_b):
    team = baker.make_recipe("tests.agents.team", auto_assign_priorities=[])
    Category.objects.create(slug="billing", name="Billing")
    _policy("Enterprise", 10, [{"field": "customer_tier", "operator": "is", "value": "enterprise"}], 10)
    _policy("Org B", 20, [{"field": "organization", "operator": "is", "value": org_b.pk}], 20)
    _policy("Billing", 30, [{"field": "category", "operator": "is", "value": "billing"}], 30)
    _policy("Critical", 40, [{"field": "priority", "operator": "is", "value": "critical"}], 40)
    _policy("Email", 50, [{"field": "channel", "operator": "is", "value": "email"}], 50)
    _policy("Team", 60, [{"field": "team", "operator": "is", "value": team.pk}], 60)
    return team


def _open(customer, *, team=None, **kwargs) -> Ticket:
    with freeze_time(T0):
        return services.ticket_create(actor=None, title="Help", customer=customer, team=team, **kwargs)


@pytest.mark.parametrize(
    ("who", "tier", "fields", "on_team", "expected", "frt_minutes"),
    [
        pytest.param("a", "free", {}, False, "Default", 1440, id="nothing-matches-default"),
        pytest.param("a", "enterprise", {}, False, "Enterprise", 10, id="tier"),
        pytest.param("b", "free", {}, False, "Org B", 20, id="organisation"),
        pytest.param("a", "free", {"category": "billing"}, False, "Billing", 30, id="category"),
        pytest.param("a", "free", {"priority": "critical"}, False, "Critical", 40, id="priority"),
        pytest.param("a", "free", {"channel": "email"}, False, "Email", 50, id="channel"),
        pytest.param("a", "free", {}, True, "Team", 60, id="team"),
        pytest.param(
            "a", "enterprise", {"priority": "critical", "channel": "email"}, True, "Enterprise", 10, id="first-wins"
        ),
        pytest.param("b", "free", {"category": "billing"}, False, "Org B", 20, id="org-before-category"),
        pytest.param("a", "free", {"priority": "critical"}, True, "Critical", 40, id="priority-before-team"),
    ],
)
def test_the_first_matching_policy_wins(
    ladder, customer_a, customer_b, who, tier, fields, on_team, expected, frt_minutes
):
    customer = customer_a if who == "a" else customer_b
    customer.tier = tier
    customer.save()
    fields = {"priority": "medium", **fields}

    ticket = _open(customer, team=ladder if on_team else None, **fields)

    assert ticket.sla_policy.name == expected
    if expected != "Default":  # 24x7: wall-clock minutes
        assert ticket.first_response_due_at == T0 + timedelta(minutes=frt_minutes)


def test_reordering_changes_which_policy_wins(ladder, customer_a):
    SLAPolicy.objects.filter(name="Team").update(position=5)
    SLAPolicy.objects.get(name="Team").save()  # a save forgets the cached policies

    ticket = _open(customer_a, team=ladder, priority="critical")

    assert ticket.sla_policy.name == "Team"


def test_a_change_of_a_tested_field_rechooses_the_policy_from_the_log(ladder, customer_a, agent):
    ticket = _open(customer_a, priority="medium")
    assert ticket.sla_policy.name == "Default"

    with freeze_time(T0 + timedelta(minutes=5)):
        ticket = services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "critical"})

    assert ticket.sla_policy.name == "Critical"
    assert ticket.first_response_due_at == T0 + timedelta(minutes=40)  # from the clock's start, not the change
    assert ticket.resolution_due_at == T0 + timedelta(minutes=400)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        pytest.param(
            {"conditions": {"all": [{"field": "status", "operator": "is", "value": "open"}]}},
            "conditions",
            "all #1 (status): SLA policies test only customer_tier, organization, category, ticket_type, priority, "
            "channel, team, tags.",
            id="trigger-only-field",
        ),
        pytest.param(
            {"conditions": {"any": [{"field": "colour", "operator": "is", "value": "red"}]}},
            "conditions",
            "any #1: unknown field 'colour'.",
            id="unknown-field",
        ),
        pytest.param(
            {"conditions": {"all": [{"field": "priority", "operator": "is", "value": "urgent"}]}},
            "conditions",
            "all #1 (priority): 'urgent' is not one of low, medium, high, critical.",
            id="bad-value",
        ),
        pytest.param(
            {"pause_statuses": {"resolution": ["closed"]}},
            "pause_statuses",
            "resolution: 'closed' is not a status that can pause a clock (open, in_progress, pending, on_hold).",
            id="pause-done-status",
        ),
        pytest.param(
            {"pause_statuses": {"speed": []}},
            "pause_statuses",
            "'speed' is not a metric (first_response, next_reply, resolution).",
            id="pause-unknown-metric",
        ),
        pytest.param(
            {"is_default": True, "conditions": {"all": [{"field": "channel", "operator": "is", "value": "web"}]}},
            "conditions",
            "The default policy applies when no other does: leave its conditions empty.",
            id="default-with-conditions",
        ),
    ],
)
def test_validation_names_the_field_and_the_condition(values, field, message):
    policy = SLAPolicy(name="Bad", **values)

    with pytest.raises(ValidationError) as exc:
        sla_policy_validate(policy)

    assert exc.value.message_dict == {field: [message]}


def test_pause_statuses_default_to_pending_and_on_hold_for_resolution():
    policy = SLAPolicy(name="Fine", pause_statuses={})

    sla_policy_validate(policy)

    assert policy.pause_statuses == {"first_response": [], "next_reply": [], "resolution": ["on_hold", "pending"]}


def test_dry_run_writes_nothing_and_agrees_with_the_real_policy(ladder, customer_a, django_capture_on_commit_callbacks):
    plain = _open(customer_a, priority="high")
    email = _open(customer_a, priority="high", channel="email")
    before = (Ticket.objects.count(), SLAEvent.objects.count(), SLAPolicy.objects.count(), SLATarget.objects.count())
    draft = SLAPolicy(
        name="High first",
        position=1,
        calendar=BusinessCalendar.objects.get(name="24x7"),
        conditions={"all": [{"field": "priority", "operator": "is", "value": "high"}], "any": []},
    )
    targets = [SLATarget(policy=draft, priority="high", first_response_minutes=5, resolution_minutes=50)]

    with freeze_time(T0 + timedelta(minutes=1)), django_capture_on_commit_callbacks() as callbacks:
        result = sla_policy_dry_run(policy=draft, tickets=[plain, email], targets=targets)

    assert callbacks == []
    assert before == (
        Ticket.objects.count(),
        SLAEvent.objects.count(),
        SLAPolicy.objects.count(),
        SLATarget.objects.count(),
    )
    by_ticket = {r["ticket"]: r for r in result["results"]}
    assert result["tickets_matched"] == 2
    assert (by_ticket[plain.pk]["policy_now"], by_ticket[plain.pk]["policy_would_be"]) == ("Default", "High first")
    assert (by_ticket[email.pk]["policy_now"], by_ticket[email.pk]["policy_would_be"]) == ("Email", "High first")
    assert by_ticket[email.pk]["changes"]["first_response_due_at"] == {
        "old": T0 + timedelta(minutes=50),
        "new": T0 + timedelta(minutes=5),
    }

    # Saved for real, the same tickets get what the dry run said.
    draft.save()
    targets[0].save()
    for ticket in (plain, email):
        with freeze_time(T0 + timedelta(minutes=2)):
            ticket = services.ticket_update(ticket=ticket, actor=None, data={"tags": ["x"]})
        for name, change in by_ticket[ticket.pk]["changes"].items():
            assert getattr(ticket, name) == change["new"], name
        assert ticket.sla_policy.name == "High first"


def test_migration_made_team_policies_conditions(customer_a):
    """0023 turned each policy's teams into a team condition; the shipped default has none."""
    default = SLAPolicy.objects.get(is_default=True)

    assert default.conditions == {"all": [], "any": []}
    assert default.pause_statuses == {"first_response": [], "next_reply": [], "resolution": ["on_hold", "pending"]}


def test_an_incident_policy_by_ticket_type(customer_a, agent):
    _policy("Incidents", 5, [{"field": "ticket_type", "operator": "is", "value": "incident"}], 15)
    incident = _open(customer_a, ticket_type="incident")
    question = _open(customer_a, ticket_type="question")
    assert (incident.sla_policy.name, question.sla_policy.name) == ("Incidents", "Default")
    assert incident.first_response_due_at == T0 + timedelta(minutes=15)
    with freeze_time(T0 + timedelta(minutes=1)):
        changed = services.ticket_update(ticket=question, actor=agent.user, data={"ticket_type": "incident"})
    assert changed.sla_policy.name == "Incidents"  # the type is an SLA input: the policy is chosen again


def test_the_dry_run_api_answers_admins_and_names_bad_fields(api_admin, api_agent, customer_a):
    ticket = _open(customer_a, priority="high")
    payload = {
        "name": "High first",
        "position": 1,
        "calendar": BusinessCalendar.objects.get(name="24x7").pk,
        "conditions": {"all": [{"field": "priority", "operator": "is", "value": "high"}]},
        "targets": [{"priority": "high", "first_response_minutes": 5, "resolution_minutes": 50}],
        "ticket": ticket.pk,
    }

    response = api_admin.post("/api/v1/sla-policies/dry-run/", payload, format="json")

    assert response.status_code == 200, response.content
    [result] = response.json()["results"]
    assert (result["matched"], result["policy_would_be"]) == (True, "High first")
    assert result["changes"]["first_response_due_at"]["new"] == "2026-03-02T12:05:00Z"
    assert api_agent.post("/api/v1/sla-policies/dry-run/", payload, format="json").status_code == 403
    bad = api_admin.post("/api/v1/sla-policies/dry-run/", {**payload, "calendar": 999999}, format="json")
    assert bad.status_code == 400
    assert bad.json()["calendar"] == ["No such business calendar."]
    bad = api_admin.post(
        "/api/v1/sla-policies/dry-run/",
        {**payload, "conditions": {"all": [{"field": "status", "operator": "is", "value": "open"}]}},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["conditions"] == [
        "all #1 (status): SLA policies test only customer_tier, organization, category, ticket_type, priority, "
        "channel, team, tags."
    ]
