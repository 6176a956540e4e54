"""tickets/rules/services.py beyond the happy path: SLA policy snapshots and their versions, saving
a rule whose row is gone, restoring onto an existing rule, the actor recorded, and validation
messages merged per field. Every expected snapshot is written out."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from agents.models import Role
from config.exceptions import ApplicationError
from tickets.models import Automation, RuleKind, RuleVersion, SLAPolicy, SLATarget, Trigger
from tickets.rules.services import (
    rule_delete,
    rule_restore,
    rule_save,
    rule_snapshot,
    rule_validate,
    sla_policy_snapshot,
    sla_policy_version_record,
)

pytestmark = pytest.mark.django_db

CONDITIONS = {"all": [{"field": "status", "operator": "is", "value": "open"}], "any": []}
ACTIONS = [{"action": "add_tags", "value": ["vip"]}]


@pytest.fixture
def admin(make_agent):
    return make_agent(Role.ADMIN).user


@pytest.fixture
def policy():
    policy = SLAPolicy.objects.create(
        name="Gold",
        description="For gold customers",
        position=3,
        conditions={"all": [{"field": "customer_tier", "operator": "is", "value": "premium"}], "any": []},
        pause_statuses={"first_response": [], "next_reply": [], "resolution": ["pending"]},
    )
    SLATarget.objects.create(policy=policy, priority="low", tier="premium", resolution_minutes=600)
    SLATarget.objects.create(policy=policy, priority="high", tier="", first_response_minutes=30)
    SLATarget.objects.create(policy=policy, priority="critical", tier="", first_response_minutes=10)
    return policy


def test_a_policy_snapshot_with_its_targets_by_tier_then_priority(policy):
    assert sla_policy_snapshot(policy) == {
        "name": "Gold",
        "description": "For gold customers",
        "position": 3,
        "is_default": False,
        "calendar_id": policy.calendar_id,
        "conditions": {"all": [{"field": "customer_tier", "operator": "is", "value": "premium"}], "any": []},
        "pause_statuses": {"first_response": [], "next_reply": [], "resolution": ["pending"]},
        "targets": [
            {
                "priority": "critical",
                "tier": "",
                "first_response_minutes": 10,
                "next_reply_minutes": None,
                "resolution_minutes": None,
            },
            {
                "priority": "high",
                "tier": "",
                "first_response_minutes": 30,
                "next_reply_minutes": None,
                "resolution_minutes": None,
            },
            {
                "priority": "low",
                "tier": "premium",
                "first_response_minutes": None,
                "next_reply_minutes": None,
                "resolution_minutes": 600,
            },
        ],
    }


def test_policy_versions_are_numbered_and_skip_no_change(policy, admin):
    sla_policy_version_record(policy=policy, actor=admin, before=None, note="Created.")
    before = sla_policy_snapshot(policy)
    sla_policy_version_record(policy=policy, actor=admin, before=before, note="Saved unchanged.")
    policy.position = 4
    policy.save()
    sla_policy_version_record(policy=policy, actor=None, before=before)

    versions = list(
        RuleVersion.objects.filter(kind=RuleKind.SLA_POLICY, rule_id=policy.pk)
        .order_by("number")
        .values_list("number", "actor_id", "note")
    )
    assert versions == [(1, admin.pk, "Created."), (2, None, "")]
    second = RuleVersion.objects.get(kind=RuleKind.SLA_POLICY, rule_id=policy.pk, number=2)
    assert (second.before["position"], second.after["position"]) == (3, 4)
    assert second.after["targets"] == before["targets"]


def test_a_policy_version_does_not_count_a_rules_versions(policy):
    RuleVersion.objects.create(kind=RuleKind.TRIGGER, rule_id=policy.pk, number=7, after={})
    sla_policy_version_record(policy=policy, actor=None, before=None)
    assert RuleVersion.objects.get(kind=RuleKind.SLA_POLICY, rule_id=policy.pk).number == 1


def test_saving_a_rule_whose_row_is_gone_records_no_before(admin):
    rule = rule_save(rule=Trigger(name="Gone", conditions=CONDITIONS, actions=ACTIONS), actor=admin)
    Trigger.objects.filter(pk=rule.pk).delete()
    rule.key = "kept-from-the-caller"
    rule_save(rule=rule, actor=admin, note="again")
    last = RuleVersion.objects.filter(kind="trigger", rule_id=rule.pk).order_by("number").last()
    assert (last.number, last.before, last.after["key"], last.note) == (2, None, "kept-from-the-caller", "again")


def test_the_system_saves_as_nobody_and_the_snapshot_is_the_rules_fields():
    rule = rule_save(rule=Automation(name="Quiet", conditions=CONDITIONS, actions=ACTIONS), actor=None)
    version = RuleVersion.objects.get(kind="automation", rule_id=rule.pk)
    assert version.actor_id is None
    assert rule_snapshot(rule) == {
        "name": "Quiet",
        "description": "",
        "is_active": True,
        "position": 100,
        "conditions": CONDITIONS,
        "actions": ACTIONS,
        "key": None,
    }


def test_restore_onto_an_existing_rule_keeps_its_key_and_number(admin):
    rule = rule_save(rule=Trigger(name="Shipped", conditions=CONDITIONS, actions=ACTIONS), actor=None)
    Trigger.objects.filter(pk=rule.pk).update(key="shipped")
    first = RuleVersion.objects.get(kind="trigger", rule_id=rule.pk, number=1)  # its key was None then
    changed = Trigger.objects.get(pk=rule.pk)
    changed.name = "Renamed"
    rule_save(rule=changed, actor=admin)

    restored = rule_restore(version=first, actor=admin)

    assert (restored.pk, restored.name, restored.key) == (rule.pk, "Shipped", "shipped")
    last = RuleVersion.objects.get(kind="trigger", rule_id=rule.pk, number=3)
    assert (last.actor_id, last.before["name"], last.after["name"], last.after["key"], last.note) == (
        admin.pk,
        "Renamed",
        "Shipped",
        "shipped",
        "Restored version 1.",
    )


def test_restore_onto_an_existing_rule_without_a_key_does_not_take_the_versions_key(admin):
    """The key is the product's: only a deleted rule gets its key back from a version."""
    rule = rule_save(rule=Automation(name="Was shipped", conditions=CONDITIONS, actions=ACTIONS), actor=None)
    version = RuleVersion.objects.create(
        kind="automation",
        rule_id=rule.pk,
        number=9,
        before=None,
        after=rule_snapshot(rule) | {"key": "was-shipped", "position": 1},
    )
    restored = rule_restore(version=version, actor=None)
    assert (restored.key, restored.position) == (None, 1)
    assert Automation.objects.get(pk=rule.pk).key is None


