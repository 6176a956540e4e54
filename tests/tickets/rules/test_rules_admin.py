"""Triggers and automations in the admin: saved through the rule services (validated, versioned),
errors shown on the field, default rules cannot be deleted."""

from __future__ import annotations

import json

import pytest

from tickets.models import RuleVersion, Trigger

pytestmark = pytest.mark.django_db

ADD = "/admin/tickets/trigger/add/"


def form(**overrides):
    data = {
        "name": "Tag refunds",
        "description": "",
        "is_active": "on",
        "position": "50",
        "conditions": json.dumps({"all": [{"field": "event", "operator": "is", "value": "created"}]}),
        "actions": json.dumps([{"action": "add_tags", "value": ["refund"]}]),
    }
    return {**data, **overrides}


def test_admin_adds_a_trigger_and_a_version_is_recorded(admin_client_, admin_agent):
    response = admin_client_.post(ADD, form())
    assert response.status_code == 302, response.content.decode()[:2000]
    trigger = Trigger.objects.get(name="Tag refunds")
    assert trigger.actions == [{"action": "add_tags", "value": ["refund"]}]
    version = RuleVersion.objects.get(kind="trigger", rule_id=trigger.pk)
    assert (version.number, version.actor_id) == (1, admin_agent.user.pk)
    page = admin_client_.get(f"/admin/tickets/trigger/{trigger.pk}/change/").content.decode()
    assert "v1 ·" in page


def test_a_bad_condition_is_shown_on_its_field(admin_client_):
    bad = json.dumps({"all": [{"field": "status", "operator": "is", "value": "urgent"}]})
    response = admin_client_.post(ADD, form(conditions=bad))
    assert response.status_code == 200
    assert "all #1 (status): &#x27;urgent&#x27; is not one of" in response.content.decode()
    assert not Trigger.objects.filter(name="Tag refunds").exists()


def test_the_default_rule_has_no_delete(admin_client_):
    default = Trigger.objects.get(key="reopen-on-customer-reply")
    assert admin_client_.get(f"/admin/tickets/trigger/{default.pk}/delete/").status_code == 403
    page = admin_client_.get("/admin/tickets/trigger/").content.decode()
    assert "Reopen on customer reply" in page


def test_agents_have_no_rule_pages(client, login):
    login("agent")
    assert client.get("/admin/tickets/trigger/").status_code == 403
