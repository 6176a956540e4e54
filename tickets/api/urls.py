"""/api/v1/tickets/... Explicit paths first (other features prepend theirs, e.g. tickets/bulk/),
then the router's."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tickets.api.gdpr import gdpr_urlpatterns
from tickets.api.job_views import job_urlpatterns
from tickets.api.views import CommentViewSet, TicketEventViewSet, TicketViewSet
from tickets.inbound.api import FollowerViewSet, InboundMessageViewSet, MailboxViewSet

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("mailboxes", MailboxViewSet, basename="mailbox")
router.register("inbound-messages", InboundMessageViewSet, basename="inbound-message")

urlpatterns = [  # noqa: RUF005 - other features prepend their paths to this list
    *job_urlpatterns,  # tickets/bulk/ before the router's tickets/{id}/; exports/, bulk-jobs/
    *gdpr_urlpatterns,  # customers/{id}/export/ and customers/{id}/erase/
    path(
        "tickets/<str:ticket_pk>/comments/",
        CommentViewSet.as_view({"get": "list", "post": "create"}),
        name="ticket-comments",
    ),
    path("tickets/<str:ticket_pk>/events/", TicketEventViewSet.as_view({"get": "list"}), name="ticket-events"),
    path(
        "tickets/<str:ticket_pk>/followers/",
        FollowerViewSet.as_view({"get": "list", "post": "create"}),
        name="ticket-followers",
    ),
    path(
        "tickets/<str:ticket_pk>/followers/<int:pk>/",
        FollowerViewSet.as_view({"delete": "destroy"}),
        name="ticket-follower",
    ),
] + router.urls
