"""/api/v1/tickets/... Explicit paths first (other features prepend theirs, e.g. tickets/bulk/),
then the router's."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tickets.api.attachments import AttachmentDownloadView, TicketAttachmentsView
from tickets.api.gdpr import gdpr_urlpatterns
from tickets.api.jobs import job_urlpatterns
from tickets.api.links import (
    TicketCloseChildrenView,
    TicketLinksView,
    TicketLinkView,
    TicketMergeUndoView,
    TicketMergeView,
    TicketSplitView,
)
from tickets.api.macros import ApplyMacroView, MacroPreviewView, MacroViewSet
from tickets.api.reports import ReportDimensionView, ReportTotalsView
from tickets.api.rules import AutomationViewSet, TicketExplainView, TriggerViewSet
from tickets.api.saved_views import SavedViewViewSet
from tickets.api.sla import SLAPolicyDryRunView, TicketSLAView
from tickets.api.time_entries import TicketTimeEntryViewSet, TicketTimeTotalsView, TimeTotalsView
from tickets.api.views import CommentViewSet, TicketEventViewSet, TicketViewSet
from tickets.inbound.api import FollowerViewSet, InboundMessageViewSet, MailboxViewSet

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("views", SavedViewViewSet, basename="savedview")
router.register("mailboxes", MailboxViewSet, basename="mailbox")
router.register("inbound-messages", InboundMessageViewSet, basename="inbound-message")
router.register("macros", MacroViewSet, basename="macro")
router.register("triggers", TriggerViewSet, basename="trigger")
router.register("automations", AutomationViewSet, basename="automation")

# The ticket list first: the API's busiest route, matched before the 30-odd paths below are tried
# (nothing else can be `tickets/`); the rest of the router's routes come last, as they must.
TICKET_LIST = next(pattern for pattern in router.urls if pattern.name == "ticket-list")

urlpatterns = [
    TICKET_LIST,
    *job_urlpatterns,  # tickets/bulk/ before the router's tickets/{id}/; exports/, bulk-jobs/
    *gdpr_urlpatterns,  # customers/{id}/export/ and customers/{id}/erase/
    path(
        "tickets/<str:ticket_pk>/comments/",
        CommentViewSet.as_view({"get": "list", "post": "create"}),
        name="ticket-comments",
    ),
    path("tickets/<str:ticket_pk>/attachments/", TicketAttachmentsView.as_view(), name="ticket-attachments"),
    path("tickets/<str:ticket_pk>/apply-macro/", ApplyMacroView.as_view(), name="ticket-apply-macro"),
    path("tickets/<str:ticket_pk>/macros/<int:pk>/preview/", MacroPreviewView.as_view(), name="ticket-macro-preview"),
    path("tickets/<str:ticket_pk>/merge/", TicketMergeView.as_view(), name="ticket-merge"),
    path("tickets/<str:ticket_pk>/merge/undo/", TicketMergeUndoView.as_view(), name="ticket-merge-undo"),
    path("tickets/<str:ticket_pk>/split/", TicketSplitView.as_view(), name="ticket-split"),
    path("tickets/<str:ticket_pk>/links/", TicketLinksView.as_view(), name="ticket-links"),
    path("tickets/<str:ticket_pk>/links/<int:pk>/", TicketLinkView.as_view(), name="ticket-link"),
    path("tickets/<str:ticket_pk>/close-children/", TicketCloseChildrenView.as_view(), name="ticket-close-children"),
    path("tickets/<str:ticket_pk>/explain/", TicketExplainView.as_view(), name="ticket-explain"),
    path("tickets/<str:ticket_pk>/sla/", TicketSLAView.as_view(), name="ticket-sla"),
    path("sla-policies/dry-run/", SLAPolicyDryRunView.as_view(), name="sla-policy-dry-run"),
    path("attachments/<int:pk>/download/", AttachmentDownloadView.as_view(), name="attachment-download"),
    path("tickets/<str:ticket_pk>/events/", TicketEventViewSet.as_view({"get": "list"}), name="ticket-events"),
    path(
        "tickets/<str:ticket_pk>/time-entries/",
        TicketTimeEntryViewSet.as_view({"get": "list", "post": "create"}),
        name="ticket-time-entries",
    ),
    path("tickets/<str:ticket_pk>/time-entries/totals/", TicketTimeTotalsView.as_view(), name="ticket-time-totals"),
    path(
        "tickets/<str:ticket_pk>/time-entries/<int:pk>/",
        TicketTimeEntryViewSet.as_view({"delete": "destroy"}),
        name="ticket-time-entry",
    ),
    path("time-totals/<str:dimension>/", TimeTotalsView.as_view(), name="time-totals"),
    path("reports/", ReportTotalsView.as_view(), name="reports-list"),
    path("reports/<str:dimension>/", ReportDimensionView.as_view(), name="report-dimension"),
    path(
        "tickets/<str:ticket_pk>/followers/",
        FollowerViewSet.as_view({"get": "list", "post": "create"}),
        name="ticket-followers",
    ),
    path(
        "tickets/<str:ticket_pk>/followers/me/",
        FollowerViewSet.as_view({"delete": "unfollow"}),
        name="ticket-follower-me",
    ),
    path(
        "tickets/<str:ticket_pk>/followers/<int:pk>/",
        FollowerViewSet.as_view({"delete": "destroy"}),
        name="ticket-follower",
    ),
] + [pattern for pattern in router.urls if pattern is not TICKET_LIST]
