from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from config.admin_login import ThrottledAdminAuthenticationForm
from config.health import healthz, readyz
from config.metrics import metrics_view

admin.site.site_header = "Helpdesk"
admin.site.site_title = "Helpdesk admin"
admin.site.index_title = "Support desk"
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    # The root is the agents' desk (the admin sends anyone not logged in to its login page).
    path("", RedirectView.as_view(pattern_name="admin:index"), name="root"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api.urls")),
    # The customer portal (server-rendered pages for customers; tickets/portal/).
    path("portal/", include("tickets.portal.urls")),
    # The public knowledge base (readable without signing in; tickets/knowledge/).
    path("kb/", include("tickets.knowledge.urls")),
    # The language switcher of the portal and the knowledge base (Django's set_language view, POST).
    path("i18n/", include("django.conf.urls.i18n")),
    # ESP webhooks (inbound email): django-anymail's views, basic auth with ANYMAIL_WEBHOOK_SECRET.
    path("anymail/", include("notifications.anymail_urls")),
]
# MEDIA_ROOT (attachments, exports) is never served as such, not even in DEBUG: files leave only
# through the scoped, authenticated download views.

handler404 = "config.exceptions.page_not_found"
handler500 = "config.exceptions.server_error"
