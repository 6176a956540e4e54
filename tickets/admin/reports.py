"""The reports page (admins and senior agents): the dashboard's figures per team, agent,
category, priority or channel over a chosen date range, agent performance, and a CSV download.
Figures come from tickets/reports.py (one grouped query per table), the same as
/api/v1/reports/<dimension>/."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from agents.models import Role
from agents.selectors import user_role
from tickets import reports
from tickets.admin.dashboard import format_duration
from tickets.time_tracking import time_entries_for, time_totals_by, time_totals_csv_rows

REPORT_ROLES = frozenset({Role.ADMIN, Role.SENIOR_AGENT})
CSV_COLUMNS = (
    "key",
    "label",
    "created",
    "solved",
    "frt_met",
    "frt_measured",
    "first_response_compliance",
    "res_met",
    "res_measured",
    "resolution_compliance",
    "median_first_response_seconds",
    "median_resolution_seconds",
    "csat_good",
    "csat_rated",
    "csat_percent",
)


class ReportForm(forms.Form):
    dimension = forms.ChoiceField(initial="team")
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), help_text="Inclusive.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        custom = [(key, f"{label} (custom field)") for key, label in reports.custom_field_dimensions().items()]
        self.fields["dimension"].choices = [*((d, d.title()) for d in reports.DIMENSIONS), *custom]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end date is before the start date.")
        return data


def may_see_reports(request: HttpRequest) -> bool:
    return user_role(request.user) in REPORT_ROLES


def reports_view(request: HttpRequest, model_admin: Any) -> HttpResponse:
    if not may_see_reports(request):
        raise PermissionDenied
    today = timezone.localdate()
    params = request.GET if "start" in request.GET else None
    form = ReportForm(params, initial={"dimension": "team", "start": today - timedelta(days=29), "end": today})
    context: dict[str, Any] = {**model_admin.admin_site.each_context(request), "title": "Reports", "form": form}
    if params is None:
        data = {"dimension": "team", "start": today - timedelta(days=29), "end": today}
    elif form.is_valid():
        data = form.cleaned_data
    else:
        return TemplateResponse(request, "tickets/admin/reports.html", context, status=400)
    start, end = reports.period_bounds(data["start"], data["end"])
    rows = reports.report_rows(dimension=data["dimension"], start=start, end=end, user=request.user)
    if request.GET.get("format") == "csv":
        return _csv(rows, data)
    if request.GET.get("format") == "time_csv":
        return _time_csv(time_totals_csv_rows(user=request.user, start=start, end=end), data)
    for row in rows:
        row["median_first_response"] = format_duration(row["median_first_response_seconds"])
        row["median_resolution"] = format_duration(row["median_resolution_seconds"])
    totals = reports.report_totals(start=start, end=end, user=request.user)
    totals["median_first_response"] = format_duration(totals["median_first_response_seconds"])
    totals["median_resolution"] = format_duration(totals["median_resolution_seconds"])
    agents = (
        rows
        if data["dimension"] == "agent"
        else reports.report_rows(dimension="agent", start=start, end=end, user=request.user)
    )
    for row in agents:
        row["median_first_response"] = format_duration(row["median_first_response_seconds"])
    query = request.GET.copy()
    query.update({"dimension": data["dimension"], "start": data["start"], "end": data["end"], "format": "csv"})
    custom = reports.custom_field_dimensions() if data["dimension"].startswith("cf_") else {}
    context.update(
        {
            "data": data,
            "dimension_name": custom.get(data["dimension"], data["dimension"]),
            "rows": rows,
            "totals": totals,
            "agents": agents,
            "deflection": reports.deflection_summary(start=start, end=end),
            # Time logged in the period (tickets/time_tracking.py): one query per dimension.
            "time_logged": [
                (name, time_totals_by(dimension=name, start=start, end=end, entries=time_entries_for(request.user)))
                for name in ("agent", "organization", "customer")
            ],
            "csv_query": query.urlencode(),
            "time_csv_query": query.urlencode().replace("format=csv", "format=time_csv"),
        },
    )
    return TemplateResponse(request, "tickets/admin/reports.html", context)


def _csv(rows: list[dict[str, Any]], data: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"report-{data['dimension']}-{data['start']}-{data['end']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(["" if row[column] is None else row[column] for column in CSV_COLUMNS])
    return response


def _time_csv(rows: list[list[Any]], data: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="time-logged-{data["start"]}-{data["end"]}.csv"'
    csv.writer(response).writerows(rows)
    return response
