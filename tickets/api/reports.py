"""/api/v1/reports/: the reports page's figures (tickets/reports.py) for integrations and BI.

GET /api/v1/reports/?start=&end=                the totals over the tickets created in the period
GET /api/v1/reports/<dimension>/?start=&end=    one row per team, agent, category, type, priority or channel,
                                                or per value of a dropdown custom field (`cf_<key>`)
Admins and senior agents only; dates are inclusive (YYYY-MM-DD), the period at most 366 days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.schema import ERRORS
from tickets import reports
from tickets.api.permissions import CanSeeReports

MAX_DAYS = 366


class ReportPeriodSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (inclusive); default 29 days before end.")
    end = serializers.DateField(required=False, help_text="Last day (inclusive); default today.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("end") or timezone.localdate()
        start = attrs.get("start") or end - timedelta(days=29)
        if end < start:
            raise serializers.ValidationError({"end": ["The end date is before the start date."]})
        if (end - start).days >= MAX_DAYS:
            raise serializers.ValidationError({"end": [f"A report covers at most {MAX_DAYS} days."]})
        return {"start": start, "end": end}


FIGURES = {
    "created": serializers.IntegerField(),
    "solved": serializers.IntegerField(),
    "frt_met": serializers.IntegerField(),
    "frt_measured": serializers.IntegerField(),
    "first_response_compliance": serializers.FloatField(allow_null=True),
    "res_met": serializers.IntegerField(),
    "res_measured": serializers.IntegerField(),
    "resolution_compliance": serializers.FloatField(allow_null=True),
    "median_first_response_seconds": serializers.IntegerField(allow_null=True),
    "median_resolution_seconds": serializers.IntegerField(allow_null=True),
    "csat_good": serializers.IntegerField(),
    "csat_rated": serializers.IntegerField(),
    "csat_percent": serializers.FloatField(allow_null=True),
}
DEFLECTION = {
    "opened": serializers.IntegerField(help_text="Suggested articles customers opened while writing a request."),
    "followed": serializers.IntegerField(help_text="...after which they sent the request anyway."),
    "deflected": serializers.IntegerField(help_text="...after which no request followed (within the window)."),
    "pending": serializers.IntegerField(help_text="Still inside the window."),
    "rate": serializers.FloatField(allow_null=True, help_text="deflected / (deflected + followed), percent."),
}
PERIOD_PARAMS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day, inclusive (default: 29 days before end)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, inclusive (default: today)."),
]


def _period(request: Request) -> tuple[dict[str, Any], Any, Any]:
    # A plain dict: from a QueryDict, DRF reads `?start=` (empty) as "not given".
    serializer = ReportPeriodSerializer(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    period = serializer.validated_data
    start, end = reports.period_bounds(period["start"], period["end"])
    return period, start, end


class ReportTotalsView(APIView):
    permission_classes = [CanSeeReports]

    @extend_schema(
        operation_id="reports_totals",
        summary="Report totals over a period (admins, senior agents)",
        parameters=PERIOD_PARAMS,
        responses={
            200: inline_serializer(
                "ReportTotals",
                {
                    "start": serializers.DateField(),
                    "end": serializers.DateField(),
                    "dimensions": serializers.ListField(),
                    **FIGURES,
                    "deflection": inline_serializer("ReportDeflection", DEFLECTION),
                },
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        period, start, end = _period(request)
        totals = reports.report_totals(start=start, end=end, user=request.user)
        deflection = reports.deflection_summary(start=start, end=end)
        dimensions = [*reports.DIMENSIONS, *reports.custom_field_dimensions()]
        return Response({**period, "dimensions": dimensions, **totals, "deflection": deflection})


class ReportDimensionView(APIView):
    permission_classes = [CanSeeReports]

    @extend_schema(
        operation_id="reports_by_dimension",
        summary="Report per team, agent, category, type, priority, channel or dropdown custom field "
        "(`cf_<key>`) (admins, senior agents)",
        parameters=PERIOD_PARAMS,
        responses={
            200: inline_serializer(
                "ReportRows",
                {
                    "dimension": serializers.CharField(),
                    "start": serializers.DateField(),
                    "end": serializers.DateField(),
                    "rows": inline_serializer(
                        "ReportRow",
                        {"key": serializers.CharField(allow_null=True), "label": serializers.CharField(), **FIGURES},
                        many=True,
                    ),
                },
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request, dimension: str) -> Response:
        if not reports.is_dimension(dimension):
            raise Http404
        period, start, end = _period(request)
        rows = reports.report_rows(dimension=dimension, start=start, end=end, user=request.user)
        return Response({"dimension": dimension, **period, "rows": rows})
