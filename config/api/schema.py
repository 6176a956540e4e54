"""The OpenAPI side of the shared API plumbing: the documented error responses and a schema
builder for the CRUD viewsets."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.serializers import Serializer

ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Validation error, each offending field named."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="Not authenticated."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role does not allow this."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="Not found."),
    429: OpenApiResponse(OpenApiTypes.OBJECT, description="Rate limit reached; retry after `Retry-After` seconds."),
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
