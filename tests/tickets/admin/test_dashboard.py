"""The admin home (dashboard) and the reports page: what they show, who sees them, how many
queries they cost."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time
from model_bakery import baker

from agents.models import Role
from tickets.models import Status

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
INDEX = reverse("admin:index")
REPORTS = reverse("admin:tickets_reports")


def _tickets(n, customer, **kwargs):
    team = baker.make_recipe("tests.agents.team", name="Alpha")
    return baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer,
        team=team,
        created_at=NOW - timedelta(days=2),
        first_response_due_at=NOW - timedelta(hours=1),
        _quantity=n,
        **kwargs,
    )


# Uncached: session, user (agent profile joined: the sidebar's role), 2 x permissions, saved views
# (sidebar), counts, per team, created per day, solved per day, weekly SLA, 30-day totals, mine.
# A second visit, from the scope's snapshot (tickets/dashboard.py): session, 2 x permissions, mine
# (the user and the sidebar's saved views come from the cache since the first visit).
@pytest.mark.parametrize(("snapshot", "queries"), [("computed", 12), ("cached", 4)])
@pytest.mark.parametrize("count", [5, 50])
def test_dashboard_costs_the_same_queries_for_5_and_50_tickets(
    client, login, customer_a, count, snapshot, queries, django_assert_num_queries
):
    login(Role.AGENT)
    _tickets(count, customer_a)
    if snapshot == "cached":
        with freeze_time(NOW):
            client.get(INDEX)
    with freeze_time(NOW), django_assert_num_queries(queries):
        response = client.get(INDEX)
    assert response.status_code == 200
    kpis = {kpi["key"]: kpi["value"] for kpi in response.context["dashboard"]["kpis"]}
    assert kpis == {"mine": 0, "unassigned": count, "at_risk": 0, "breached": count, "waiting": 0, "active": count}


def test_dashboard_numbers_link_to_their_queues(client, login, customer_a):
    login(Role.AGENT)
    (ticket,) = _tickets(1, customer_a)
    with freeze_time(NOW):
        response = client.get(INDEX)
    links = {kpi["key"]: kpi["url"] for kpi in response.context["dashboard"]["kpis"]}
    changelist = reverse("admin:tickets_ticket_changelist")
    assert links == {
        "mine": f"{changelist}?assignee=me",
        "unassigned": f"{changelist}?assignee=none",
        "at_risk": f"{changelist}?sla=at_risk",
        "breached": f"{changelist}?sla=breached",
        "waiting": f"{changelist}?status=pending",
        "active": changelist,
    }
    teams = response.context["dashboard"]["teams"]
    assert teams == [{"name": "Alpha", "count": 1, "url": f"{changelist}?team__id__exact={ticket.team_id}"}]
    # The link's queue lists exactly what the number counted.
    with freeze_time(NOW):
        queue = client.get(links["breached"])
    assert [t.pk for t in queue.context["cl"].result_list] == [ticket.pk]
    html = response.content.decode()
    assert 'data-type="bar"' in html
    assert 'data-type="line"' in html


def test_dashboard_for_someone_without_tickets_permission_shows_no_figures(client, django_user_model):
    staff = django_user_model.objects.create_user(email="staff@example.com", password="x", is_staff=True)
    client.force_login(staff)
    response = client.get(INDEX)
    assert response.status_code == 200
    assert "dashboard" not in response.context


# --- reports ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        pytest.param(Role.ADMIN, 200, id="admin"),
        pytest.param(Role.SENIOR_AGENT, 200, id="senior-agent"),
        pytest.param(Role.AGENT, 403, id="agent"),
        pytest.param(Role.VIEWER, 403, id="viewer"),
    ],
)
def test_reports_page_is_for_admins_and_senior_agents(client, login, role, status):
    login(role)
    assert client.get(REPORTS).status_code == status


def test_reports_page_and_csv(client, login, customer_a, agent):
    login(Role.SENIOR_AGENT)
    tickets = _tickets(3, customer_a, assignee=agent.user)
    resolved = tickets[0]
    type(resolved).objects.filter(pk=resolved.pk).update(status=Status.RESOLVED, resolved_at=NOW - timedelta(days=1))
    params = {"dimension": "team", "start": "2026-03-01", "end": "2026-03-10"}
    with freeze_time(NOW):
        page = client.get(REPORTS, params)
        download = client.get(REPORTS, {**params, "format": "csv"})
    assert page.status_code == 200
    assert [(row["label"], row["created"], row["solved"]) for row in page.context["rows"]] == [("Alpha", 3, 1)]
    assert [(row["label"], row["created"], row["solved"]) for row in page.context["agents"]] == [
        (agent.user.email, 3, 1)
    ]
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == 'attachment; filename="report-team-2026-03-01-2026-03-10.csv"'
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [(r["label"], r["created"], r["solved"], r["frt_measured"], r["frt_met"]) for r in rows] == [
        ("Alpha", "3", "1", "3", "0")
    ]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        pytest.param({"dimension": "team", "start": "2026-03-10", "end": "2026-03-01"}, "end", id="end-before-start"),
        pytest.param({"dimension": "planet", "start": "2026-03-01", "end": "2026-03-10"}, "dimension", id="dimension"),
        pytest.param({"dimension": "team", "start": "yesterday", "end": "2026-03-10"}, "start", id="bad-date"),
    ],
)
def test_reports_page_names_the_bad_field(client, login, params, error):
    login(Role.ADMIN)
    response = client.get(REPORTS, params)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [error]
