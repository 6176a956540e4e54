"""Rules in the API (agents read, admins write; tickets/rules/):

- `/api/v1/triggers/` and `/api/v1/automations/`: list (in the order they run), read, create,
  PATCH, delete (default rules: disable them instead, 409);
- `GET …/{id}/versions/`: every saved state (who, when, before/after); `POST …/{id}/restore/`
  `{"version": n}` puts the rule back as it was (a new version);
- `POST …/dry-run/` (admins): what a rule, saved or not, would do to one ticket or the last N days'
  tickets, writing nothing;
- `GET /api/v1/tickets/{id}/explain/` (agents): why a ticket is as it is."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.permissions import AgentsReadAdminWrite, IsAgentRole
from config.api.schema import ERRORS, crud_schema
from config.api.views import ServiceModelViewSet
from tickets import selectors as ticket_selectors
from tickets.conditions import ACTORS, EVENTS
from tickets.models import Automation, RuleVersion, Trigger
from tickets.rules import dryrun, selectors, services
from tickets.rules.explain import ticket_explain

RULE_FIELDS = ("id", "name", "description", "is_active", "position", "conditions", "actions")


class _RuleSerializer(serializers.ModelSerializer):
    is_default = serializers.BooleanField(read_only=True)

    class Meta:
        fields = (*RULE_FIELDS, "key", "is_default", "created_at", "updated_at")
        read_only_fields = fields


class TriggerSerializer(_RuleSerializer):
    class Meta(_RuleSerializer.Meta):
        model = Trigger


class AutomationSerializer(_RuleSerializer):
    class Meta(_RuleSerializer.Meta):
        model = Automation
        fields = (*_RuleSerializer.Meta.fields, "last_run_at")
        read_only_fields = fields


class RuleWriteSerializer(serializers.Serializer):
    """Conditions and actions are checked by the rule language (tickets/rules/); its errors name
    the condition or action at fault ("all #2 (status): 'urgent' is not one of ...")."""

    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)
    position = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=100)
    conditions = serializers.JSONField(required=False, default=dict)
    actions = serializers.JSONField()


class RuleVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RuleVersion
        fields = ("number", "actor", "note", "before", "after", "created_at")
        read_only_fields = fields


class RestoreSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class DryRunSerializer(serializers.Serializer):
    """A saved rule (`rule`: its id) or an unsaved one (`conditions`, `actions`), against one ticket
    (`ticket`) or the tickets created in the last `days` days (default 7, at most 200 tickets)."""

    rule = serializers.IntegerField(required=False, min_value=1)
    name = serializers.CharField(required=False, max_length=120, default="Unsaved rule")
    conditions = serializers.JSONField(required=False, default=dict)
    actions = serializers.JSONField(required=False)
    ticket = serializers.IntegerField(required=False, min_value=1)
    days = serializers.IntegerField(required=False, min_value=1, max_value=365, default=7)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "rule" not in attrs and "actions" not in attrs:
            raise serializers.ValidationError({"actions": ["Give a saved rule's id (rule) or the rule's actions."]})
        return attrs


class TriggerDryRunSerializer(DryRunSerializer):
    event = serializers.ChoiceField(choices=EVENTS, required=False, default="created")
    actor = serializers.ChoiceField(choices=ACTORS, required=False, default="customer")


DRY_RUN_DOC = (
    "What the rule would do, writing nothing: it runs inside a transaction that is rolled back, so the "
    "changes listed are the ones the rule really makes (refusals included). Admins."
)


class _RuleViewSet(ServiceModelViewSet):
    permission_classes = [AgentsReadAdminWrite]
    write_serializer_class = RuleWriteSerializer
    filter_backends: list[Any] = []
    pagination_class = None
    model: type[Trigger] | type[Automation]

    def save(self, rule: Trigger | Automation, data: dict[str, Any]) -> Trigger | Automation:
        for name, value in data.items():
            setattr(rule, name, value)
        return services.rule_save(rule=rule, actor=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self.save(self.model(), self.validated(request, partial=False))
        return self.respond(rule, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.respond(self.save(self.get_object(), self.validated(request, partial=True)))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.rule_delete(rule=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_object(self) -> Any:
        pk = self.kwargs.get("pk", "")
        rule = self.get_queryset().filter(pk=int(pk)).first() if str(pk).isdigit() else None
        if rule is None:
            raise Http404
        return rule

    def dry_run_rule(self, data: dict[str, Any]) -> Trigger | Automation:
        if "rule" in data:
            rule = self.get_queryset().filter(pk=data["rule"]).first()
            if rule is None:
                raise ValidationError({"rule": ["No such rule."]})
            return rule
        return self.model(name=data["name"], conditions=data["conditions"], actions=data["actions"])

    def dry_run_tickets(self, data: dict[str, Any]) -> list[Any]:
        tickets = dryrun.sample(ticket_id=data.get("ticket"), days=data.get("days"))
        if "ticket" in data and not tickets:
            raise ValidationError({"ticket": ["No such ticket."]})
        return tickets

    @extend_schema(summary="The rule's saved versions, newest first", responses={200: RuleVersionSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        rule = self.get_object()
        versions = selectors.rule_versions(kind=services.rule_kind(rule), rule_id=rule.pk)
        return Response(RuleVersionSerializer(versions, many=True).data)

    @extend_schema(
        summary="Restore a saved version (admins)",
        request=RestoreSerializer,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The rule as restored."), **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        rule = self.get_object()
        serializer = RestoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = (
            selectors.rule_versions(kind=services.rule_kind(rule), rule_id=rule.pk)
            .filter(number=serializer.validated_data["version"])
            .first()
        )
        if version is None:
            raise ValidationError({"version": ["This rule has no such version."]})
        return self.respond(services.rule_restore(version=version, actor=request.user))


@crud_schema(
    noun="a trigger", plural="triggers (in the order they run)", read=TriggerSerializer, create=RuleWriteSerializer
)
class TriggerViewSet(_RuleViewSet):
    model = Trigger
    read_serializer_class = TriggerSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.trigger_list()

    @extend_schema(
        summary="Dry run a trigger (saved or not)",
        description=DRY_RUN_DOC + " Each ticket is replayed as if `event` had just happened to it by `actor`.",
        request=TriggerDryRunSerializer,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="dry-run")
    def dry_run(self, request: Request) -> Response:
        serializer = TriggerDryRunSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = dryrun.trigger_dry_run(
            trigger=self.dry_run_rule(data),
            tickets=self.dry_run_tickets(data),
            event=data["event"],
            actor=data["actor"],
        )
        return Response(result)


@crud_schema(
    noun="an automation",
    plural="automations (in the order they run)",
    read=AutomationSerializer,
    create=RuleWriteSerializer,
)
class AutomationViewSet(_RuleViewSet):
    model = Automation
    read_serializer_class = AutomationSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.automation_list()

    @extend_schema(
        summary="Dry run an automation (saved or not)",
        description=DRY_RUN_DOC + " What its next run would do to these tickets.",
        request=DryRunSerializer,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="dry-run")
    def dry_run(self, request: Request) -> Response:
        serializer = DryRunSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = dryrun.automation_dry_run(automation=self.dry_run_rule(data), tickets=self.dry_run_tickets(data))
        return Response(result)


class TicketExplainView(APIView):
    """GET /api/v1/tickets/{id}/explain/ (agents, scoped like the ticket)."""

    permission_classes = [IsAgentRole]

    @extend_schema(
        summary="Why the ticket is as it is",
        description="Every trigger and automation with each condition's outcome on the ticket now, the changes "
        "rules made to it (from the audit trail), and how its SLA due times were computed.",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS},
    )
    def get(self, request: Request, ticket_pk: str) -> Response:
        ticket = ticket_selectors.ticket_get(user=request.user, pk=int(ticket_pk)) if ticket_pk.isdigit() else None
        if ticket is None:
            raise Http404
        return Response(ticket_explain(ticket=ticket))
