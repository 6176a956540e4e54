"""Time tracking in the API (tickets/time_tracking.py):

GET/POST /api/v1/tickets/{id}/time-entries/        a ticket's entries (agents) / log time (writing agents)
DELETE   /api/v1/tickets/{id}/time-entries/{pk}/   remove one (its author or an admin)
GET      /api/v1/tickets/{id}/time-entries/totals/ the ticket's totals
GET      /api/v1/time-totals/<dimension>/?start=&end=   per agent, customer, organisation or ticket
                                                    (admins and senior agents, like the reports; the
                                                    entries of the tickets in the caller's scope)"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.permissions import IsAgentRole, ReadOnlyForViewer
from config.api.schema import ERRORS
from config.api.serializers import StrictFieldsMixin
from tickets import reports, time_tracking
from tickets.api.permissions import CanSeeReports
from tickets.api.reports import ReportPeriodSerializer
from tickets.api.views import TICKET_PK, _TicketChildMixin
from tickets.models import Comment, TimeEntry

TOTALS = {
    "minutes": serializers.IntegerField(),
    "billable_minutes": serializers.IntegerField(),
    "entries": serializers.IntegerField(),
}


class TimeEntrySerializer(serializers.ModelSerializer):
    agent_email = serializers.EmailField(source="agent.email", read_only=True)

    class Meta:
        model = TimeEntry
        fields = ("id", "ticket", "comment", "agent", "agent_email", "minutes", "is_billable", "note", "created_at")
        read_only_fields = fields


class TimeEntryCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """What an agent sends to log time: minutes (1-1440), optionally billable, a note, and the
    reply or note of this ticket it was spent on."""

    minutes = serializers.IntegerField(min_value=1, max_value=time_tracking.MAX_MINUTES)
    is_billable = serializers.BooleanField(default=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    comment = serializers.PrimaryKeyRelatedField(
        queryset=Comment.objects.all(), required=False, allow_null=True, help_text="A reply or note of this ticket."
    )


@extend_schema_view(
    list=extend_schema(
        summary="A ticket's time entries (agents)",
        parameters=[TICKET_PK],
        responses={200: TimeEntrySerializer(many=True), **ERRORS},
    ),
    create=extend_schema(
        summary="Log time on a ticket, a reply or a note",
        parameters=[TICKET_PK],
        request=TimeEntryCreateSerializer,
        responses={201: TimeEntrySerializer, **ERRORS},
    ),
    destroy=extend_schema(summary="Remove a time entry (its author or an admin)", parameters=[TICKET_PK]),
)
class TicketTimeEntryViewSet(
    _TicketChildMixin, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    serializer_class = TimeEntrySerializer
    permission_classes = [IsAgentRole, ReadOnlyForViewer]
    filter_backends: list[Any] = []
    ordering = ("created_at", "id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return time_tracking.time_entry_list(ticket=self.get_ticket())

    def create(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        serializer = TimeEntryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = time_tracking.time_entry_add(ticket=self.get_ticket(), actor=request.user, **serializer.validated_data)
        return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: TimeEntry) -> None:
        time_tracking.time_entry_delete(entry=instance, actor=self.request.user)


class TicketTimeTotalsView(_TicketChildMixin, APIView):
    permission_classes = [IsAgentRole]

    @extend_schema(
        summary="A ticket's time totals (agents)",
        parameters=[TICKET_PK],
        responses={200: inline_serializer("TimeTotals", TOTALS), **ERRORS},
    )
    def get(self, request: Request, ticket_pk: str) -> Response:
        entries = time_tracking.time_entry_list(ticket=self.get_ticket())
        return Response(time_tracking.time_totals(entries))


class TimeTotalsView(APIView):
    permission_classes = [CanSeeReports]

    @extend_schema(
        summary="Time logged per agent, customer, organisation or ticket (admins, senior agents)",
        operation_id="time_totals_by_dimension",
        parameters=[
            OpenApiParameter(
                "dimension", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(time_tracking.TOTAL_DIMENSIONS)
            ),
            OpenApiParameter("start", OpenApiTypes.DATE, description="First day logged (inclusive)."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last day logged (inclusive)."),
        ],
        responses={
            200: inline_serializer(
                "TimeTotalsByDimension",
                {
                    "dimension": serializers.CharField(),
                    "start": serializers.DateField(),
                    "end": serializers.DateField(),
                    "rows": inline_serializer(
                        "TimeTotalsRow",
                        {"key": serializers.IntegerField(allow_null=True), "label": serializers.CharField(), **TOTALS},
                        many=True,
                    ),
                },
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request, dimension: str) -> Response:
        if dimension not in time_tracking.TOTAL_DIMENSIONS:
            raise Http404(f"Unknown dimension; use one of: {', '.join(time_tracking.TOTAL_DIMENSIONS)}.")
        period = ReportPeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        start, end = reports.period_bounds(period.validated_data["start"], period.validated_data["end"])
        rows = time_tracking.time_totals_by(
            dimension=dimension, start=start, end=end, entries=time_tracking.time_entries_for(request.user)
        )
        return Response({"dimension": dimension, **period.validated_data, "rows": rows})
