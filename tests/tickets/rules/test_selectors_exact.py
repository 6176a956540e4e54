"""Reading rules (tickets/rules/selectors.py) stated exactly: triggers and automations in running
order (position, then id, whatever order the rows are stored in) and a rule's versions, newest
first, of that kind and that rule only, with their actors in the same query."""

from __future__ import annotations

import pytest
from model_bakery import baker

from agents.models import Role
from tickets.models import Automation, RuleVersion, Trigger
from tickets.rules.selectors import automation_list, rule_versions, trigger_list

pytestmark = pytest.mark.django_db

ACTIONS = [{"action": "unassign"}]


def _rules(model) -> None:
    """Only four rules (the shipped ones removed), created out of running order; the first tie is
    saved again afterwards, which on PostgreSQL moves its row behind the second one, so only the id
    can keep them in order."""
    model.objects.all().delete()
    model.objects.create(name="Late", position=500, actions=ACTIONS)
    tie_first = model.objects.create(name="Tie first", position=50, actions=ACTIONS)
    model.objects.create(name="Tie second", position=50, actions=ACTIONS)
    model.objects.create(name="Early", position=1, actions=ACTIONS)
    tie_first.description = "saved again"
    tie_first.save()


def test_triggers_run_by_position_then_id():
    _rules(Trigger)

    assert [(t.name, t.position) for t in trigger_list()] == [
        ("Early", 1),
        ("Tie first", 50),
        ("Tie second", 50),
        ("Late", 500),
    ]


def test_automations_run_by_position_then_id():
    _rules(Automation)

    assert [(a.name, a.position) for a in automation_list()] == [
        ("Early", 1),
        ("Tie first", 50),
        ("Tie second", 50),
        ("Late", 500),
    ]


def test_a_rules_versions_are_its_own_newest_first_with_their_actor(make_agent, django_assert_num_queries):
    admin = make_agent(Role.ADMIN, name="Ada Admin").user
    other = make_agent(Role.ADMIN, name="Otto Other").user
    for number, actor in [(2, other), (3, admin), (1, admin)]:
        baker.make(RuleVersion, kind="trigger", rule_id=7, number=number, actor=actor, note=f"trigger 7 v{number}")
    baker.make(RuleVersion, kind="automation", rule_id=7, number=4, actor=admin, note="automation 7 v4")
    baker.make(RuleVersion, kind="trigger", rule_id=8, number=5, actor=admin, note="trigger 8 v5")

    with django_assert_num_queries(1):
        versions = [(v.note, v.actor.name) for v in rule_versions(kind="trigger", rule_id=7)]

    assert versions == [("trigger 7 v3", "Ada Admin"), ("trigger 7 v2", "Otto Other"), ("trigger 7 v1", "Ada Admin")]
    assert [v.note for v in rule_versions(kind="automation", rule_id=7)] == ["automation 7 v4"]
    assert [v.note for v in rule_versions(kind="trigger", rule_id=9)] == []
