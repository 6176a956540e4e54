"""The dry-run panel beside a rule's form: the form as it stands (saved or not) posted to
`<model>/dry-run/`, answered with what the rule would do; nothing is written."""

from __future__ import annotations

import json

import pytest

from tickets import services
from tickets.models import SLAEvent, SLAPolicy, SLATarget, Ticket, TicketEvent, Trigger

pytestmark = pytest.mark.django_db


def _counts():
    return (Ticket.objects.count(), TicketEvent.objects.count(), SLAEvent.objects.count(), Trigger.objects.count())


def test_the_trigger_form_carries_the_panel(admin_client_):
    html = admin_client_.get("/admin/tickets/trigger/add/").content.decode()

    assert 'id="dry-run"' in html
    assert 'data-url="/admin/tickets/trigger/dry-run/"' in html
    assert 'id="dry-run-event"' in html


def test_an_unsaved_trigger_is_dry_run_from_its_form(admin_client_, customer_a):
    ticket = services.ticket_create(actor=None, title="Refund please", customer=customer_a, tags=["refund"])
    before = _counts()

    response = admin_client_.post(
        "/admin/tickets/trigger/dry-run/",
        {
            "name": "Urgent refunds",
            "conditions": json.dumps({"all": [{"field": "tags", "operator": "includes", "value": ["refund"]}]}),
            "actions": json.dumps([{"action": "set_priority", "value": "high"}]),
            "dry_run_ticket": str(ticket.pk),
            "dry_run_event": "created",
            "dry_run_actor": "customer",
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["tickets_checked"], body["tickets_matched"]) == (1, 1)
    assert body["results"][0]["changes"] == [{"kind": "updated", "field": "priority", "old": "medium", "new": "high"}]
    assert _counts() == before
    assert Ticket.objects.get(pk=ticket.pk).priority == "medium"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        pytest.param(
            {"conditions": "{nope", "actions": "[]"},
            {
                "conditions": [
                    "Not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)."
                ]
            },
            id="bad-json",
        ),
        pytest.param(
            {"actions": json.dumps([{"action": "explode"}])},
            {
                "actions": [
                    "action #1: unknown action 'explode'; use one of: set_status, set_priority, escalate, "
                    "set_team, set_category, assign, assign_by_strategy, unassign, add_tags, remove_tags, "
                    "add_note, apply_macro, publish_event, send_email."
                ]
            },
            id="unknown-action",
        ),
        pytest.param({"dry_run_ticket": "999999"}, {"dry_run_ticket": ["No such ticket."]}, id="no-ticket"),
    ],
)
def test_a_bad_form_is_answered_with_the_field_at_fault(admin_client_, fields, errors):
    data = {"name": "X", "actions": json.dumps([{"action": "add_tags", "value": ["x"]}]), **fields}

    response = admin_client_.post("/admin/tickets/trigger/dry-run/", data)

    assert response.status_code == 400
    assert response.json() == {"errors": errors}


def test_an_sla_policy_is_dry_run_with_the_targets_in_its_inline(admin_client_, customer_a):
    ticket = services.ticket_create(actor=None, title="Help", customer=customer_a, priority="high")
    calendar = SLAPolicy.objects.get(is_default=True).calendar
    before = (_counts(), SLAPolicy.objects.count(), SLATarget.objects.count())

    response = admin_client_.post(
        "/admin/tickets/slapolicy/dry-run/",
        {
            "name": "High first",
            "position": "1",
            "calendar": str(calendar.pk),
            "conditions": json.dumps({"all": [{"field": "priority", "operator": "is", "value": "high"}]}),
            "pause_statuses": "",
            "targets-TOTAL_FORMS": "2",
            "targets-0-priority": "high",
            "targets-0-first_response_minutes": "60",
            "targets-0-resolution_minutes": "",
            "targets-1-priority": "low",
            "targets-1-first_response_minutes": "5",
            "targets-1-DELETE": "on",
            "dry_run_ticket": str(ticket.pk),
        },
    )

    assert response.status_code == 200, response.content
    result = response.json()["results"][0]
    assert (result["matched"], result["policy_now"], result["policy_would_be"]) == (True, "Default", "High first")
    assert set(result["changes"]) == {
        "first_response_due_at",
        "first_response_warn_at",
        "resolution_due_at",
        "resolution_warn_at",
    }
    assert result["changes"]["resolution_due_at"]["new"] is None
    assert (_counts(), SLAPolicy.objects.count(), SLATarget.objects.count()) == before


def test_agents_who_cannot_change_rules_cannot_dry_run_them(client, login):
    from agents.models import Role

    login(Role.AGENT)

    response = client.post("/admin/tickets/trigger/dry-run/", {"name": "X"})

    assert response.status_code in (302, 403)
