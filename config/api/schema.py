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


# --- every operation's error responses (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) -------------

_ERROR_BODY = {"application/json": {"schema": {"type": "object", "additionalProperties": {}}}}
_ALWAYS = {
    "400": "Validation error, each offending field or query parameter named.",
    "401": "Not authenticated.",
    "403": "Your role does not allow this.",
    "404": "Not found (or outside your scope).",
    "429": "Rate limit reached; retry after `Retry-After` seconds.",
}
_WRITES = {"409": "Conflicts with the current state (a duplicate, or nothing to undo)."}
# A change to one ticket (or under it) honours If-Match, checked before anything else.
_TICKET_WRITES = {"412": "Stale `If-Match`: the ticket changed since you read it."}
_BODIES = {
    "413": "The request body is larger than the server accepts.",
    "415": "Unsupported media type: bodies are JSON (`application/json`), file uploads multipart.",
}
# gunicorn refuses a request line over `limit_request_line` (4,094 bytes) before Django sees it,
# with its own small HTML page.
_URI_TOO_LONG = {
    "description": "The URL (path and query string) is longer than the server accepts.",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add the responses any API operation can give, where a view did not document them itself:
    400/401/403/404/429 and 414 everywhere, 409 on writes (412 on a ticket's), 413/415 where there
    is a body."""
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            extra = dict(_ALWAYS)
            if method != "get":
                extra.update(_WRITES)
                if path.startswith("/api/v1/tickets/{"):
                    extra.update(_TICKET_WRITES)
            if "requestBody" in operation:
                extra.update(_BODIES)
            for code, description in extra.items():
                responses.setdefault(code, {"content": _ERROR_BODY, "description": description})
            responses.setdefault("414", _URI_TOO_LONG)
    return result
