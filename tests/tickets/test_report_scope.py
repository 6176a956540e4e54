"""An agent's ticket scope (all / their teams' / only assigned) applies to the dashboard's counts
and to the reports (admin page, CSV and /api/v1/reports/) as it does to the queue and the API;
admins always count the whole desk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time
from model_bakery import baker

from agents.models import Role, TicketScope
from agents.services import agent_update
from tickets import reports
from tickets.models import Status

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def desk(customer_a, make_agent):
    """Two teams, Alpha (the scoped agent's) and Bravo. Active tickets: 2 in Alpha (1 pending), 3 in
    Bravo (1 of them assigned to the scoped agent), 1 without a team; plus 1 resolved in Alpha."""
    alpha = baker.make_recipe("tests.agents.team", name="Alpha")
    bravo = baker.make_recipe("tests.agents.team", name="Bravo")
    me = make_agent(Role.SENIOR_AGENT)
    me.teams.add(alpha)

    def make(team, n=1, **kwargs):
        return baker.make_recipe(
            "tests.tickets.ticket",
            customer=customer_a,
            organization=customer_a.organization,
            team=team,
            created_at=NOW - timedelta(days=2),
            _quantity=n,
            **kwargs,
        )

    make(alpha)
    make(alpha, status=Status.PENDING)
    make(alpha, status=Status.RESOLVED, resolved_at=NOW - timedelta(days=1))
    make(bravo, n=2)
    make(bravo, assignee=me.user)
    make(None)
    return me


def _scoped(agent, scope, role=Role.SENIOR_AGENT):
    agent_update(agent=agent, data={"ticket_scope": scope, "role": role})
    agent.user.refresh_from_db()
    return agent.user


# scope -> (active, mine, unassigned, waiting); created (the report cohort, resolved one included)
EXPECTED = [
    pytest.param(TicketScope.ALL, Role.SENIOR_AGENT, (6, 1, 5, 1), 7, id="all"),
    pytest.param(TicketScope.TEAMS, Role.SENIOR_AGENT, (3, 1, 2, 1), 4, id="teams"),
    pytest.param(TicketScope.ASSIGNED, Role.SENIOR_AGENT, (1, 1, 0, 0), 1, id="assigned"),
    pytest.param(TicketScope.ASSIGNED, Role.ADMIN, (6, 1, 5, 1), 7, id="admins-count-everything"),
]


@pytest.mark.parametrize(("scope", "role", "counts", "created"), EXPECTED)
def test_dashboard_counts_follow_the_scope(desk, scope, role, counts, created):
    user = _scoped(desk, scope, role)
    with freeze_time(NOW):
        figures = reports.dashboard_counts(user=user)
        totals = reports.report_totals(start=NOW - timedelta(days=30), end=NOW, user=user)
    assert (figures["active"], figures["mine"], figures["unassigned"], figures["waiting"]) == counts
    assert totals["created"] == created


@pytest.mark.parametrize(
    ("scope", "teams", "per_team"),
    [
        pytest.param(
            TicketScope.ALL, {"Alpha": 3, "Bravo": 3, "(none)": 1}, [("Bravo", 3), ("Alpha", 2), (None, 1)], id="all"
        ),
        pytest.param(TicketScope.TEAMS, {"Alpha": 3, "Bravo": 1}, [("Alpha", 2), ("Bravo", 1)], id="teams"),
        pytest.param(TicketScope.ASSIGNED, {"Bravo": 1}, [("Bravo", 1)], id="assigned"),
    ],
)
def test_per_team_rows_follow_the_scope(desk, scope, teams, per_team):
    user = _scoped(desk, scope)
    with freeze_time(NOW):
        rows = reports.report_rows(dimension="team", start=NOW - timedelta(days=30), end=NOW, user=user)
        active = reports.dashboard_per_team(user=user)
        daily = reports.created_vs_solved(user=user, days=3)
    assert {row["label"]: row["created"] for row in rows} == teams
    assert [(row["team__name"], row["count"]) for row in active] == per_team
    assert sum(daily["created"]) == sum(teams.values())


@pytest.mark.parametrize(
    ("scope", "created", "alpha"),
    [
        pytest.param(TicketScope.ALL, 7, 3, id="all"),
        pytest.param(TicketScope.TEAMS, 4, 3, id="teams"),
        pytest.param(TicketScope.ASSIGNED, 1, None, id="assigned"),
    ],
)
def test_the_reports_api_follows_the_scope(desk, api_client_for, scope, created, alpha):
    with freeze_time(NOW):  # the token is issued at the frozen time too
        client = api_client_for(_scoped(desk, scope))
        totals = client.get("/api/v1/reports/", {"start": "2026-03-01", "end": "2026-03-10"})
        teams = client.get("/api/v1/reports/team/", {"start": "2026-03-01", "end": "2026-03-10"})
    assert totals.status_code == 200
    assert totals.json()["created"] == created
    by_team = {row["label"]: row["created"] for row in teams.json()["rows"]}
    assert by_team.get("Alpha") == alpha


@pytest.mark.parametrize(
    ("scope", "kpis", "created"),
    [
        pytest.param(TicketScope.TEAMS, {"active": 3, "mine": 1, "unassigned": 2, "waiting": 1}, 4, id="teams"),
        pytest.param(TicketScope.ASSIGNED, {"active": 1, "mine": 1, "unassigned": 0, "waiting": 0}, 1, id="assigned"),
    ],
)
def test_the_admin_dashboard_and_reports_page_follow_the_scope(desk, client, scope, kpis, created):
    client.force_login(_scoped(desk, scope))
    with freeze_time(NOW):
        home = client.get(reverse("admin:index"))
        page = client.get(
            reverse("admin:tickets_reports"), {"dimension": "team", "start": "2026-03-01", "end": "2026-03-10"}
        )
    shown = {kpi["key"]: kpi["value"] for kpi in home.context["dashboard"]["kpis"]}
    assert {key: shown[key] for key in kpis} == kpis
    assert page.status_code == 200
    assert sum(row["created"] for row in page.context["rows"]) == kpis["active"] + (
        1 if scope == TicketScope.TEAMS else 0
    )
