"""The rule forms' dry-run panel and the ticket page's SLA log and explain page, in a real browser
(Chromium at 1440x900)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tickets import services
from tickets.models import Status, Ticket, Trigger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "/tmp/helpdesk-screenshots"))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_dry_run_an_unsaved_trigger_from_its_form(admin_page, customer_a):
    ticket = services.ticket_create(actor=None, title="Refund please", customer=customer_a, tags=["refund"])
    other = services.ticket_create(actor=None, title="Password reset", customer=customer_a)
    triggers = Trigger.objects.count()
    page = admin_page

    page.goto("/admin/tickets/trigger/add/")
    page.fill("#id_name", "Urgent refunds")
    page.fill(
        "#id_conditions",
        json.dumps({"all": [{"field": "tags", "operator": "includes", "value": ["refund"]}], "any": []}),
    )
    page.fill("#id_actions", json.dumps([{"action": "set_priority", "value": "high"}]))
    page.fill("#dry-run-days", "1")
    page.click("#dry-run-button")

    summary = page.locator(".dry-run-summary")
    summary.wait_for()
    page.locator("#dry-run").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "rules-dry-run.png"))
    assert summary.inner_text() == "1 of 2 tickets match"
    match = page.locator(f".dry-run-ticket[data-ticket='{ticket.pk}']")
    assert "matches" in match.inner_text()
    assert match.locator(".dry-run-change").all_inner_texts() == ["priority: medium → high"]
    assert "does not match" in page.locator(f".dry-run-ticket[data-ticket='{other.pk}']").inner_text()
    assert page.locator("#dry-run").is_visible()
    # Nothing was saved: not the trigger, not the ticket.
    assert Trigger.objects.count() == triggers
    assert Ticket.objects.get(pk=ticket.pk).priority == "medium"


def test_a_bad_condition_is_named_in_the_panel(admin_page):
    page = admin_page
    page.goto("/admin/tickets/trigger/add/")
    page.fill("#id_name", "Broken")
    page.fill("#id_conditions", json.dumps({"all": [{"field": "status", "operator": "is", "value": "urgent"}]}))
    page.fill("#id_actions", json.dumps([{"action": "add_tags", "value": ["x"]}]))
    page.click("#dry-run-button")

    errors = page.locator(".dry-run-errors li")
    errors.first.wait_for()
    assert errors.all_inner_texts() == [
        "conditions: all #1 (status): 'urgent' is not one of open, in_progress, pending, on_hold, resolved, closed."
    ]


def test_the_ticket_page_shows_the_sla_log_and_explains_it(admin_page, customer_a):
    ticket = services.ticket_create(actor=None, title="Waiting on parts", customer=customer_a)
    services.ticket_change_status(ticket=ticket, actor=admin_page.agent.user, status=Status.ON_HOLD)
    page = admin_page

    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    page.wait_for_selector("#ws-sla")
    assert page.locator("#ws-sla-badge").inner_text() == "Paused"
    page.click("#ws-sla-log summary")
    entries = page.locator("#ws-sla-log li")
    entries.first.wait_for()
    assert [e.split(" ")[0:2] for e in entries.all_inner_texts()] == [
        ["First", "response"],
        ["Resolution", "started"],
        ["Resolution", "paused"],
    ]
    shot(page, "ticket-sla-log")

    page.click("#ws-explain-link")
    page.wait_for_selector("#explain-sla")
    shot(page, "ticket-explain")
    resolution = page.locator(".explain-metric[data-metric='resolution']")
    assert "paused" in resolution.inner_text()
    assert "on_hold: since" in resolution.inner_text()
    assert page.locator(".explain-policy.is-chosen").count() == 1
