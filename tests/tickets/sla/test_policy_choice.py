"""tickets/sla/selection.py in exact terms: an SLAPolicy row (saved or a dry run's) as a choice,
field by field; every policy's verdict for explain; pause statuses left empty or not an object
(found by mutation testing). The seeded rows: the "Business hours" default calendar (Mon-Fri
09:00-17:00 UTC in tests), the "24x7" one and the "Default" policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from tickets.business_time import Calendar
from tickets.models import BusinessCalendar, Category, SLAPolicy, SLATarget, Ticket, TicketType
from tickets.sla.policies import PolicySpec, Target
from tickets.sla.selection import (
    PolicyChoice,
    policies_load,
    policy_choice_for,
    policy_choose,
    policy_evaluations,
    sla_policy_validate,
    ticket_facts,
    validate_pause_statuses,
)

pytestmark = pytest.mark.django_db

MON_FRI_9_17 = (((540, 1020),),) * 5 + ((), ())
BUSINESS_HOURS = Calendar(time_zone="UTC", hours=MON_FRI_9_17)
ROUND_THE_CLOCK = Calendar(time_zone="UTC", hours=MON_FRI_9_17, is_24x7=True)
DEFAULT_PAUSES = {
    "first_response": frozenset(),
    "next_reply": frozenset(),
    "resolution": frozenset({"pending", "on_hold"}),
}
GOLD = {"all": [{"field": "customer_tier", "operator": "is", "value": "gold"}], "any": []}


@pytest.mark.parametrize("empty", [None, ""], ids=["none", "empty-string"])
def test_empty_pause_statuses_are_the_defaults(empty):
    assert validate_pause_statuses(empty) == {
        "first_response": [],
        "next_reply": [],
        "resolution": ["on_hold", "pending"],
    }


@pytest.mark.parametrize("value", [["pending"], "pending", 0], ids=["list", "string", "zero"])
def test_pause_statuses_must_be_an_object(value):
    with pytest.raises(ValidationError) as exc:
        validate_pause_statuses(value)
    assert exc.value.messages == ['Pause statuses are an object: {"resolution": ["pending", "on_hold"], ...}.']


def test_a_saved_policy_as_a_choice():
    policy = SLAPolicy.objects.create(
        name="Gold",
        position=7,
        calendar=BusinessCalendar.objects.get(name="24x7"),
        conditions=GOLD,
        pause_statuses={"resolution": ["pending"], "next_reply": ["on_hold"]},
    )
    SLATarget.objects.create(policy=policy, priority="high", first_response_minutes=15, resolution_minutes=120)
    SLATarget.objects.create(
        policy=policy,
        priority="high",
        tier="gold",
        first_response_minutes=5,
        resolution_minutes=60,
        next_reply_minutes=9,
    )
    assert policy_choice_for(policy) == PolicyChoice(
        id=policy.pk,
        name="Gold",
        position=7,
        is_default=False,
        conditions=GOLD,
        spec=PolicySpec(
            calendar=ROUND_THE_CLOCK,
            targets={("high", ""): Target(15, 120, None), ("high", "gold"): Target(5, 60, 9)},
            pauses={
                "first_response": frozenset(),
                "next_reply": frozenset({"on_hold"}),
                "resolution": frozenset({"pending"}),
            },
        ),
        calendar_name="24x7",
    )


def test_targets_given_replace_the_saved_ones():
    policy = SLAPolicy.objects.create(name="Gold", position=7, conditions=GOLD)
    SLATarget.objects.create(policy=policy, priority="high", first_response_minutes=15, resolution_minutes=120)
    unsaved = [SLATarget(priority="low", tier="", first_response_minutes=30, resolution_minutes=300)]
    assert policy_choice_for(policy, targets=unsaved).spec.targets == {("low", ""): Target(30, 300, None)}


def test_an_unsaved_policy_without_calendar_conditions_or_pauses():
    """A dry run's row: no id, no saved targets; the default calendar and pauses."""
    policy = SLAPolicy(name="Draft", position=3, conditions=None, pause_statuses=None)
    assert policy_choice_for(policy) == PolicyChoice(
        id=None,
        name="Draft",
        position=3,
        is_default=False,
        conditions={},
        spec=PolicySpec(calendar=BUSINESS_HOURS, targets={}, pauses=DEFAULT_PAUSES),
        calendar_name="Business hours",
    )


def test_without_any_default_calendar_the_built_in_one_is_named():
    BusinessCalendar.objects.update(is_default=False)
    choice = policy_choice_for(SLAPolicy(name="Draft", is_default=True))
    assert (choice.calendar_name, choice.spec.calendar, choice.is_default) == (
        "Mon-Fri 09:00-17:00 UTC",
        BUSINESS_HOURS,
        True,
    )


def _gold_first() -> tuple[PolicyChoice, ...]:
    never = {"all": [{"field": "priority", "operator": "is", "value": "critical"}], "any": []}
    return (PolicyChoice(1, "Gold", 1, False, GOLD), PolicyChoice(None, "Fallback", 0, True, never))


def test_every_policy_with_its_verdict():
    """The default is judged with no conditions (it always applies), whatever it holds."""
    ticket = Ticket(priority="low", metadata={})
    gold = policy_evaluations(ticket, tier="gold", choices=_gold_first())
    assert [(choice.name, evaluation.matched, len(evaluation.outcomes)) for choice, evaluation in gold] == [
        ("Gold", True, 1),
        ("Fallback", True, 0),
    ]
    assert gold[0][1].outcomes[0].reason == "customer_tier is gold"
    silver = policy_evaluations(ticket, tier="silver", choices=_gold_first())
    assert [(choice.name, evaluation.matched) for choice, evaluation in silver] == [("Gold", False), ("Fallback", True)]


