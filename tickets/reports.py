"""Reads for the dashboard and the reports page: SQL aggregates over indexed columns, one query
per figure set, never a Python loop over tickets.

Definitions (the same in the admin, the CSV and /api/v1/reports/):
- a report's cohort is the tickets *created* in [start, end);
- solved: resolved (or resolved then closed): `resolved_at` is set;
- first-response SLA: measured on tickets with a first-response target that was met, or whose
  due time has passed (still unanswered = missed); met when `first_responded_at <= first_response_due_at`;
- resolution SLA: the same with `resolved_at` and `resolution_due_at`;
- compliance: met / measured in percent (None when nothing was measured);
- CSAT: good ratings / all ratings (good or bad) of the cohort's tickets, in percent;
- deflection (deflection_summary): suggested articles opened in the portal, and how many were not
  followed by a request;
- median first response / resolution: the median of `first_responded_at - created_at` /
  `resolved_at - created_at` in seconds (wall clock), on PostgreSQL (percentile_cont);
  None on SQLite, which has no ordered-set aggregate.

Every ticket figure counts only the tickets the viewing agent may see (`user`: their ticket scope,
tickets.selectors.agent_scope_q: all, their teams' and assigned, or only assigned; admins all), as
the queue and the API do. `user=None` is the whole desk (management commands, tests)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from agents.selectors import user_role
from tickets.custom_fields import FILTER_PREFIX
from tickets.models import ACTIVE_STATUSES, CustomField, Deflection, FieldType, Satisfaction, Status, Ticket
from tickets.selectors import agent_scope_q
from tickets.sla import rules as sla

DIMENSIONS: dict[str, tuple[str, str | None]] = {
    # name: (group-by column, label column or None when the value is its own label)
    "team": ("team_id", "team__name"),
    "agent": ("assignee_id", "assignee__email"),
    "category": ("category_id", "category__name"),
    "type": ("ticket_type_id", "ticket_type__name"),
    "priority": ("priority", None),
    "channel": ("channel", None),
}


class Median(Aggregate):
    """percentile_cont(0.5) over seconds (PostgreSQL); NULL elsewhere."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        return "NULL", []


def _seconds(end: str) -> Func:
    return Func(F(end) - F("created_at"), function="EXTRACT", template="EXTRACT(EPOCH FROM %(expressions)s)")


def _sla_aggregates(now: datetime) -> dict[str, Any]:
    frt_target = Q(first_response_due_at__isnull=False)
    frt_met = frt_target & Q(first_responded_at__isnull=False, first_responded_at__lte=F("first_response_due_at"))
    frt_measured = frt_target & (Q(first_responded_at__isnull=False) | Q(first_response_due_at__lt=now))
    res_target = Q(resolution_due_at__isnull=False)
    res_met = res_target & Q(resolved_at__isnull=False, resolved_at__lte=F("resolution_due_at"))
    res_measured = res_target & (Q(resolved_at__isnull=False) | Q(resolution_due_at__lt=now))
    return {
        "frt_met": Count("id", filter=frt_met),
        "frt_measured": Count("id", filter=frt_measured),
        "res_met": Count("id", filter=res_met),
        "res_measured": Count("id", filter=res_measured),
    }


def _csat_aggregates() -> dict[str, Any]:
    return {
        "csat_good": Count("id", filter=Q(satisfaction=Satisfaction.GOOD)),
        "csat_rated": Count("id", filter=Q(satisfaction__in=Satisfaction.values)),
    }


def _medians() -> dict[str, Any]:
    return {
        "median_first_response_seconds": Median(_seconds("first_responded_at")),
        "median_resolution_seconds": Median(_seconds("resolved_at")),
    }


def _percent(met: int, measured: int) -> float | None:
    return round(100 * met / measured, 1) if measured else None


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    """Compliance percentages from the raw counts (the counts stay, for the CSV and the API)."""
    row["first_response_compliance"] = _percent(row["frt_met"], row["frt_measured"])
    row["resolution_compliance"] = _percent(row["res_met"], row["res_measured"])
    row["csat_percent"] = _percent(row["csat_good"], row["csat_rated"])
    for key in ("median_first_response_seconds", "median_resolution_seconds"):
        if row.get(key) is not None:
            row[key] = round(row[key])
    return row


def tickets_for(user: Any) -> QuerySet[Ticket]:
    """The tickets the reports count for `user`: their scope (None: the whole desk)."""
    if user is None:
        return Ticket.objects.all()
    return Ticket.objects.filter(agent_scope_q(user, user_role(user)))


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Inclusive dates → [start 00:00, the day after end 00:00) in the desk's time zone."""
    first = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    last = timezone.make_aware(datetime.combine(end + timedelta(days=1), datetime.min.time()))
    return first, last


def custom_field_dimensions() -> dict[str, str]:
    """`cf_<key>`: label of each active dropdown custom field, a report dimension too (one row per
    option the tickets have, a removed one included; tickets without a value form "(none)")."""
    fields = CustomField.objects.filter(is_active=True, field_type=FieldType.DROPDOWN)
    return {f"{FILTER_PREFIX}{f.key}": f.label for f in fields}


def is_dimension(dimension: str) -> bool:
    if dimension in DIMENSIONS:
        return True
    key = dimension.removeprefix(FILTER_PREFIX)
    return dimension.startswith(FILTER_PREFIX) and (
        CustomField.objects.filter(key=key, is_active=True, field_type=FieldType.DROPDOWN).exists()
    )


