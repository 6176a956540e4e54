"""Ticket endpoints: thin views over tickets.selectors (reads, scoped to the caller) and
tickets.services (writes). Ticket responses carry an ETag (`"<id>-<version>"`); PATCH, DELETE and
assign honour `If-Match` (a stale one is a 412); POST honours `Idempotency-Key`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from agents.permissions import ReadOnlyForViewer, request_role
from agents.selectors import CUSTOMER_ROLE
from config.api.filters import FilterParamsOnlyBackend
from config.api.idempotency import idempotent
from config.api.ids import id_or_404, id_or_none
from config.api.lists import StrictOrderingFilter
from config.api.schema import ERRORS
from tickets import comments, selectors, services
from tickets.api import reads
from tickets.api.permissions import (
    AdminOnlyScopeFirst,
    AgentOrCustomerReader,
    CanCloseOwnTicket,
    TicketAccess,
    WritingAgentScopeFirst,
)
from tickets.api.serializers import (
    CommentCreateSerializer,
    CommentSerializer,
    CustomerCommentCreateSerializer,
    TicketAssignSerializer,
    TicketCreateSerializer,
    TicketCustomerCreateSerializer,
    TicketCustomerUpdateSerializer,
    TicketDetailSerializer,
    TicketEventSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
)
from tickets.custom_fields import custom_field_filter
from tickets.filters import TicketFilter
from tickets.models import Channel, Ticket

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag you read; a stale one is refused with 412 so nobody silently overwrites a change.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
    OpenApiParameter.HEADER,
    required=False,
    description="Retry-safe creation: the same key replays the first response (kept 24 h); "
    "a different body with the same key is a 422, a retry while the first runs a 409.",
)


class CustomFieldFilterBackend:
    """`?cf_<key>=value`: tickets whose custom field `key` holds `value` (a multi-select: includes
    it), by JSONB containment on PostgreSQL (the GIN index). A bad key or value is a 400 naming it."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        try:
            return custom_field_filter(
                queryset, request.query_params, customer_only=request_role(request) == CUSTOMER_ROLE
            )
        except DjangoValidationError as exc:
            raise DRFValidationError(exc.message_dict) from exc

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "cf_<key>",
                "required": False,
                "in": "query",
                "description": "A custom field's value, e.g. `cf_resolution_code=fixed` (a multi-select: includes it).",
                "schema": {"type": "string"},
            }
        ]


