"""/api/v1/triggers/ and /api/v1/automations/: agents read, admins write; errors name the field and
the condition or action at fault; default rules cannot be deleted; versions and restore."""

from __future__ import annotations

import pytest

from tickets.models import RuleVersion, Trigger

pytestmark = pytest.mark.django_db

RULE = {
    "name": "VIP first",
    "position": 5,
    "conditions": {"all": [{"field": "tags", "operator": "includes", "value": ["vip"]}]},
    "actions": [{"action": "set_priority", "value": "high"}],
}


def test_list_is_in_running_order_with_the_default(api_agent):
    Trigger.objects.create(name="Late", position=500, actions=[{"action": "unassign"}])
    Trigger.objects.create(name="Early", position=1, actions=[{"action": "unassign"}])
    response = api_agent.get("/api/v1/triggers/")
    assert response.status_code == 200
    assert [(r["name"], r["is_default"]) for r in response.json()] == [
        ("Early", False),
        ("Reopen on customer reply", True),
        ("Late", False),
    ]


def test_admin_creates_changes_and_deletes_a_trigger_with_versions(api_admin, admin_agent):
    response = api_admin.post("/api/v1/triggers/", RULE, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["conditions"] == {"all": [{"field": "tags", "operator": "includes", "value": ["vip"]}], "any": []}
    pk = body["id"]
    response = api_admin.patch(f"/api/v1/triggers/{pk}/", {"is_active": False}, format="json")
    assert (response.status_code, response.json()["is_active"]) == (200, False)

    versions = api_admin.get(f"/api/v1/triggers/{pk}/versions/").json()
    assert [(v["number"], v["actor"], v["before"] is None, v["after"]["is_active"]) for v in versions] == [
        (2, admin_agent.user.pk, False, False),
        (1, admin_agent.user.pk, True, True),
    ]
    response = api_admin.post(f"/api/v1/triggers/{pk}/restore/", {"version": 1}, format="json")
    assert (response.status_code, response.json()["is_active"]) == (200, True)
    assert RuleVersion.objects.filter(rule_id=pk, kind="trigger").count() == 3

    assert api_admin.delete(f"/api/v1/triggers/{pk}/").status_code == 204
    assert not Trigger.objects.filter(pk=pk).exists()
    assert RuleVersion.objects.get(rule_id=pk, kind="trigger", number=4).after is None


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        pytest.param(
            {**RULE, "conditions": {"all": [{"field": "status", "operator": "is", "value": "urgent"}]}},
            {
                "conditions": [
                    "all #1 (status): 'urgent' is not one of open, in_progress, pending, on_hold, resolved, closed."
                ]
            },
            id="bad-condition",
        ),
        pytest.param(
            {**RULE, "actions": [{"action": "set_priority", "value": "urgent"}]},
            {"actions": ["action #1 (set_priority): 'urgent' is not a priority (low, medium, high, critical)."]},
            id="bad-action",
        ),
        pytest.param(
            {**RULE, "actions": [{"action": "explode"}]},
            {
                "actions": [
                    "action #1: unknown action 'explode'; use one of: set_status, set_priority, escalate, set_team, "
                    "set_category, assign, assign_by_strategy, unassign, add_tags, remove_tags, add_note, "
                    "apply_macro, publish_event, send_email."
                ]
            },
            id="unknown-action",
        ),
        pytest.param(
            {**RULE, "actions": []},
            {"actions": ['A rule needs at least one action (a list of {"action", "value"}).']},
            id="no-action",
        ),
        pytest.param(
            {**RULE, "name": "Reopen on customer reply"},
            {"name": ["Trigger with this Name already exists."]},
            id="duplicate-name",
        ),
    ],
)
def test_bad_rules_are_400s_naming_the_field(api_admin, payload, errors):
    response = api_admin.post("/api/v1/triggers/", payload, format="json")
    assert response.status_code == 400
    assert {key: value for key, value in response.json().items() if key in errors} == errors
    assert not Trigger.objects.filter(name="VIP first").exists()


def test_agents_read_but_do_not_write(api_agent):
    assert api_agent.post("/api/v1/triggers/", RULE, format="json").status_code == 403
    default = Trigger.objects.get(key="reopen-on-customer-reply")
    assert api_agent.patch(f"/api/v1/triggers/{default.pk}/", {"is_active": False}, format="json").status_code == 403
    assert api_agent.get(f"/api/v1/triggers/{default.pk}/").status_code == 200


def test_a_default_rule_is_disabled_not_deleted(api_admin):
    default = Trigger.objects.get(key="reopen-on-customer-reply")
    response = api_admin.delete(f"/api/v1/triggers/{default.pk}/")
    assert response.status_code == 409
    assert "disable it instead" in response.json()["detail"]
    response = api_admin.patch(f"/api/v1/triggers/{default.pk}/", {"is_active": False}, format="json")
    assert (response.status_code, response.json()["key"]) == (200, "reopen-on-customer-reply")


def test_automations_accept_time_conditions_and_refuse_trigger_only_ones(api_admin):
    rule = {
        "name": "Nudge",
        "conditions": {"all": [{"field": "hours_since_agent_reply", "operator": "gte", "value": 48}]},
        "actions": [{"action": "add_tags", "value": ["nudge"]}],
    }
    assert api_admin.post("/api/v1/automations/", rule, format="json").status_code == 201
    bad = {**rule, "name": "Bad", "conditions": {"all": [{"field": "event", "operator": "is", "value": "created"}]}}
    response = api_admin.post("/api/v1/automations/", bad, format="json")
    assert response.json()["conditions"] == ["all #1 (event): not available in automation conditions."]


def test_unknown_rule_is_404(api_agent):
    assert api_agent.get("/api/v1/triggers/999999/").status_code == 404
    assert api_agent.get("/api/v1/triggers/abc/").status_code == 404