def report_rows(
    *, dimension: str, start: datetime, end: datetime, user: Any, now: datetime | None = None
) -> list[dict[str, Any]]:
    """One row per value of `dimension` (team, agent, category, type, priority, channel, or a
    dropdown custom field's `cf_<key>`) over the tickets created in [start, end): created, solved,
    SLA met/measured and compliance, medians. One query. Tickets without a team/agent/category/value
    form their own row (key None)."""
    now = now or timezone.now()
    tickets = tickets_for(user)
    if dimension.startswith(FILTER_PREFIX):  # the value under the key of the JSONB column
        key, label = "cf_value", None
        tickets = tickets.annotate(cf_value=KeyTextTransform(dimension.removeprefix(FILTER_PREFIX), "custom_fields"))
    else:
        key, label = DIMENSIONS[dimension]
    columns = [key, label] if label else [key]
    rows = (
        tickets.filter(created_at__gte=start, created_at__lt=end)
        .values(*columns)
        .annotate(
            created=Count("id"),
            solved=Count("id", filter=Q(resolved_at__isnull=False)),
            **_sla_aggregates(now),
            **_csat_aggregates(),
            **_medians(),
        )
        .order_by(key)
    )
    out = []
    for row in rows:
        value = row.pop(key)
        name = row.pop(label) if label else value
        out.append(_finish({"key": value, "label": name if name is not None else "(none)", **row}))
    return out


def report_totals(*, start: datetime, end: datetime, user: Any, now: datetime | None = None) -> dict[str, Any]:
    """The same figures over the whole cohort (one row)."""
    now = now or timezone.now()
    row = (
        tickets_for(user)
        .filter(created_at__gte=start, created_at__lt=end)
        .aggregate(
            created=Count("id"),
            solved=Count("id", filter=Q(resolved_at__isnull=False)),
            **_sla_aggregates(now),
            **_csat_aggregates(),
            **_medians(),
        )
    )
    return _finish(row)


def deflection_summary(*, start: datetime, end: datetime, now: datetime | None = None) -> dict[str, Any]:
    """Suggested articles customers opened while writing a request, in [start, end) (one query):
    `followed` — a request was sent anyway; `deflected` — none followed within
    PORTAL_DEFLECTION_WINDOW_HOURS (the article answered them); `pending` — still inside that
    window. The rate is deflected / (deflected + followed), in percent."""
    now = now or timezone.now()
    settled_before = now - timedelta(hours=settings.PORTAL_DEFLECTION_WINDOW_HOURS)
    row = Deflection.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        opened=Count("id"),
        followed=Count("id", filter=Q(ticket__isnull=False)),
        deflected=Count("id", filter=Q(ticket__isnull=True, created_at__lt=settled_before)),
        pending=Count("id", filter=Q(ticket__isnull=True, created_at__gte=settled_before)),
    )
    row["rate"] = _percent(row["deflected"], row["deflected"] + row["followed"])
    return row


# --- the dashboard ---------------------------------------------------------------------------


def active_tickets(user: Any) -> QuerySet[Ticket]:
    return tickets_for(user).filter(status__in=sorted(ACTIVE_STATUSES))


def dashboard_counts(*, user: Any, now: datetime | None = None) -> dict[str, int]:
    """Active work: all, mine, unassigned, at risk, breached, waiting on the customer (one query;
    no "mine" for the whole desk, `user=None`)."""
    now = now or timezone.now()
    mine = {} if user is None else {"mine": Count("id", filter=Q(assignee_id=user.pk))}
    return active_tickets(user).aggregate(
        active=Count("id"),
        **mine,
        unassigned=Count("id", filter=Q(assignee__isnull=True)),
        at_risk=Count("id", filter=sla.at_risk_q(now)),
        breached=Count("id", filter=sla.breached_q(now)),
        waiting=Count("id", filter=Q(status=Status.PENDING)),
    )


def dashboard_per_team(*, user: Any) -> list[dict[str, Any]]:
    """Active tickets per team, busiest first (one query); no team is its own row, last among equals
    (NULLs sort last on every database, as PostgreSQL does by default)."""
    return list(
        active_tickets(user)
        .values("team_id", "team__name")
        .annotate(count=Count("id"))
        .order_by("-count", F("team__name").asc(nulls_last=True))
    )


def _daily(field: str, start: datetime, user: Any) -> dict[date, int]:
    rows = (
        tickets_for(user)
        .filter(**{f"{field}__gte": start})
        .annotate(day=TruncDate(field))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    return {row["day"]: row["n"] for row in rows}


def created_vs_solved(*, user: Any, days: int = 30, now: datetime | None = None) -> dict[str, list]:
    """Tickets created and solved (resolved_at) per day over the last `days` days, today included:
    two grouped queries over ticket_created_idx and ticket_resolved_idx."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    created, solved = _daily("created_at", start, user), _daily("resolved_at", start, user)
    days_list = [first + timedelta(days=n) for n in range(days)]
    return {
        "days": days_list,
        "created": [created.get(day, 0) for day in days_list],
        "solved": [solved.get(day, 0) for day in days_list],
    }


def weekly_sla(*, user: Any, weeks: int = 8, now: datetime | None = None) -> list[dict[str, Any]]:
    """First-response and resolution compliance per week of creation (Monday-based), the last
    `weeks` weeks, oldest first (one grouped query)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    start = timezone.make_aware(datetime.combine(monday, datetime.min.time()))
    rows = {
        row["week"].date() if isinstance(row["week"], datetime) else row["week"]: row
        for row in tickets_for(user)
        .filter(created_at__gte=start)
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(**_sla_aggregates(now))
        .order_by("week")
    }
    out = []
    for n in range(weeks):
        week = monday + timedelta(weeks=n)
        row = rows.get(week, {"frt_met": 0, "frt_measured": 0, "res_met": 0, "res_measured": 0})
        out.append(
            {
                "week": week,
                "first_response_compliance": _percent(row["frt_met"], row["frt_measured"]),
                "resolution_compliance": _percent(row["res_met"], row["res_measured"]),
            }
        )
    return out
