"""/api/v1/customers/... and /api/v1/organizations/... Explicit paths first (others prepend theirs,
e.g. customers/<id>/export/), then the router's."""

from rest_framework.routers import SimpleRouter

from customers.api.gdpr_views import gdpr_urlpatterns
from customers.api.views import CustomerViewSet, OrganizationViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("organizations", OrganizationViewSet, basename="organization")

urlpatterns = [*gdpr_urlpatterns, *router.urls]
