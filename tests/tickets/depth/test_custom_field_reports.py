"""Reports per value of a dropdown custom field (`cf_<key>`): the service, the API and the admin's
reports page, with a removed option still counted and tickets without a value as "(none)"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tickets import reports
from tickets.models import CustomField

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def coded(make_ticket):
    """Two fixed, one wont_fix (an option removed afterwards), one without a code; one the day before."""
    field = CustomField.objects.create(
        key="resolution_code", label="Resolution code", field_type="dropdown", options=["fixed", "wont_fix"]
    )
    for hour, code in [(1, "fixed"), (2, "fixed"), (3, "wont_fix"), (4, None)]:
        make_ticket(created_at=DAY + timedelta(hours=hour), custom_fields={"resolution_code": code} if code else {})
    make_ticket(created_at=DAY - timedelta(hours=2), custom_fields={"resolution_code": "fixed"})
    field.options = ["fixed", "duplicate"]
    field.save()
    return field


def test_report_rows_per_custom_field_value(coded):
    rows = reports.report_rows(dimension="cf_resolution_code", start=DAY, end=DAY + timedelta(days=1), user=None)
    assert sorted((row["key"] or "", row["label"], row["created"]) for row in rows) == [
        ("", "(none)", 1),
        ("fixed", "fixed", 2),
        ("wont_fix", "wont_fix", 1),
    ]


def test_the_api_reports_per_custom_field_and_lists_it(coded, api_admin):
    response = api_admin.get("/api/v1/reports/cf_resolution_code/?start=2026-03-01&end=2026-03-01")
    assert response.status_code == 200, response.content
    assert sorted((row["label"], row["created"]) for row in response.json()["rows"]) == [
        ("(none)", 1),
        ("fixed", 2),
        ("wont_fix", 1),
    ]
    totals = api_admin.get("/api/v1/reports/?start=2026-03-01&end=2026-03-01").json()
    assert totals["dimensions"] == ["team", "agent", "category", "type", "priority", "channel", "cf_resolution_code"]


def test_only_active_dropdown_fields_are_dimensions(coded, api_admin):
    CustomField.objects.create(key="version", label="Version", field_type="text")
    assert api_admin.get("/api/v1/reports/cf_version/").status_code == 404
    assert api_admin.get("/api/v1/reports/cf_nope/").status_code == 404
    coded.is_active = False
    coded.save()
    assert api_admin.get("/api/v1/reports/cf_resolution_code/").status_code == 404


def test_the_reports_page_offers_and_shows_the_custom_field(coded, admin_client_):
    page = admin_client_.get(
        "/admin/tickets/ticket/reports/?dimension=cf_resolution_code&start=2026-03-01&end=2026-03-01"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="cf_resolution_code" selected>Resolution code (custom field)</option>' in html
    assert "Per Resolution code, tickets created" in html
    assert sorted((row["label"], row["created"]) for row in page.context["rows"]) == [
        ("(none)", 1),
        ("fixed", 2),
        ("wont_fix", 1),
    ]
