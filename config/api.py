"""Shared API plumbing: the documented error responses, a schema builder for the directory
viewsets, and the write-through-services mixin they share."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.serializers import Serializer

ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Validation error, each offending field named."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="Not authenticated."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role does not allow this."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="Not found."),
}


def crud_schema(
    *,
    noun: str,
    plural: str,
    read: type[Serializer],
    create: type[Serializer],
    update: type[Serializer] | None = None,
    writers: str = "admins",
    destroy: str | None = None,
    retrieve: str | None = None,
) -> Any:
    """extend_schema_view for a list/retrieve/create/partial_update/destroy viewset."""
    return extend_schema_view(
        list=extend_schema(summary=f"List {plural}", responses={200: read(many=True), **ERRORS}),
        retrieve=extend_schema(summary=retrieve or f"Read {noun}", responses={200: read, **ERRORS}),
        create=extend_schema(summary=f"Create {noun} ({writers})", request=create, responses={201: read, **ERRORS}),
        partial_update=extend_schema(
            summary=f"Change {noun} ({writers})", request=update or create, responses={200: read, **ERRORS}
        ),
        destroy=extend_schema(summary=destroy or f"Delete {noun} (admins)", responses={204: None, **ERRORS}),
    )


class WriteThroughServicesMixin:
    """create/partial_update validate with a write serializer, call a service, and answer with the
    read serializer over a fresh row from get_queryset() (so the response is joined like a read)."""

    write_serializer_class: type[Serializer]
    update_serializer_class: type[Serializer] | None = None
    read_serializer_class: type[Serializer]

    def get_serializer_class(self) -> type[Serializer]:
        action = getattr(self, "action", None)
        if action == "create":
            return self.write_serializer_class
        if action == "partial_update":
            return self.update_serializer_class or self.write_serializer_class
        return self.read_serializer_class

    def validated(self, request: Any, *, partial: bool) -> dict[str, Any]:
        serializer_class = self.update_serializer_class if partial and self.update_serializer_class else None
        serializer = (serializer_class or self.write_serializer_class)(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(self, obj: Any, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)  # type: ignore[attr-defined]
        return Response(self.read_serializer_class(fresh).data, status=status_code)


class ServiceModelViewSet(
    WriteThroughServicesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """list, retrieve, create, PATCH and delete; writes go through the subclass's services."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = "[^/]+"  # any id reaches the view: malformed ones get a JSON 404
