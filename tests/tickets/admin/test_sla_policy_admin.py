"""SLA policies in the admin: conditions and pause statuses validated on the form (the field named),
and every change to a policy or its targets versioned (who, when, before/after)."""

from __future__ import annotations

import json

import pytest

from tickets.models import BusinessCalendar, RuleKind, RuleVersion, SLAPolicy

pytestmark = pytest.mark.django_db

ADD = "/admin/tickets/slapolicy/add/"


def form(**overrides):
    data = {
        "name": "VIP",
        "description": "",
        "position": "10",
        "calendar": str(BusinessCalendar.objects.get(name="24x7").pk),
        "conditions": json.dumps({"all": [{"field": "customer_tier", "operator": "is", "value": "enterprise"}]}),
        "pause_statuses": json.dumps({"resolution": ["pending"]}),
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "targets-0-priority": "high",
        "targets-0-tier": "",
        "targets-0-first_response_minutes": "30",
        "targets-0-next_reply_minutes": "60",
        "targets-0-resolution_minutes": "240",
    }
    return {**data, **overrides}


def test_a_policy_added_in_the_admin_is_versioned_with_its_targets(admin_client_, admin_agent):
    response = admin_client_.post(ADD, form())

    assert response.status_code == 302, response.content.decode()[:2000]
    policy = SLAPolicy.objects.get(name="VIP")
    assert policy.pause_statuses == {"first_response": [], "next_reply": [], "resolution": ["pending"]}
    version = RuleVersion.objects.get(kind=RuleKind.SLA_POLICY, rule_id=policy.pk)
    assert (version.number, version.actor, version.before) == (1, admin_agent.user, None)
    assert version.after["targets"] == [
        {
            "priority": "high",
            "tier": "",
            "first_response_minutes": 30,
            "next_reply_minutes": 60,
            "resolution_minutes": 240,
        }
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param(
            "conditions",
            json.dumps({"all": [{"field": "assignee", "operator": "blank"}]}),
            "all #1 (assignee): SLA policies test only customer_tier, organization, category, ticket_type, priority, "
            "channel, team, tags.",
            id="condition-field",
        ),
        pytest.param(
            "pause_statuses",
            json.dumps({"resolution": ["resolved"]}),
            "resolution: &#x27;resolved&#x27; is not a status that can pause a clock",
            id="pause-status",
        ),
    ],
)
def test_the_form_names_the_field_at_fault(admin_client_, field, value, message):
    response = admin_client_.post(ADD, form(**{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SLAPolicy.objects.filter(name="VIP").exists()


def test_a_save_without_changes_records_no_version(admin_client_):
    admin_client_.post(ADD, form())
    policy = SLAPolicy.objects.get(name="VIP")
    target = policy.targets.get()
    change = form(
        **{
            "targets-INITIAL_FORMS": "1",
            "targets-0-id": str(target.pk),
            "targets-0-policy": str(policy.pk),
        }
    )

    admin_client_.post(f"/admin/tickets/slapolicy/{policy.pk}/change/", change)
    admin_client_.post(
        f"/admin/tickets/slapolicy/{policy.pk}/change/", {**change, "targets-0-resolution_minutes": "480"}
    )

    versions = RuleVersion.objects.filter(kind=RuleKind.SLA_POLICY, rule_id=policy.pk).order_by("number")
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].before["targets"][0]["resolution_minutes"] == 240
    assert versions[1].after["targets"][0]["resolution_minutes"] == 480
