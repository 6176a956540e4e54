"""/api/v1/reports/: the report figures for admins and senior agents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from model_bakery import baker

from tickets.models import Status

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def tickets(customer_a):
    team = baker.make_recipe("tests.agents.team", name="Alpha")
    made = baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer_a,
        team=team,
        priority="high",
        created_at=NOW - timedelta(days=3),
        first_response_due_at=NOW - timedelta(days=3) + timedelta(hours=1),
        _quantity=3,
    )
    baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer_a,
        priority="low",
        status=Status.RESOLVED,
        created_at=NOW - timedelta(days=1),
        resolved_at=NOW - timedelta(hours=2),
    )
    return made


@pytest.mark.parametrize(
    ("client_fixture", "status"),
    [
        pytest.param("api_admin", 200, id="admin"),
        pytest.param("api_senior_agent", 200, id="senior-agent"),
        pytest.param("api_agent", 403, id="agent"),
        pytest.param("api_viewer", 403, id="viewer"),
        pytest.param("api_customer_a", 403, id="customer"),
        pytest.param("api_client", 401, id="anonymous"),
    ],
)
def test_reports_are_for_admins_and_senior_agents(request, client_fixture, status):
    client = request.getfixturevalue(client_fixture)
    assert client.get("/api/v1/reports/").status_code == status
    assert client.get("/api/v1/reports/team/").status_code == status


def test_report_per_priority(api_senior_agent, tickets):
    # NOW is in the past: every due time in the fixture has passed, so each target is measured.
    response = api_senior_agent.get("/api/v1/reports/priority/", {"start": "2026-03-01", "end": "2026-03-10"})
    assert response.status_code == 200
    body = response.json()
    assert (body["dimension"], body["start"], body["end"]) == ("priority", "2026-03-01", "2026-03-10")
    rows = {row["label"]: row for row in body["rows"]}
    assert {label: (row["created"], row["solved"]) for label, row in rows.items()} == {"high": (3, 0), "low": (1, 1)}
    assert (rows["high"]["frt_met"], rows["high"]["frt_measured"], rows["high"]["first_response_compliance"]) == (
        0,
        3,
        0.0,
    )


def test_report_totals(api_admin, tickets):
    body = api_admin.get("/api/v1/reports/", {"start": "2026-03-01", "end": "2026-03-10"}).json()
    assert (body["created"], body["solved"]) == (4, 1)
    assert body["dimensions"] == ["team", "agent", "category", "type", "priority", "channel"]


def test_report_period_defaults_to_the_last_30_days(api_admin, tickets, customer_a):
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, created_at=timezone.now() - timedelta(days=29))
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, created_at=timezone.now() - timedelta(days=31))
    body = api_admin.get("/api/v1/reports/").json()
    today = timezone.localdate()
    assert (body["start"], body["end"]) == (str(today - timedelta(days=29)), str(today))
    assert body["created"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"start": "2026-03-10", "end": "2026-03-01"}, "end", id="end-before-start"),
        pytest.param({"start": "2024-01-01", "end": "2026-03-01"}, "end", id="too-long"),
        pytest.param({"start": "soon"}, "start", id="not-a-date"),
    ],
)
def test_bad_periods_are_400_naming_the_field(api_admin, params, field):
    response = api_admin.get("/api/v1/reports/team/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_unknown_dimension_is_404(api_admin):
    assert api_admin.get("/api/v1/reports/planet/").status_code == 404
