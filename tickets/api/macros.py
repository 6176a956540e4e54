"""Macro endpoints (agents):

- `GET /api/v1/macros/` the macros the caller may use (shared and their own), with their actions.
- `POST /api/v1/tickets/{id}/apply-macro/` {"macro": id, "body": optional edited text}: the reply
  or note and the field changes, each an audited event; `If-Match` as for PATCH (412 when stale);
  a forbidden change (e.g. a status transition) is a 400 and nothing is applied."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.permissions import IsAgentRole, IsWritingAgent
from config.api.ids import id_or_404
from config.api.schema import ERRORS
from tickets import selectors
from tickets.api.views import IF_MATCH, _ticket_response, expected_versions
from tickets.macros import selectors as macro_selectors
from tickets.macros.services import macro_apply, macro_preview
from tickets.models import Priority, Status
from tickets.models.macros import Macro


class MacroSerializer(serializers.ModelSerializer):
    is_shared = serializers.BooleanField(read_only=True)
    # Blank means "leave as is": the schema's enums include "" (they did not, so a macro that
    # changes no status answered outside its own schema).
    set_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    set_priority = serializers.ChoiceField(choices=Priority.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Macro
        fields = [
            "id",
            "name",
            "body",
            "visibility",
            "set_status",
            "set_priority",
            "set_team",
            "set_assignee",
            "add_tags",
            "remove_tags",
            "is_shared",
            "owner",
            "updated_at",
        ]
        read_only_fields = fields


class ApplyMacroSerializer(serializers.Serializer):
    macro = serializers.IntegerField()
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=100_000)


class MacroViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MacroSerializer
    permission_classes = [IsAgentRole]
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return macro_selectors.macro_list(user=self.request.user)

    @extend_schema(summary="Macros you can use (shared and yours)", responses={200: MacroSerializer(many=True)})
    def list(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Read a macro", responses={200: MacroSerializer, **ERRORS})
    def retrieve(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        return super().retrieve(request, *args, **kwargs)


class ApplyMacroView(APIView):
    permission_classes = [IsWritingAgent]

    @extend_schema(
        summary="Apply a macro to a ticket",
        description="Posts the macro's reply or note (its rendered body, or `body` if given) and makes its "
        "field changes, each an audited event. All or nothing.",
        parameters=[IF_MATCH],
        request=ApplyMacroSerializer,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The ticket after the macro."),
            412: OpenApiResponse(OpenApiTypes.OBJECT, description="Stale If-Match."),
            **ERRORS,
        },
    )
    def post(self, request: Request, ticket_pk: str) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=id_or_404(ticket_pk))
        if ticket is None:
            raise Http404
        serializer = ApplyMacroSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        macro = macro_selectors.macro_get(user=request.user, pk=serializer.validated_data["macro"])
        if macro is None:
            raise serializers.ValidationError({"macro": ["No such macro (or not yours to use)."]})
        macro_apply(
            macro=macro,
            ticket=ticket,
            actor=request.user,
            body=serializer.validated_data.get("body"),
            if_match=expected_versions(request, ticket),
        )
        return _ticket_response(selectors.ticket_base_queryset().get(pk=ticket.pk), request=request)


class MacroPreviewView(APIView):
    permission_classes = [IsAgentRole]

    @extend_schema(
        summary="Preview a macro on a ticket",
        description="The rendered body and the changes it would make, nothing written.",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS},
    )
    def get(self, request: Request, ticket_pk: str, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=id_or_404(ticket_pk))
        macro = macro_selectors.macro_get(user=request.user, pk=pk)
        if ticket is None or macro is None:
            raise Http404
        return Response(macro_preview(macro=macro, ticket=ticket, actor=request.user).as_dict())
