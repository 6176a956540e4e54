"""The versioned API: /api/v1/. Each app contributes its routes from <app>/api/urls.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("notifications.api.urls")),
    path("", include("agents.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("tickets.api.urls")),
]
