"""Report and dashboard figures (tickets/reports.py) on known data: exact numbers written out by
hand, and the same numbers recomputed independently from the ticket rows."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from freezegun import freeze_time
from model_bakery import baker

from tickets import reports
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
START, END = reports.period_bounds(date(2026, 2, 9), date(2026, 3, 10))
H = timedelta(hours=1)
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="medians need PostgreSQL")


def _ticket(
    customer, *, created, team=None, responded=None, resolved=None, frt_due=H, res_due=24 * H, status=None, **kwargs
):
    return baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer,
        team=team,
        created_at=created,
        first_response_due_at=created + frt_due if frt_due is not None else None,
        resolution_due_at=created + res_due if res_due is not None else None,
        first_responded_at=created + responded if responded is not None else None,
        resolved_at=created + resolved if resolved is not None else None,
        status=status or (Status.RESOLVED if resolved is not None else Status.OPEN),
        **kwargs,
    )


@pytest.fixture
def known(customer_a):
    team_a = baker.make_recipe("tests.agents.team", name="Alpha")
    team_b = baker.make_recipe("tests.agents.team", name="Bravo")
    return {
        # Alpha: both answered and resolved; one within both targets, one late on both.
        "t1": _ticket(
            customer_a,
            created=NOW - 5 * 24 * H,
            team=team_a,
            responded=H / 2,
            resolved=10 * H,
            priority="high",
            channel="web",
        ),
        "t2": _ticket(
            customer_a,
            created=NOW - 4 * 24 * H,
            team=team_a,
            responded=2 * H,
            resolved=48 * H,
            priority="low",
            channel="email",
        ),
        # Bravo: never answered, first response overdue; resolution not due yet (not measured).
        "t3": _ticket(
            customer_a, created=NOW - 3 * 24 * H, team=team_b, res_due=5 * 24 * H, priority="high", channel="web"
        ),
        # No team: nothing due yet (measured nowhere).
        "t4": _ticket(customer_a, created=NOW - 2 * H, frt_due=3 * H, res_due=48 * H, priority="medium", channel="api"),
        # Before the period: counted nowhere.
        "old": _ticket(customer_a, created=NOW - 40 * 24 * H, team=team_a, responded=H, resolved=2 * H),
        "team_a": team_a,
        "team_b": team_b,
    }


def _by_label(rows):
    return {row["label"]: row for row in rows}


EXPECTED_TEAMS = {
    # label: created, solved, frt met/measured, compliance, res met/measured, compliance
    "Alpha": (2, 2, 1, 2, 50.0, 1, 2, 50.0),
    "Bravo": (1, 0, 0, 1, 0.0, 0, 0, None),
    "(none)": (1, 0, 0, 0, None, 0, 0, None),
}
FIELDS = (
    "created",
    "solved",
    "frt_met",
    "frt_measured",
    "first_response_compliance",
    "res_met",
    "res_measured",
    "resolution_compliance",
)


def test_report_per_team_on_known_data(known):
    with freeze_time(NOW):
        rows = _by_label(reports.report_rows(dimension="team", start=START, end=END, user=None))
    assert {label: tuple(row[f] for f in FIELDS) for label, row in rows.items()} == EXPECTED_TEAMS
    assert rows["Alpha"]["key"] == known["team_a"].pk


@postgres_only
def test_report_medians_on_known_data(known):
    with freeze_time(NOW):
        rows = _by_label(reports.report_rows(dimension="team", start=START, end=END, user=None))
        totals = reports.report_totals(start=START, end=END, user=None)
    assert rows["Alpha"]["median_first_response_seconds"] == 75 * 60  # between 30 min and 2 h
    assert rows["Alpha"]["median_resolution_seconds"] == 29 * 3600  # between 10 h and 48 h
    assert rows["Bravo"]["median_first_response_seconds"] is None
    assert totals["median_first_response_seconds"] == 75 * 60
    assert totals["median_resolution_seconds"] == 29 * 3600


@pytest.mark.parametrize(
    ("dimension", "expected"),
    [
        pytest.param("priority", {"high": (2, 1), "low": (1, 1), "medium": (1, 0)}, id="priority"),
        pytest.param("channel", {"web": (2, 1), "email": (1, 1), "api": (1, 0)}, id="channel"),
    ],
)
def test_report_created_and_solved_per_dimension(known, dimension, expected):
    with freeze_time(NOW):
        rows = reports.report_rows(dimension=dimension, start=START, end=END, user=None)
    assert {row["label"]: (row["created"], row["solved"]) for row in rows} == expected


def _independent(dimension_attr, now):
    """The report recomputed in Python from the rows, without the code under test."""
    out: dict = {}
    for t in Ticket.objects.filter(created_at__gte=START, created_at__lt=END):
        keys = ("created", "solved", "fm", "fn", "rm", "rn")
        row = out.setdefault(getattr(t, dimension_attr), dict.fromkeys(keys, 0))
        row["created"] += 1
        row["solved"] += t.resolved_at is not None
        if t.first_response_due_at:
            if t.first_responded_at or t.first_response_due_at < now:
                row["fn"] += 1
            if t.first_responded_at and t.first_responded_at <= t.first_response_due_at:
                row["fm"] += 1
        if t.resolution_due_at:
            if t.resolved_at or t.resolution_due_at < now:
                row["rn"] += 1
            if t.resolved_at and t.resolved_at <= t.resolution_due_at:
                row["rm"] += 1
    return out


@pytest.mark.parametrize(
    ("dimension", "attr"),
    [
        ("team", "team_id"),
        ("agent", "assignee_id"),
        ("category", "category_id"),
        ("priority", "priority"),
        ("channel", "channel"),
    ],
)
def test_report_agrees_with_an_independent_computation(customer_a, make_agent, dimension, attr):
    agents = [make_agent().user for _ in range(3)]
    teams = [baker.make_recipe("tests.agents.team") for _ in range(2)]
    categories = [baker.make_recipe("tests.tickets.category") for _ in range(2)]
    for n in range(40):
        _ticket(
            customer_a,
            created=NOW - timedelta(hours=7 * n + 1),
            team=teams[n % 3] if n % 3 < 2 else None,
            assignee=agents[n % 4] if n % 4 < 3 else None,
            category=categories[n % 2],
            responded=timedelta(minutes=17 * (n % 7)) if n % 5 else None,
            resolved=timedelta(hours=3 * (n % 11)) if n % 3 == 0 else None,
            frt_due=timedelta(minutes=45),
            res_due=timedelta(hours=20),
            priority=["low", "medium", "high", "critical"][n % 4],
            channel=["web", "email", "api"][n % 3],
        )
    with freeze_time(NOW):
        rows = reports.report_rows(dimension=dimension, start=START, end=END, user=None)
        expected = _independent(attr, NOW)
    got = {
        row["key"]: (
            row["created"],
            row["solved"],
            row["frt_met"],
            row["frt_measured"],
            row["res_met"],
            row["res_measured"],
        )
        for row in rows
    }
    assert got == {k: (v["created"], v["solved"], v["fm"], v["fn"], v["rm"], v["rn"]) for k, v in expected.items()}
    assert sum(row["created"] for row in rows) == 40


@postgres_only
def test_report_medians_agree_with_statistics_median(customer_a):
    for n in range(9):
        _ticket(
            customer_a,
            created=NOW - timedelta(days=n + 1),
            responded=timedelta(minutes=10 * n * n),
            resolved=timedelta(hours=n + 1),
        )
    with freeze_time(NOW):
        totals = reports.report_totals(start=START, end=END, user=None)
    frts = [t.first_responded_at - t.created_at for t in Ticket.objects.all()]
    assert totals["median_first_response_seconds"] == statistics.median(d.total_seconds() for d in frts)


# --- the dashboard's figures --------------------------------------------------------------------


def test_dashboard_counts(known, agent, customer_a):
    mine = _ticket(
        customer_a, created=NOW - 10 * H, assignee=agent.user, status=Status.PENDING, frt_due=None, res_due=None
    )
    assert mine.status == Status.PENDING
    with freeze_time(NOW):
        counts = reports.dashboard_counts(user=agent.user)
    # Active: t3, t4, mine. Breached: t3 (first response overdue). Waiting: mine.
    assert counts == {"active": 3, "mine": 1, "unassigned": 2, "at_risk": 0, "breached": 1, "waiting": 1}


def test_dashboard_per_team(known):
    rows = reports.dashboard_per_team(user=None)
    assert [(row["team__name"], row["count"]) for row in rows] == [("Bravo", 1), (None, 1)]


def test_created_vs_solved_per_day(known):
    with freeze_time(NOW):
        daily = reports.created_vs_solved(user=None, days=30)
    assert len(daily["days"]) == 30
    assert daily["days"][-1] == date(2026, 3, 10)
    by_day = dict(zip(daily["days"], zip(daily["created"], daily["solved"], strict=True), strict=True))
    assert by_day[date(2026, 3, 5)] == (1, 1)  # t1 created at noon, resolved at 22:00
    assert by_day[date(2026, 3, 6)] == (1, 0)  # t2 created
    assert by_day[date(2026, 3, 7)] == (1, 0)  # t3 created
    assert by_day[date(2026, 3, 8)] == (0, 1)  # t2 resolved (48 h later)
    assert by_day[date(2026, 3, 10)] == (1, 0)  # t4 created
    assert sum(daily["created"]) == 4
    assert sum(daily["solved"]) == 2


def test_weekly_sla(known):
    with freeze_time(NOW):
        weeks = reports.weekly_sla(user=None, weeks=2)
    # Weeks start on Monday: 2 Mar (t1 Thu 5th, t2 Fri 6th, t3 Sat 7th) and 9 Mar (t4).
    assert weeks == [
        {"week": date(2026, 3, 2), "first_response_compliance": 33.3, "resolution_compliance": 50.0},
        {"week": date(2026, 3, 9), "first_response_compliance": None, "resolution_compliance": None},
    ]
