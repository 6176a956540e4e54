"""The admin home: the desk at a glance (UNFOLD["DASHBOARD_CALLBACK"] points here).

Counts of active work (mine, unassigned, at risk, breached, waiting on the customer, per team),
each a link to the queue it counts; created vs solved per day (30 days), SLA compliance per week,
median first response and resolution (30 days). Every figure is an SQL aggregate from
tickets/reports.py, read from the scope's snapshot (tickets/dashboard.py: refreshed by beat every
minute, "Mine" live): a fixed number of queries whatever the number of tickets."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest

from tickets import dashboard
from tickets.admin.changelist import queue_url

CREATED_COLOUR = "#2563eb"
SOLVED_COLOUR = "#16a34a"
FRT_COLOUR = "#f97316"


def format_duration(seconds: float | None) -> str:
    """'—', '45m', '3h 05m', '2d 4h'."""
    if seconds is None:
        return "—"
    minutes = int(seconds) // 60
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


def _chart(labels: list[str], datasets: list[dict[str, Any]]) -> str:
    return json.dumps({"labels": labels, "datasets": datasets})


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    figures = dashboard.snapshot(request.user)
    counts = figures["counts"]
    kpis = [
        ("Mine", "mine", queue_url(assignee="me")),
        ("Unassigned", "unassigned", queue_url(assignee="none")),
        ("At risk", "at_risk", queue_url(sla="at_risk")),
        ("Breached", "breached", queue_url(sla="breached")),
        ("Waiting on customer", "waiting", queue_url(status="pending")),
        ("All active work", "active", queue_url()),
    ]
    teams = [
        {
            "name": row["team__name"] or "No team",
            "count": row["count"],
            "url": queue_url(team__id__exact=row["team_id"]) if row["team_id"] else queue_url(team__isnull="True"),
        }
        for row in figures["per_team"]
    ]
    daily, weekly, totals = figures["daily"], figures["weekly"], figures["totals"]
    return {
        "kpis": [{"label": label, "key": key, "value": counts[key], "url": url} for label, key, url in kpis],
        "teams": teams,
        "created_solved_chart": _chart(
            [f"{day:%d %b}" for day in daily["days"]],
            [
                {"label": "Created", "data": daily["created"], "backgroundColor": CREATED_COLOUR},
                {"label": "Solved", "data": daily["solved"], "backgroundColor": SOLVED_COLOUR},
            ],
        ),
        "created_total": sum(daily["created"]),
        "solved_total": sum(daily["solved"]),
        "sla_chart": _chart(
            [f"{row['week']:%d %b}" for row in weekly],
            [
                {
                    "label": "First response met (%)",
                    "data": [row["first_response_compliance"] for row in weekly],
                    "borderColor": FRT_COLOUR,
                },
                {
                    "label": "Resolution met (%)",
                    "data": [row["resolution_compliance"] for row in weekly],
                    "borderColor": CREATED_COLOUR,
                },
            ],
        ),
        "median_first_response": format_duration(totals["median_first_response_seconds"]),
        "median_resolution": format_duration(totals["median_resolution_seconds"]),
        "first_response_compliance": totals["first_response_compliance"],
        "resolution_compliance": totals["resolution_compliance"],
        "csat": totals,
        "computed_at": figures["computed_at"],
    }


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    if request.user.has_perm("tickets.view_ticket"):
        context["dashboard"] = dashboard_context(request)
    return context
