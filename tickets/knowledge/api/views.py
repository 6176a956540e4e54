"""/api/v1/kb/articles/: published public articles readable by anybody (no login); agents also
read internal ones and drafts; agents write, senior agents and admins delete. `?search=` is full
text (ranked, best first: one page of `page_size` results); otherwise a cursor-paged list."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from agents.permissions import SENIOR_ROLES, WRITER_ROLES, RolePermission
from config.api.filters import ChoiceInFilter, IdFilter
from config.api.schema import ERRORS, crud_schema
from config.api.views import ServiceModelViewSet
from tickets.knowledge import selectors, services
from tickets.knowledge.api.serializers import (
    ArticleRestoreSerializer,
    ArticleSerializer,
    ArticleVersionSerializer,
    ArticleWriteSerializer,
)
from tickets.knowledge.models import Article, ArticleStatus, ArticleVisibility

ANYONE = frozenset({None, "customer", "admin", "senior_agent", "agent", "viewer"})


class KnowledgePermission(RolePermission):
    """Anybody reads (the queryset decides what); agents write; senior agents and admins delete."""

    read_roles = ANYONE
    write_roles = WRITER_ROLES
    delete_roles = SENIOR_ROLES


class ArticleFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", help_text="Full text over title and body, best first.")
    section = IdFilter(field_name="section_id", help_text="A section's id.")
    category = django_filters.CharFilter(field_name="section__category__slug", help_text="A category's slug.")
    status = ChoiceInFilter(choices=ArticleStatus.choices, help_text="Agents: draft, published.")
    visibility = ChoiceInFilter(choices=ArticleVisibility.choices, help_text="Agents: public, internal.")

    class Meta:
        model = Article
        fields: list[str] = []

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        return selectors.article_search(queryset, value)


@crud_schema(
    noun="a knowledge-base article",
    plural="knowledge-base articles (published public ones without login; agents see all)",
    read=ArticleSerializer,
    create=ArticleWriteSerializer,
    writers="agents",
    destroy="Delete an article (senior agents, admins)",
)
class ArticleViewSet(ServiceModelViewSet):
    permission_classes = [KnowledgePermission]
    authentication_classes = ServiceModelViewSet.authentication_classes
    write_serializer_class = ArticleWriteSerializer
    read_serializer_class = ArticleSerializer
    filterset_class = ArticleFilter
    ordering = ("title", "id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.article_visible_to(self.request.user, include_drafts=True)

    def list(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not request.query_params.get("search", "").strip():
            return super().list(request, *args, **kwargs)
        paginator = self.paginator
        paginator.check_query_params(request, self) if hasattr(paginator, "check_query_params") else None
        size = paginator.get_page_size(request) if paginator is not None else 25
        ranked = self.filter_queryset(self.get_queryset())[:size]
        results = self.read_serializer_class(ranked, many=True).data
        return Response({"next": None, "previous": None, "results": results})

    def create(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        article = services.article_create(actor=request.user, data=self.validated(request, partial=False))
        return self.respond(article, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        article = self.get_object()
        article = services.article_update(
            article=article, actor=request.user, data=self.validated(request, partial=True)
        )
        return self.respond(article)

    def destroy(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        services.article_delete(article=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="An article's versions (agents)", responses={200: ArticleVersionSerializer(many=True), **ERRORS}
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def versions(self, request, pk=None):  # type: ignore[no-untyped-def]
        if not _is_agent(request):
            raise Http404
        article = self.get_object()
        return Response(ArticleVersionSerializer(article.versions.all(), many=True).data)

    @extend_schema(
        summary="Restore an earlier version (agents)",
        request=ArticleRestoreSerializer,
        responses={200: ArticleSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def restore(self, request, pk=None):  # type: ignore[no-untyped-def]
        article = self.get_object()
        serializer = ArticleRestoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        article = services.article_restore(
            article=article, actor=request.user, number=serializer.validated_data["version"]
        )
        return self.respond(article)


def _is_agent(request: Any) -> bool:
    from agents.selectors import is_agent

    return is_agent(request.user)


__all__ = ["ArticleViewSet", "OpenApiParameter"]
