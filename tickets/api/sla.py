"""SLA in the API (tickets/sla/):

- `GET /api/v1/tickets/{id}/sla/` (agents, scoped like the ticket): the policy it runs under, each
  metric's clock (target, start, pauses, due time, achieved or breached) and its SLA event log;
- `POST /api/v1/sla-policies/dry-run/` (admins): which tickets a policy (saved or not, with its
  targets) would apply to in its place in the order, and the due times they would get; writes nothing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.permissions import IsAdminRole, IsAgentRole
from config.api.schema import ERRORS
from tickets import selectors as ticket_selectors
from tickets.models import BusinessCalendar, Priority, SLAPolicy, SLATarget
from tickets.rules.dryrun import sample
from tickets.sla.dryrun import sla_policy_dry_run
from tickets.sla.report import ticket_sla_report


class TicketSLAView(APIView):
    """GET /api/v1/tickets/{id}/sla/."""

    permission_classes = [IsAgentRole]

    @extend_schema(
        summary="The ticket's SLA: policy, clocks and event log",
        description="The policy the ticket runs under; per metric (first_response, next_reply, resolution) "
        "its target, start, pauses, due time (replayed from the event log) and whether it was achieved or "
        "breached; the event log (started, paused, resumed, achieved, breached, with times).",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS},
    )
    def get(self, request: Request, ticket_pk: str) -> Response:
        ticket = ticket_selectors.ticket_get(user=request.user, pk=int(ticket_pk)) if ticket_pk.isdigit() else None
        if ticket is None:
            raise Http404
        return Response(ticket_sla_report(ticket=ticket))


class TargetSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.values)
    tier = serializers.CharField(required=False, allow_blank=True, default="")
    first_response_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)
    next_reply_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)
    resolution_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)


class SLAPolicyDryRunSerializer(serializers.Serializer):
    """A saved policy (`policy`: its id) or an unsaved one; `targets` replace the saved policy's.
    Against one ticket (`ticket`) or the tickets created in the last `days` days."""

    policy = serializers.IntegerField(required=False, min_value=1)
    name = serializers.CharField(required=False, max_length=100, default="Unsaved policy")
    position = serializers.IntegerField(required=False, min_value=0, default=100)
    is_default = serializers.BooleanField(required=False, default=False)
    calendar = serializers.IntegerField(required=False, allow_null=True, default=None)
    conditions = serializers.JSONField(required=False, default=dict)
    pause_statuses = serializers.JSONField(required=False, default=dict)
    targets = TargetSerializer(many=True, required=False)
    ticket = serializers.IntegerField(required=False, min_value=1)
    days = serializers.IntegerField(required=False, min_value=1, max_value=365, default=7)


def _policy(data: dict[str, Any]) -> SLAPolicy:
    if "policy" in data:
        policy = SLAPolicy.objects.select_related("calendar").filter(pk=data["policy"]).first()
        if policy is None:
            raise ValidationError({"policy": ["No such SLA policy."]})
        return policy
    calendar = None
    if data["calendar"] is not None:
        calendar = BusinessCalendar.objects.filter(pk=data["calendar"]).first()
        if calendar is None:
            raise ValidationError({"calendar": ["No such business calendar."]})
    return SLAPolicy(
        name=data["name"],
        position=data["position"],
        is_default=data["is_default"],
        calendar=calendar,
        conditions=data["conditions"],
        pause_statuses=data["pause_statuses"],
    )


class SLAPolicyDryRunView(APIView):
    """POST /api/v1/sla-policies/dry-run/."""

    permission_classes = [IsAdminRole]

    @extend_schema(
        summary="Dry run an SLA policy (saved or not)",
        description="Which tickets the policy would apply to (first match wins, in its place in the order) and "
        "each SLA due time they would get, replayed from their event logs. Computes only; writes nothing.",
        request=SLAPolicyDryRunSerializer,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS},
    )
    def post(self, request: Request) -> Response:
        serializer = SLAPolicyDryRunSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        policy = _policy(data)
        targets = None
        if "targets" in data:
            targets = [SLATarget(policy=policy, **target) for target in data["targets"]]
        tickets = sample(ticket_id=data.get("ticket"), days=data.get("days"))
        if "ticket" in data and not tickets:
            raise ValidationError({"ticket": ["No such ticket."]})
        return Response(sla_policy_dry_run(policy=policy, tickets=tickets, targets=targets))