def test_the_cached_policies_by_default():
    evaluations = policy_evaluations(Ticket(priority="low", metadata={}))
    assert [(choice.name, evaluation.matched, evaluation.outcomes) for choice, evaluation in evaluations] == [
        ("Default", True, ())
    ]


def test_the_default_policy_may_not_have_any_conditions_either():
    policy = SLAPolicy(
        name="Default",
        is_default=True,
        conditions={"any": [{"field": "priority", "operator": "is", "value": "high"}]},
    )
    with pytest.raises(ValidationError) as exc:
        sla_policy_validate(policy)
    assert exc.value.message_dict == {
        "conditions": ["The default policy applies when no other does: leave its conditions empty."]
    }


T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_the_facts_policies_test():
    free = baker.make_recipe("tests.customers.customer", tier="free")
    agent = baker.make(get_user_model())
    ticket = Ticket(customer=free, assignee=agent, priority="high", metadata={"plan": "pro"})
    with freeze_time(T0):
        facts = ticket_facts(ticket, "gold")
    assert (facts.now, facts.metadata) == (T0, {"plan": "pro"})
    assert {
        name: facts.value(name) for name in ("customer_tier", "assignee", "priority", "category", "ticket_type")
    } == {
        "customer_tier": "gold",
        "assignee": agent.pk,
        "priority": "high",
        "category": None,
        "ticket_type": None,
    }
    assert ticket_facts(ticket).value("customer_tier") == "free"
    assert ticket_facts(ticket).values.get("no_such_field", "?") == "?"


def test_facts_of_a_ticket_without_customer_metadata_or_saved_category():
    ticket = Ticket(
        priority="low", metadata=None, category=Category(slug="billing"), ticket_type=TicketType(slug="question")
    )
    facts = ticket_facts(ticket)
    assert (facts.metadata, facts.value("customer_tier"), facts.value("category"), facts.value("ticket_type")) == (
        {},
        None,
        None,
        None,
    )


def test_pause_statuses_of_a_metric_are_a_list():
    with pytest.raises(ValidationError) as exc:
        validate_pause_statuses({"resolution": "pending"})
    assert exc.value.messages == ["resolution: a list of statuses."]


def test_a_loaded_policy_keeps_its_pauses_and_next_reply_target():
    policy = SLAPolicy.objects.create(name="Gold", position=1, pause_statuses={"resolution": ["pending"]})
    SLATarget.objects.create(
        policy=policy, priority="low", first_response_minutes=5, resolution_minutes=60, next_reply_minutes=9
    )
    gold = next(choice for choice in policies_load() if choice.name == "Gold")
    assert gold.spec.targets == {("low", ""): Target(5, 60, 9)}
    assert gold.spec.pauses == {
        "first_response": frozenset(),
        "next_reply": frozenset(),
        "resolution": frozenset({"pending"}),
    }


def test_the_tier_given_chooses_the_policy():
    ticket = Ticket(priority="low", metadata={})
    assert policy_choose(ticket, tier="gold", choices=_gold_first()).name == "Gold"
    assert policy_choose(ticket, choices=_gold_first()).name == "Fallback"


def test_without_a_default_and_no_match_the_last_choice():
    never = {"all": [{"field": "priority", "operator": "is", "value": "critical"}], "any": []}
    choices = tuple(PolicyChoice(n, name, n, False, never) for n, name in enumerate(("A", "B", "C"), start=1))
    assert policy_choose(Ticket(priority="low", metadata={}), choices=choices).name == "C"


def _loaded() -> list[tuple[str, str, bool, bool]]:
    return [(c.name, c.calendar_name, c.spec.calendar.is_24x7, c.is_default) for c in policies_load()]


def test_loaded_policies_each_on_its_calendar_or_the_default_one():
    SLAPolicy.objects.create(name="Night", position=1, calendar=BusinessCalendar.objects.get(name="24x7"))
    SLAPolicy.objects.create(name="Plain", position=2, calendar=None)
    assert _loaded() == [
        ("Night", "24x7", True, False),
        ("Plain", "Business hours", False, False),
        ("Default", "Business hours", False, True),
    ]


def test_a_default_policy_without_calendar_is_on_the_default_calendar():
    SLAPolicy.objects.update(calendar=None)
    assert _loaded() == [("Default", "Business hours", False, True)]


def test_without_a_default_policy_the_built_in_one_is_on_the_default_calendar():
    SLAPolicy.objects.update(is_default=False)
    assert _loaded() == [
        ("Default", "Business hours", False, False),
        ("built-in defaults", "Business hours", False, True),
    ]


def test_without_any_default_calendar_the_built_in_calendar():
    SLAPolicy.objects.update(calendar=None)
    BusinessCalendar.objects.update(is_default=False)
    assert _loaded() == [("Default", "Mon-Fri 09:00-17:00 UTC", False, True)]


def test_loading_costs_five_queries_whatever_the_number_of_policies(django_assert_num_queries):
    """Policies with their calendars, their targets, the default calendar, then each calendar's holidays
    (24x7, Business hours)."""
    night = BusinessCalendar.objects.get(name="24x7")
    for position in range(1, 4):
        SLAPolicy.objects.create(name=f"Night {position}", position=position, calendar=night)
    SLAPolicy.objects.create(name="Plain", position=9, calendar=None)
    with django_assert_num_queries(5):
        assert len(policies_load()) == 5
