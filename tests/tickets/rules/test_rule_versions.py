"""Saving, deleting and restoring rules (tickets/rules/services.py): who may, what is refused with
which message, and the exact versions recorded (number, actor, before, after, note)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from agents.models import Role
from config.exceptions import ApplicationError
from tickets.models import Automation, RuleVersion, Trigger
from tickets.rules.services import (
    require_rule_admin,
    rule_delete,
    rule_kind,
    rule_restore,
    rule_save,
    rule_validate,
)

pytestmark = pytest.mark.django_db

CONDITIONS = {"all": [{"field": "status", "operator": "is", "value": "open"}], "any": []}
ACTIONS = [{"action": "add_tags", "value": ["vip"]}]


def _snapshot(name, *, description="", is_active=True, position=100, conditions=CONDITIONS, actions=ACTIONS, key=None):
    return {
        "name": name,
        "description": description,
        "is_active": is_active,
        "position": position,
        "conditions": conditions,
        "actions": actions,
        "key": key,
    }


@pytest.fixture
def admin(make_agent):
    return make_agent(Role.ADMIN).user


def test_rule_kind_of_instances_and_classes():
    assert [rule_kind(Trigger()), rule_kind(Trigger), rule_kind(Automation()), rule_kind(Automation)] == [
        "trigger",
        "trigger",
        "automation",
        "automation",
    ]


def test_only_admins_and_the_system_manage_rules(make_agent, admin):
    require_rule_admin(None)
    require_rule_admin(admin)
    with pytest.raises(ApplicationError) as caught:
        require_rule_admin(make_agent(Role.SENIOR_AGENT).user)

    assert (caught.value.message, caught.value.code, caught.value.http_status) == (
        "Only admins manage rules.",
        "permission_denied",
        403,
    )


def test_validation_names_every_field_at_fault_at_once():
    rule = Trigger(name="", conditions={"all": "x"}, actions=[])

    with pytest.raises(ValidationError) as caught:
        rule_validate(rule)

    assert caught.value.message_dict == {
        "conditions": ['"all" must be a list of conditions.'],
        "actions": ['A rule needs at least one action (a list of {"action", "value"}).'],
        "name": ["This field cannot be blank."],
    }


def test_validation_normalises_in_place():
    rule = Automation(name="Tidy", conditions=None, actions=[{"action": "escalate", "value": "x"}])

    rule_validate(rule)

    assert (rule.conditions, rule.actions) == ({"all": [], "any": []}, [{"action": "escalate"}])


def test_save_records_numbered_versions_only_for_changes(admin):
    rule = rule_save(rule=Trigger(name="VIP", conditions=CONDITIONS, actions=ACTIONS), actor=admin, note="first")
    rule_save(rule=rule, actor=admin, note="nothing changed")
    rule.description = "Tag VIPs"
    rule_save(rule=rule, actor=None, note="n" * 250)

    versions = list(
        RuleVersion.objects.filter(kind="trigger", rule_id=rule.pk)
        .order_by("number")
        .values_list("number", "actor_id", "before", "after", "note")
    )
    assert versions == [
        (1, admin.pk, None, _snapshot("VIP"), "first"),
        (2, None, _snapshot("VIP"), _snapshot("VIP", description="Tag VIPs"), "n" * 200),
    ]


def test_versions_are_numbered_per_kind_and_rule(admin):
    trigger = rule_save(rule=Trigger(name="T", conditions=CONDITIONS, actions=ACTIONS), actor=admin)
    automation = rule_save(rule=Automation(name="A", conditions=CONDITIONS, actions=ACTIONS), actor=admin)

    assert RuleVersion.objects.get(kind="trigger", rule_id=trigger.pk).number == 1
    assert RuleVersion.objects.get(kind="automation", rule_id=automation.pk).number == 1


def test_the_key_stays_the_products(admin):
    rule = rule_save(rule=Trigger(name="Shipped", conditions=CONDITIONS, actions=ACTIONS), actor=None)
    Trigger.objects.filter(pk=rule.pk).update(key="shipped-rule")
    edited = Trigger.objects.get(pk=rule.pk)
    edited.key = "hijacked"
    edited.position = 5

    rule_save(rule=edited, actor=admin)

    assert Trigger.objects.get(pk=rule.pk).key == "shipped-rule"
    assert RuleVersion.objects.filter(rule_id=rule.pk, kind="trigger").order_by("number").last().after == _snapshot(
        "Shipped", position=5, key="shipped-rule"
    )


def test_a_default_rule_is_not_deleted(admin):
    rule = rule_save(rule=Trigger(name="Shipped", conditions=CONDITIONS, actions=ACTIONS), actor=None)
    Trigger.objects.filter(pk=rule.pk).update(key="shipped-rule")
    rule.refresh_from_db()

    with pytest.raises(ApplicationError) as caught:
        rule_delete(rule=rule, actor=admin)

    assert (caught.value.message, caught.value.code, caught.value.http_status) == (
        "'Shipped' is a default rule: disable it instead of deleting it.",
        "default_rule",
        409,
    )
    assert Trigger.objects.filter(pk=rule.pk).exists()


def test_delete_then_restore_brings_the_rule_back_under_its_id(admin):
    rule = rule_save(rule=Automation(name="Close", conditions=CONDITIONS, actions=ACTIONS), actor=admin)
    rule_id = rule.pk

    rule_delete(rule=rule, actor=admin)

    deleted = RuleVersion.objects.get(kind="automation", rule_id=rule_id, number=2)
    assert (deleted.actor_id, deleted.before, deleted.after, deleted.note) == (
        admin.pk,
        _snapshot("Close"),
        None,
        "Deleted.",
    )
    assert not Automation.objects.filter(pk=rule_id).exists()

    restored = rule_restore(version=deleted, actor=admin)

    assert restored.pk == rule_id
    assert (restored.name, restored.conditions, restored.actions) == ("Close", CONDITIONS, ACTIONS)
    last = RuleVersion.objects.get(kind="automation", rule_id=rule_id, number=3)
    assert (last.before, last.after, last.note) == (None, _snapshot("Close"), "Restored version 2.")


def test_restore_takes_the_state_after_that_save(admin):
    rule = rule_save(rule=Trigger(name="Route", conditions=CONDITIONS, actions=ACTIONS), actor=admin)
    rule.position = 7
    rule_save(rule=rule, actor=admin)
    rule.position = 9
    rule_save(rule=rule, actor=admin)

    rule_restore(version=RuleVersion.objects.get(kind="trigger", rule_id=rule.pk, number=2), actor=admin)

    assert Trigger.objects.get(pk=rule.pk).position == 7
    assert RuleVersion.objects.get(kind="trigger", rule_id=rule.pk, number=4).note == "Restored version 2."


def test_restore_of_a_deleted_default_rule_keeps_its_key(admin):
    version = RuleVersion.objects.create(
        kind="trigger", rule_id=987654, number=1, before=_snapshot("Shipped", key="shipped-rule"), after=None
    )

    restored = rule_restore(version=version, actor=None)

    assert (restored.pk, restored.key) == (987654, "shipped-rule")


def test_a_version_holding_no_rule_is_not_restored(admin):
    version = RuleVersion.objects.create(kind="trigger", rule_id=1, number=1, before=None, after=None)

    with pytest.raises(ApplicationError) as caught:
        rule_restore(version=version, actor=admin)

    assert (caught.value.message, caught.value.code, caught.value.http_status) == (
        "This version holds no rule to restore.",
        "empty_version",
        409,
    )


def test_restore_needs_an_admin(make_agent):
    version = RuleVersion.objects.create(kind="trigger", rule_id=1, number=1, before=_snapshot("X"), after=None)

    with pytest.raises(ApplicationError):
        rule_restore(version=version, actor=make_agent(Role.AGENT).user)
    with pytest.raises(ApplicationError):
        rule_delete(rule=Trigger(name="X"), actor=make_agent(Role.AGENT).user)
