"""/api/v1/customers/... and /api/v1/organizations/... (the GDPR export and erase endpoints
under customers/<id>/ are the tickets app's: tickets/api/gdpr.py)."""

from rest_framework.routers import SimpleRouter

from customers.api.views import CustomerViewSet, OrganizationViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("organizations", OrganizationViewSet, basename="organization")

urlpatterns = router.urls
