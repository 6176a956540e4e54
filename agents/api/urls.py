"""/api/v1/auth/..., /api/v1/me/, /api/v1/agents/..., /api/v1/teams/..., /api/v1/api-keys/..."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from agents.api.views import AgentViewSet, ApiKeyViewSet, MeView, TeamViewSet, TokenObtainView, TokenRefreshingView

router = SimpleRouter()
router.register("agents", AgentViewSet, basename="agent")
router.register("teams", TeamViewSet, basename="team")
router.register("api-keys", ApiKeyViewSet, basename="api-key")

urlpatterns = [  # noqa: RUF005 - other features prepend their paths to this list
    path("auth/token/", TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", TokenRefreshingView.as_view(), name="token-refresh"),
    path("me/", MeView.as_view(), name="me"),
] + router.urls
