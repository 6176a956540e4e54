"""The admin home's figures as one snapshot per ticket scope, kept in the shared cache.

The figures (tickets/reports.py: active work counts, per team, created vs solved per day, SLA
compliance per week, medians and CSAT over 30 days) are a handful of aggregate queries, each over
every active ticket or every ticket of the last 30 days: about 1.7 s at a million tickets, too much
to pay on every visit of the page agents open most. So they are computed once per scope and kept
for DASHBOARD_SNAPSHOT_SECONDS:

- the whole desk (admins, and agents whose `ticket_scope` is all) shares one snapshot, which beat
  refreshes every DASHBOARD_REFRESH_SECONDS (`dashboard_refresh`, config/schedules.py), before it
  expires: no visitor ever waits for it;
- an agent with a narrower scope (their teams' and assigned tickets, or only assigned) has their
  own, computed on their first visit and kept as long (their queries read far fewer rows);
- "Mine" is always live: one probe of ticket_assignee_status_idx.

Every snapshot records when it was computed, and the page says so ("as of 10:42:05")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from agents.models import Role, TicketScope
from agents.selectors import agent_for_user, user_role
from tickets import reports

DESK = "desk"  # the scope key of the whole desk


def scope_key(user: Any) -> str:
    """Which tickets `user`'s figures count: the whole desk, or a scope of their own."""
    agent = agent_for_user(user)
    if agent is None or user_role(user) == Role.ADMIN or agent.ticket_scope == TicketScope.ALL:
        return DESK
    return f"{agent.ticket_scope}:{agent.user_id}"


def _cache_key(scope: str) -> str:
    return f"dashboard:v1:{scope}"


def compute(user: Any, *, now: datetime | None = None) -> dict[str, Any]:
    """The figures of `user`'s scope (None: the whole desk), as of `now`."""
    now = now or timezone.now()
    counts = reports.dashboard_counts(user=user, now=now)
    counts.pop("mine", None)  # per person: live, see `snapshot`
    return {
        "computed_at": now,
        "counts": counts,
        "per_team": reports.dashboard_per_team(user=user),
        "daily": reports.created_vs_solved(user=user, days=30, now=now),
        "weekly": reports.weekly_sla(user=user, weeks=8, now=now),
        "totals": reports.report_totals(start=now - timedelta(days=30), end=now, user=user, now=now),
    }


def _store(scope: str, figures: dict[str, Any]) -> None:
    cache.set(_cache_key(scope), figures, settings.DASHBOARD_SNAPSHOT_SECONDS)


def snapshot(user: Any, *, now: datetime | None = None) -> dict[str, Any]:
    """`user`'s figures: their scope's snapshot (computed now when there is none) with their own
    live "mine" count."""
    scope = scope_key(user)
    figures = cache.get(_cache_key(scope))
    if figures is None:
        figures = compute(None if scope == DESK else user, now=now)
        _store(scope, figures)
    mine = reports.active_tickets(user).filter(assignee_id=user.pk).count()
    return {**figures, "counts": {**figures["counts"], "mine": mine}}


def dashboard_refresh(*, now: datetime | None = None) -> datetime:
    """Beat: compute the whole desk's snapshot afresh; returns its time."""
    figures = compute(None, now=now)
    _store(DESK, figures)
    return figures["computed_at"]