def test_delete_continues_the_numbering(admin):
    rule = rule_save(rule=Trigger(name="Short-lived", conditions=CONDITIONS, actions=ACTIONS), actor=admin)
    rule.position = 2
    rule_save(rule=rule, actor=admin)
    rule_id = rule.pk
    rule_delete(rule=rule, actor=None)
    deleted = RuleVersion.objects.get(kind="trigger", rule_id=rule_id, note="Deleted.")
    assert (deleted.number, deleted.actor_id, deleted.before["position"], deleted.after) == (3, None, 2, None)


def test_model_errors_join_the_rule_errors():
    rule = Trigger(name="x" * 121, position=-1, conditions=CONDITIONS, actions=[{"action": "nope"}])
    with pytest.raises(ValidationError) as caught:
        rule_validate(rule)
    assert caught.value.message_dict == {
        "actions": [caught.value.message_dict["actions"][0]],
        "name": ["Ensure this value has at most 120 characters (it has 121)."],
        "position": ["Ensure this value is greater than or equal to 0."],
    }
    assert "nope" in caught.value.message_dict["actions"][0]


def test_valid_rules_pass_with_a_key():
    rule = Trigger(name="Keyed", key="keyed", conditions=CONDITIONS, actions=ACTIONS)
    rule_validate(rule)
    assert (rule.conditions, rule.actions) == (CONDITIONS, ACTIONS)


def test_only_admins_save(make_agent):
    with pytest.raises(ApplicationError) as caught:
        rule_save(rule=Trigger(name="Mine", conditions=CONDITIONS, actions=ACTIONS), actor=make_agent(Role.AGENT).user)
    assert caught.value.code == "permission_denied"
    assert not Trigger.objects.filter(name="Mine").exists()


def test_a_non_admin_restoring_an_empty_version_is_refused_as_a_non_admin(make_agent):
    version = RuleVersion.objects.create(kind="trigger", rule_id=1, number=1, before=None, after=None)
    with pytest.raises(ApplicationError) as caught:
        rule_restore(version=version, actor=make_agent(Role.SENIOR_AGENT).user)
    assert caught.value.code == "permission_denied"


def test_a_save_without_a_note_records_an_empty_note(admin):
    rule = rule_save(rule=Trigger(name="Plain", conditions=CONDITIONS, actions=ACTIONS), actor=admin)
    assert RuleVersion.objects.get(kind="trigger", rule_id=rule.pk).note == ""


def test_versions_are_numbered_per_rule_of_one_kind(admin):
    first = rule_save(rule=Trigger(name="One", conditions=CONDITIONS, actions=ACTIONS), actor=admin)
    first.position = 1
    rule_save(rule=first, actor=admin)
    second = rule_save(rule=Trigger(name="Two", conditions=CONDITIONS, actions=ACTIONS), actor=admin)
    assert list(
        RuleVersion.objects.filter(kind="trigger", rule_id__in=[first.pk, second.pk])
        .order_by("rule_id", "number")
        .values_list("rule_id", "number")
    ) == [(first.pk, 1), (first.pk, 2), (second.pk, 1)]


def test_a_policy_version_by_someone_not_a_user_records_nobody(policy):
    sla_policy_version_record(policy=policy, actor=AnonymousUser(), before=None)
    assert RuleVersion.objects.get(kind=RuleKind.SLA_POLICY, rule_id=policy.pk).actor_id is None


def test_conditions_that_are_not_json_keep_the_conditions_message():
    rule = Trigger(name="Odd", conditions={"all": [{1, 2}]}, actions=ACTIONS)
    with pytest.raises(ValidationError) as caught:
        rule_validate(rule)
    assert caught.value.message_dict == {"conditions": ['all #1: a condition is {"field", "operator", "value"}.']}


def test_the_callers_key_is_not_validated_on_an_existing_rule(admin):
    rule = rule_save(rule=Trigger(name="Shipped", conditions=CONDITIONS, actions=ACTIONS), actor=None)
    Trigger.objects.filter(pk=rule.pk).update(key="shipped")
    edited = Trigger.objects.get(pk=rule.pk)
    edited.key = "not a slug!"
    edited.position = 3
    rule_save(rule=edited, actor=admin)
    assert Trigger.objects.values_list("key", "position").get(pk=rule.pk) == ("shipped", 3)
