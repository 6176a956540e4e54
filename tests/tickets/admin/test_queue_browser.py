"""The queue and the navigation in a real browser (Chromium at 1440x900)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from model_bakery import baker

from agents.models import Role
from tickets.models import Priority

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/helpdesk-screenshots"


def _fill_queue(customer, assignee, n=30):
    team = baker.make_recipe("tests.agents.team", name="Enterprise onboarding and migrations")
    now = timezone.now()
    return [
        baker.make_recipe(
            "tests.tickets.ticket",
            customer=customer,
            team=team,
            assignee=assignee,
            priority=[Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM][i % 3],
            title=f"Customer cannot export the quarterly invoices to the accounting system, case {i} " * 2,
            first_response_due_at=now + timedelta(hours=i - 5),
            resolution_due_at=now + timedelta(days=2),
        )
        for i in range(n)
    ]


def test_queue_fits_1440_pixels_with_assignee_and_sla_in_view(agent_page, customer_a, make_agent):
    assignee = make_agent(Role.AGENT, name="Maximilian Alexander Featherstonehaugh-Smythe")
    _fill_queue(customer_a, assignee.user)
    page = agent_page
    page.goto("/admin/tickets/ticket/")
    page.locator("#result_list").wait_for()
    page.screenshot(path=f"{SCREENSHOTS}/queue-1440.png")

    viewport_width = page.viewport_size["width"]
    for header in ("Assignee", "SLA", "Updated"):
        box = page.locator("#result_list thead th", has_text=header).first.bounding_box()
        assert box is not None, header
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= viewport_width, (header, box)
    first_row = page.locator("#result_list tbody tr").first
    sla_box = first_row.locator(".hd-sla").bounding_box()
    assert sla_box["x"] + sla_box["width"] <= viewport_width
    assert first_row.locator("td", has_text="Maximilian").first.bounding_box()["x"] < viewport_width
    # No horizontal scroll anywhere on the page, and titles stay on one line.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport_width
    title = first_row.locator(".hd-cell-title")
    assert title.bounding_box()["height"] < 30
    assert title.get_attribute("title").startswith("Customer cannot export")


def test_sla_header_sorts_by_next_deadline(agent_page, customer_a):
    tickets = _fill_queue(customer_a, None, n=4)
    page = agent_page
    page.goto("/admin/tickets/ticket/")
    page.locator("#result_list thead th", has_text="SLA").locator("a").first.click()
    page.wait_for_url("**o=8*")
    refs = page.locator("#result_list tbody tr th a, #result_list tbody tr td.field-reference a").all_inner_texts()
    assert refs[:4] == [f"#{t.pk}" for t in tickets[:4]]


@pytest.mark.parametrize(
    ("page_fixture", "sees_operations"),
    [
        pytest.param("agent_page", False, id="agent"),
        pytest.param("viewer_page", False, id="viewer"),
        pytest.param("senior_agent_page", False, id="senior-agent"),
        pytest.param("admin_page", True, id="admin"),
    ],
)
def test_only_admins_see_the_operations_section(request, page_fixture, sees_operations):
    page = request.getfixturevalue(page_fixture)
    page.goto("/admin/")
    sidebar = page.locator("#nav-sidebar-apps")
    sidebar.wait_for()
    page.screenshot(path=f"{SCREENSHOTS}/nav-{page_fixture}.png")
    assert sidebar.get_by_text("Queue: active work").is_visible()
    assert (sidebar.get_by_role("heading", name="Operations").count() == 1) is sees_operations
    assert (sidebar.get_by_text("Outbox events").count() == 1) is sees_operations
    # "API keys" is listed once at most (the duplicate page of the API-key library is gone).
    assert sidebar.get_by_text("API keys").count() == (1 if sees_operations else 0)
