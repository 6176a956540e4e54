"""The dashboard, reports and saved views in a real browser (Chromium at 1440x900)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from model_bakery import baker

from tickets.models import SavedView, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/helpdesk-screenshots"


def _desk(customer, assignee):
    now = timezone.now()
    team = baker.make_recipe("tests.agents.team", name="Payments")
    overdue = baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer,
        team=team,
        priority="critical",
        first_response_due_at=now - timedelta(hours=2),
        _quantity=2,
    )
    mine = baker.make_recipe(
        "tests.tickets.ticket", customer=customer, team=team, assignee=assignee, priority="high", _quantity=3
    )
    for days in range(1, 6):
        baker.make_recipe(
            "tests.tickets.ticket",
            customer=customer,
            status=Status.RESOLVED,
            created_at=now - timedelta(days=days, hours=3),
            resolved_at=now - timedelta(days=days),
        )
    return overdue, mine


def test_dashboard_charts_carry_data_and_a_count_opens_its_queue(agent_page, customer_a):
    overdue, _ = _desk(customer_a, agent_page.agent.user)
    page = agent_page
    page.goto("/admin/")
    page.locator("#dashboard").wait_for()
    page.screenshot(path=f"{SCREENSHOTS}/dashboard.png", full_page=True)

    charts = page.locator("#dashboard canvas.chart")
    assert charts.count() == 2
    created_solved = charts.nth(0).get_attribute("data-value")
    assert '"label": "Created"' in created_solved
    assert '"label": "Solved"' in created_solved
    # Chart.js drew something: the canvas has a real size.
    assert charts.nth(0).bounding_box()["height"] > 100
    assert page.locator('[data-kpi="mine"] .hd-kpi-value').inner_text() == "3"
    breached = page.locator('[data-kpi="breached"]')
    assert breached.locator(".hd-kpi-value").inner_text() == "2"
    breached.click()
    page.wait_for_url("**/admin/tickets/ticket/?sla=breached")
    refs = page.locator("#result_list tbody .field-reference").all_inner_texts()
    assert sorted(refs) == sorted(f"#{t.pk}" for t in overdue)


def test_a_saved_view_made_in_the_ui_lists_its_tickets_and_count(agent_page, customer_a):
    _, mine = _desk(customer_a, agent_page.agent.user)
    page = agent_page
    page.goto("/admin/tickets/ticket/?assignee=me")
    page.locator("#save-as-view").click()
    page.locator("#id_name").fill("My high ones")
    page.locator("#id_priority input[value='high']").check()
    page.screenshot(path=f"{SCREENSHOTS}/saved-view-form.png", full_page=True)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/tickets/ticket/?view=*")
    page.screenshot(path=f"{SCREENSHOTS}/saved-view-queue.png")

    view = SavedView.objects.get()
    assert view.filters == {"assignee": "me", "priority": ["high"]}
    assert page.locator("[data-saved-view]").inner_text() == "My high ones"
    refs = page.locator("#result_list tbody .field-reference").all_inner_texts()
    assert sorted(refs) == sorted(f"#{t.pk}" for t in mine)
    link = page.locator("#nav-sidebar-apps a", has_text="My high ones")
    assert link.is_visible()
    assert link.inner_text().split()[-1] == "3"


def test_reports_page_for_a_senior_agent(senior_agent_page, customer_a):
    _desk(customer_a, senior_agent_page.agent.user)
    page = senior_agent_page
    page.goto("/admin/")
    page.locator("#nav-sidebar-apps a", has_text="Reports").click()
    page.locator("#report-rows").wait_for()
    page.screenshot(path=f"{SCREENSHOTS}/reports.png", full_page=True)
    assert page.locator('[data-total="created"]').inner_text() == "10"
    assert page.locator('[data-total="solved"]').inner_text() == "5"
    rows = page.locator("#report-rows tbody tr").all_inner_texts()
    assert any(row.startswith("Payments\t5\t0") for row in rows), rows