def ticket_etag(ticket: Ticket) -> str:
    return f'"{ticket.pk}-{ticket.version}"'


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def expected_versions(request: Any, ticket: Ticket) -> set[int] | None:
    """The ticket versions `If-Match` accepts (None: no header, or `*`). An ETag of another
    ticket or a malformed one accepts no version, so the service answers 412."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = _etags(header)
    if "*" in tags:
        return None
    prefix = f'"{ticket.pk}-'
    versions = (id_or_none(tag[len(prefix) : -1]) for tag in tags if tag.startswith(prefix) and tag.endswith('"'))
    return {version for version in versions if version is not None}


def _ticket_response(
    ticket: Ticket, *, request: Any, status_code: int = status.HTTP_200_OK, **headers: str
) -> Response:
    response = Response(TicketSerializer(ticket, context={"request": request}).data, status=status_code)
    response["ETag"] = ticket_etag(ticket)
    for name, value in headers.items():
        response[name] = value
    return response


@extend_schema_view(
    list=extend_schema(summary="List tickets in your scope", responses={200: TicketSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(
        summary="Read a ticket",
        responses={200: TicketDetailSerializer, 304: OpenApiResponse(description="Not modified"), **ERRORS},
    ),
    create=extend_schema(
        summary="Open a ticket",
        description="Agents send `customer_email` (found or created); a customer opens a ticket for themselves "
        "and may not send priority, team or assignee.",
        parameters=[IDEMPOTENCY_KEY],
        request=TicketCreateSerializer,
        responses={
            201: TicketSerializer,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="Same Idempotency-Key still in flight."),
            422: OpenApiResponse(OpenApiTypes.OBJECT, description="Idempotency-Key reused with another body."),
            **ERRORS,
        },
    ),
    partial_update=extend_schema(
        summary="Change a ticket",
        description="Agents: any field of the request body. Customers: only `status` `closed` or `open` on "
        "their own tickets. A forbidden status transition is a 400 naming `status`.",
        parameters=[IF_MATCH],
        request=TicketUpdateSerializer,
        responses={
            200: TicketSerializer,
            412: OpenApiResponse(OpenApiTypes.OBJECT, description="Stale If-Match."),
            **ERRORS,
        },
    ),
    destroy=extend_schema(
        summary="Delete a ticket (admins)",
        parameters=[IF_MATCH],
        responses={204: None, 412: OpenApiResponse(OpenApiTypes.OBJECT, description="Stale If-Match."), **ERRORS},
    ),
)
class TicketViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TicketSerializer
    filter_backends = [FilterParamsOnlyBackend, CustomFieldFilterBackend, StrictOrderingFilter]
    filterset_class = TicketFilter
    ordering_fields = ["created_at", "updated_at", "priority_rank", "id"]
    ordering_aliases = {"priority": "priority_rank"}  # -priority: most urgent first
    ordering = ("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = "[^/]+"  # any id reaches the view: malformed ones get a JSON 404

    def get_queryset(self):
        return selectors.ticket_list(user=self.request.user)

    def get_permissions(self):
        if self.action == "destroy":
            return [AdminOnlyScopeFirst()]
        if self.action == "assign":
            return [WritingAgentScopeFirst()]
        if self.action == "partial_update":
            return [CanCloseOwnTicket(), ReadOnlyForViewer()]
        return [TicketAccess(), ReadOnlyForViewer()]

    @property
    def extra_query_params(self) -> set[str]:
        """`cf_<key>` parameters: CustomFieldFilterBackend checks them (an unknown field is a 400 there)."""
        return {name for name in self.request.query_params if name.startswith("cf_")}

    @property
    def is_customer(self) -> bool:
        return request_role(self.request) == CUSTOMER_ROLE

    def get_serializer_class(self):
        if self.action == "create":
            return TicketCustomerCreateSerializer if self.is_customer else TicketCreateSerializer
        if self.action == "partial_update":
            return TicketCustomerUpdateSerializer if self.is_customer else TicketUpdateSerializer
        if self.action == "assign":
            return TicketAssignSerializer
        return TicketSerializer

    def list(self, request, *args, **kwargs):
        # The lean read path (tickets/api/reads.py): the page as dicts, no model instances.
        queryset = self.filter_queryset(reads.ticket_rows(request.user))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(reads.ticket_rows_data(page, is_customer=self.is_customer))

    def retrieve(self, request, *args, **kwargs):
        include_internal = not self.is_customer
        queryset = reads.ticket_detail_rows(request.user, include_internal=include_internal)
        if request.query_params:  # the filters apply to a detail too; without any, only an ordering would
            queryset = self.filter_queryset(queryset)
        row = get_object_or_404(queryset, pk=self.kwargs["pk"])
        self.check_object_permissions(request, row)
        etag = f'"{row["id"]}-{row["version"]}"'  # ticket_etag's
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match and etag in _etags(if_none_match):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
            response["ETag"] = etag
            return response
        files = reads.ticket_files(row, include_internal=include_internal)
        response = Response(reads.ticket_detail_data(row, files, is_customer=self.is_customer))
        response["ETag"] = etag
        return response

    def create(self, request, *args, **kwargs):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if self.is_customer:
            ticket = services.ticket_create(
                actor=request.user, customer=request.user.customer, channel=Channel.API, **data
            )
        else:
            ticket = services.ticket_create(actor=request.user, channel=Channel.API, **data)
        location = reverse("ticket-detail", kwargs={"pk": ticket.pk})
        return _ticket_response(ticket, request=request, status_code=status.HTTP_201_CREATED, Location=location)

    def partial_update(self, request, *args, **kwargs):
        ticket = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.ticket_update(
            ticket=ticket,
            actor=request.user,
            data=dict(serializer.validated_data),
            expected_version=expected_versions(request, ticket),
        )
        return _ticket_response(self._reload(ticket.pk), request=request)

    def destroy(self, request, *args, **kwargs):
        ticket = self.get_object()
        services.ticket_delete(ticket=ticket, actor=request.user, expected_version=expected_versions(request, ticket))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Assign a ticket (agents)",
        description='`{"agent": <user id>}` (null to unassign) or `{"strategy": "round_robin|least_loaded|'
        "skills|seniority\"}` to pick an agent of the ticket's team.",
        parameters=[IF_MATCH],
        request=TicketAssignSerializer,
        responses={
            200: TicketSerializer,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="Nobody can take it."),
            412: OpenApiResponse(OpenApiTypes.OBJECT, description="Stale If-Match."),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        ticket = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expected = expected_versions(request, ticket)
        if "strategy" in data:
            services.ticket_assign_by_strategy(
                ticket=ticket, actor=request.user, strategy=data["strategy"], expected_version=expected
            )
        else:
            services.ticket_assign(ticket=ticket, actor=request.user, assignee=data["agent"], expected_version=expected)
        return _ticket_response(self._reload(ticket.pk), request=request)

    def _reload(self, pk: int) -> Ticket:
        return selectors.ticket_base_queryset().get(pk=pk)


class _TicketChildMixin:
    """Views under /tickets/{ticket_pk}/: the parent must be in the caller's scope (else 404)."""

    kwargs: dict[str, Any]
    request: Any

    def get_ticket(self) -> Ticket:
        if not hasattr(self, "_ticket"):
            ticket = selectors.ticket_get(user=self.request.user, pk=id_or_404(self.kwargs["ticket_pk"]))
            if ticket is None:
                raise Http404
            self._ticket = ticket
        return self._ticket


