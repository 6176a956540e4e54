"""The versioned API: /api/v1/. Each app contributes its routes from <app>/api/urls.py."""

from django.urls import URLPattern, URLResolver, include, path, reverse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response


def _list_routes(patterns: list) -> dict[str, str]:
    """Every router's list route by its path ("tickets" → "ticket-list"), found in the URLconf
    itself, so a new resource shows up here without editing this file."""
    found: dict[str, str] = {}
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found.update(_list_routes(pattern.url_patterns))
        elif (
            isinstance(pattern, URLPattern)
            and pattern.name
            and pattern.name.endswith("-list")
            and "<" not in str(pattern.pattern)
        ):
            found[str(pattern.pattern).strip("^$").rstrip("/")] = pattern.name
    return found


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request: Request) -> Response:
    """GET /api/v1/: where the documentation, the schema and every resource list are."""
    routes = _list_routes(urlpatterns)
    resources = {name: request.build_absolute_uri(reverse(route)) for name, route in sorted(routes.items())}
    return Response(
        {
            "docs": request.build_absolute_uri(reverse("api-docs")),
            "schema": request.build_absolute_uri(reverse("api-schema")),
            "auth": request.build_absolute_uri(reverse("token-obtain")),
            "resources": resources,
        }
    )


urlpatterns = [
    path("", api_root, name="api-root"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Tickets first: they are the busiest routes, and Django records every pattern of each
    # include a path does not match before it reaches the one that does (a tickets request
    # used to collect the other three apps' routes, a large share of a list's CPU time).
    path("", include("tickets.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("agents.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("tickets.knowledge.api.urls")),
]
