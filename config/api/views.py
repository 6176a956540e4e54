"""Viewset plumbing shared by every app's API: writes validated by a write serializer and made
by a service, answers read back through the viewset's (scoped, joined) queryset."""

from __future__ import annotations

from typing import Any

from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.serializers import Serializer


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