TICKET_PK = OpenApiParameter("ticket_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The ticket id.")


@extend_schema_view(
    list=extend_schema(
        summary="A ticket's conversation",
        parameters=[TICKET_PK],
        responses={200: CommentSerializer(many=True), **ERRORS},
    ),
    create=extend_schema(
        summary="Reply or add an internal note",
        description="Customers write public replies only (`is_internal` is refused).",
        parameters=[TICKET_PK],
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, **ERRORS},
    ),
)
class CommentViewSet(_TicketChildMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = CommentSerializer
    permission_classes = [TicketAccess, ReadOnlyForViewer]
    filter_backends: list[Any] = []
    ordering = ("created_at", "id")

    def get_queryset(self):
        return selectors.comment_list(ticket=self.get_ticket(), user=self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            if request_role(self.request) == CUSTOMER_ROLE:
                return CustomerCommentCreateSerializer
            return CommentCreateSerializer
        return CommentSerializer

    def create(self, request, *args, **kwargs):
        ticket = self.get_ticket()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if request_role(request) == CUSTOMER_ROLE:
            comment = comments.comment_add(
                ticket=ticket,
                body=data["body"],
                actor=request.user,
                customer=request.user.customer,
                channel=Channel.API,
            )
        else:
            comment = comments.comment_add(
                ticket=ticket,
                body=data["body"],
                actor=request.user,
                is_internal=data["is_internal"],
                channel=Channel.API,
            )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="A ticket's audit trail (agents)",
        parameters=[TICKET_PK],
        responses={200: TicketEventSerializer(many=True), **ERRORS},
    ),
)
class TicketEventViewSet(_TicketChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TicketEventSerializer
    permission_classes = [AgentOrCustomerReader]
    filter_backends: list[Any] = []
    ordering = ("created_at", "id")

    def list(self, request, *args, **kwargs):
        self.get_ticket()  # 404 first when the ticket is out of the caller's scope
        if request_role(request) == CUSTOMER_ROLE:
            self.permission_denied(request, message="You do not have permission to read the audit trail.")
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.event_list(ticket=self.get_ticket())
