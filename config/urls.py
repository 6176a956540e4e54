from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from config.health import healthz, readyz
from config.metrics import metrics_view

admin.site.site_header = "Helpdesk"
admin.site.site_title = "Helpdesk admin"
admin.site.index_title = "Support desk"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api.urls")),
    # ESP webhooks (inbound email): django-anymail's views, basic auth with ANYMAIL_WEBHOOK_SECRET.
    path("anymail/", include("notifications.anymail_urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
