"""Dry runs write nothing and agree with what the rule then really does; explain says why, condition
by condition, and how the SLA due times were computed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from freezegun import freeze_time
from model_bakery import baker

from tickets import services
from tickets.models import Status, Ticket, TicketEvent, Trigger
from tickets.rules.services import rule_save

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
VIP = {
    "name": "VIP first",
    "conditions": {"all": [{"field": "tags", "operator": "includes", "value": ["vip"]}]},
    "actions": [{"action": "set_priority", "value": "high"}, {"action": "add_note", "value": "VIP."}],
}


def row_counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label in {"tickets", "notifications"}
    }


def test_a_trigger_dry_run_writes_nothing_and_agrees_with_the_real_run(api_admin, customer_a, agent):
    vip = baker.make_recipe("tests.tickets.ticket", customer=customer_a, tags=["vip"], priority="low")
    plain = baker.make_recipe("tests.tickets.ticket", customer=customer_a, tags=[], priority="low")
    before = row_counts()

    response = api_admin.post("/api/v1/triggers/dry-run/", {**VIP, "days": 1, "event": "updated"}, format="json")

    assert response.status_code == 200, response.content
    assert row_counts() == before
    body = response.json()
    assert (body["tickets_checked"], body["tickets_matched"]) == (2, 1)
    by_ticket = {r["ticket"]: r for r in body["results"]}
    assert by_ticket[plain.pk]["matched"] is False
    assert by_ticket[plain.pk]["conditions"][0]["reason"] == "tags is (none)"
    predicted = [(c["kind"], c["field"], c["old"], c["new"]) for c in by_ticket[vip.pk]["changes"]]
    assert predicted[0] == ("updated", "priority", "low", "high")
    assert predicted[1][0] == "commented"

    # Now for real: save it, make the change the dry run replayed, and compare.
    rule_save(rule=Trigger(**VIP), actor=None)
    services.ticket_update(ticket=vip, actor=agent.user, data={"title": "Touched"})
    services.ticket_update(ticket=plain, actor=agent.user, data={"title": "Touched too"})
    real = list(
        TicketEvent.objects.filter(rule="Trigger: VIP first").values_list(
            "ticket_id", "kind", "field", "old_value", "new_value"
        )
    )
    assert next((r[1], r[2], r[3], r[4]) for r in real if r[0] == vip.pk) == predicted[0]
    assert {r[0] for r in real} == {vip.pk}


def test_a_dry_run_reports_a_refused_action(api_admin, customer_a):
    closed = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, status=Status.CLOSED, closed_at=NOW, resolved_at=NOW
    )
    rule = {"conditions": {}, "actions": [{"action": "set_status", "value": "pending"}], "ticket": closed.pk}
    body = api_admin.post("/api/v1/triggers/dry-run/", rule, format="json").json()
    [result] = body["results"]
    assert result["matched"] is True
    assert "Cannot change status from 'closed' to 'pending'" in result["error"]
    assert Ticket.objects.get(pk=closed.pk).status == Status.CLOSED


def test_an_automation_dry_run_writes_nothing_and_agrees_with_the_run(api_admin, customer_a):
    from tickets.models import Automation
    from tickets.rules.automations import automation_run

    now = timezone.now()  # the API token is checked against the real clock: no freezing around requests
    with freeze_time(now - timedelta(days=3)):
        stale = baker.make_recipe("tests.tickets.ticket", customer=customer_a)
    with freeze_time(now - timedelta(hours=1)):
        fresh = baker.make_recipe("tests.tickets.ticket", customer=customer_a)
    rule = {
        "name": "Stale",
        "conditions": {"all": [{"field": "hours_since_updated", "operator": "gte", "value": 48}]},
        "actions": [{"action": "add_tags", "value": ["stale"]}],
    }
    before = row_counts()
    response = api_admin.post("/api/v1/automations/dry-run/", {**rule, "days": 7}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert row_counts() == before
    matched = {r["ticket"]: r["changes"] for r in body["results"] if r["matched"]}
    assert matched == {stale.pk: [{"kind": "updated", "field": "tags", "old": [], "new": ["stale"]}]}
    assert fresh.pk in {r["ticket"] for r in body["results"]}

    automation = rule_save(rule=Automation(**rule), actor=None)
    automation_run(automation=automation, now=timezone.now())
    assert dict(Ticket.objects.filter(pk__in=[stale.pk, fresh.pk]).values_list("pk", "tags")) == {
        stale.pk: ["stale"],
        fresh.pk: [],
    }


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        pytest.param(
            {"conditions": {}}, {"actions": ["Give a saved rule's id (rule) or the rule's actions."]}, id="no-rule"
        ),
        pytest.param({"rule": 999999}, {"rule": ["No such rule."]}, id="unknown-rule"),
        pytest.param({**VIP, "ticket": 999999}, {"ticket": ["No such ticket."]}, id="unknown-ticket"),
        pytest.param({**VIP, "event": "exploded"}, {"event": ['"exploded" is not a valid choice.']}, id="bad-event"),
        pytest.param(
            {**VIP, "actions": [{"action": "set_priority", "value": "urgent"}]},
            {"actions": ["action #1 (set_priority): 'urgent' is not a priority (low, medium, high, critical)."]},
            id="bad-action",
        ),
    ],
)
def test_dry_run_errors_name_the_field(api_admin, payload, errors):
    response = api_admin.post("/api/v1/triggers/dry-run/", payload, format="json")
    assert response.status_code == 400
    assert {k: v for k, v in response.json().items() if k in errors} == errors


def test_only_admins_dry_run(api_agent):
    assert api_agent.post("/api/v1/triggers/dry-run/", VIP, format="json").status_code == 403


def test_explain_lists_rules_condition_by_condition_and_the_sla(api_agent, customer_a, agent):
    ticket = services.ticket_create(actor=agent.user, title="Printer", customer=customer_a, priority="high")
    services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    from tickets import comments

    comments.comment_add(ticket=ticket, customer=customer_a, body="Back again")

    response = api_agent.get(f"/api/v1/tickets/{ticket.pk}/explain/")

    assert response.status_code == 200, response.content
    body = response.json()
    reopen = next(t for t in body["triggers"] if t["name"] == "Reopen on customer reply")
    assert [(c["field"], c["matched"], c["reason"]) for c in reopen["conditions"]] == [
        ("event", False, "events: (none)"),
        ("status", False, "status is open"),
    ]
    assert body["rule_changes"][0]["rule"] == "Trigger: Reopen on customer reply"
    assert (body["rule_changes"][0]["old"], body["rule_changes"][0]["new"]) == ("pending", "open")
    escalate = next(a for a in body["automations"] if a["name"] == "Escalate on SLA breach")
    assert escalate["matches_now"] is False
    sla = body["sla"]
    assert (sla["policy"]["name"], sla["calendar"], sla["priority"]) == ("Default", "Business hours", "high")
    targets = {m["metric"]: m["target_minutes"] for m in sla["metrics"]}
    assert targets == {"first_response": 240, "next_reply": None, "resolution": 1440}


def test_explain_is_scoped_like_the_ticket(api_customer_a, api_agent, customer_a):
    ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a)
    assert api_customer_a.get(f"/api/v1/tickets/{ticket.pk}/explain/").status_code == 403
    assert api_agent.get("/api/v1/tickets/999999/explain/").status_code == 404
