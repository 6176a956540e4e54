"""/api/v1/views/: saved views (tickets/saved_views.py) and their tickets.

GET/POST /api/v1/views/, GET/PATCH/DELETE /api/v1/views/{id}/ (writes through the services, which
decide who may share or change a view); GET /api/v1/views/{id}/tickets/ lists the view's tickets
in its order, scoped to the caller, cursor-paginated like /api/v1/tickets/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import DateTimeField, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from agents.models import Team
from agents.permissions import AGENT_ROLES, WRITER_ROLES, RolePermission
from config.api.pagination import DefaultCursorPagination
from config.api.schema import ERRORS, crud_schema
from config.api.views import ServiceModelViewSet
from tickets import saved_views
from tickets.api.serializers import TicketSerializer
from tickets.models import SavedView, ViewOrdering, ViewVisibility

# Cursor pagination needs a non-null first ordering field: "next SLA deadline first" sorts
# tickets without a deadline last through this stand-in.
NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)
API_ORDERINGS: dict[str, tuple[str, ...]] = {**saved_views.ORDERINGS, ViewOrdering.SLA_DUE: ("sla_sort", "-id")}


class SavedViewAccess(RolePermission):
    """Every desk role opens views; agents keep them (the services refine: sharing needs a senior
    agent or admin)."""

    read_roles = AGENT_ROLES
    write_roles = WRITER_ROLES


class SavedViewSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(read_only=True)
    tickets_url = serializers.SerializerMethodField()

    class Meta:
        model = SavedView
        fields = (
            "id",
            "name",
            "visibility",
            "team",
            "filters",
            "search",
            "ordering",
            "position",
            "owner",
            "created_at",
            "updated_at",
            "tickets_url",
        )

    def get_tickets_url(self, view: SavedView) -> str:
        request = self.context.get("request")
        path = f"/api/v1/views/{view.pk}/tickets/"
        return request.build_absolute_uri(path) if request else path


class SavedViewWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    visibility = serializers.ChoiceField(choices=ViewVisibility.choices, default=ViewVisibility.PERSONAL)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    filters = serializers.JSONField(required=False, default=dict)
    search = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    ordering = serializers.ChoiceField(choices=ViewOrdering.choices, default=ViewOrdering.URGENCY)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=0)

    def validate_filters(self, value: Any) -> dict[str, Any]:
        try:
            return saved_views.validate_view_filters(value)
        except Exception as exc:
            raise serializers.ValidationError(getattr(exc, "message_dict", str(exc))) from exc


class SavedViewTicketsPagination(DefaultCursorPagination):
    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        return view.saved_view_ordering


@crud_schema(
    noun="a saved view",
    plural="saved views",
    read=SavedViewSerializer,
    create=SavedViewWriteSerializer,
    writers="owner; team/everyone views: senior agents and admins",
    destroy="Delete a saved view (its owner or an admin)",
)
class SavedViewViewSet(ServiceModelViewSet):
    permission_classes = [SavedViewAccess]
    read_serializer_class = SavedViewSerializer
    write_serializer_class = SavedViewWriteSerializer
    ordering = ("position", "name", "id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return saved_views.saved_view_list(user=self.request.user)

    def get_object(self) -> SavedView:
        view = saved_views.saved_view_get(user=self.request.user, pk=self.kwargs["pk"])
        if view is None:
            raise Http404
        return view

    def respond(self, obj: SavedView, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(SavedViewSerializer(fresh, context={"request": self.request}).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(request, partial=False)
        view = saved_views.saved_view_create(actor=request.user, **data)
        return self.respond(view, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        view = self.get_object()
        data = self.validated(request, partial=True)
        return self.respond(saved_views.saved_view_update(view=view, actor=request.user, data=data))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        saved_views.saved_view_delete(view=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The saved view's tickets, in its order (cursor-paginated)",
        responses={200: TicketSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=SavedViewTicketsPagination)
    def tickets(self, request: Request, pk: str | None = None) -> Response:
        view = self.get_object()
        queryset = saved_views.saved_view_tickets(view=view, user=request.user)
        if view.ordering == ViewOrdering.SLA_DUE:
            sort = Coalesce("sla_due_at", Value(NO_DEADLINE, output_field=DateTimeField()))
            queryset = queryset.annotate(sla_sort=sort)
        self.saved_view_ordering = API_ORDERINGS[view.ordering]
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(TicketSerializer(page, many=True, context={"request": request}).data)
