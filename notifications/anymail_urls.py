"""django-anymail's webhook URLs (``/anymail/<esp>/inbound/``, ``/anymail/<esp>/tracking/``),
mounted in config/urls.py, each view wrapped so that:

- nothing is accepted while ``ANYMAIL_WEBHOOK_SECRET`` is unset (anymail itself would only warn
  and accept anyone): 403;
- missing or wrong basic auth (or a failed ESP signature check) answers 401 with a
  ``WWW-Authenticate`` challenge instead of anymail's 400.

Inbound messages reach ``tickets.inbound.receivers.anymail_inbound_received`` through anymail's
``inbound`` signal (connected in TicketsConfig.ready)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.urls import urlpatterns as anymail_urlpatterns
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern

logger = logging.getLogger(__name__)

app_name = "anymail"


def _secret_configured() -> bool:
    return bool((getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET"))


def _protected(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)  # keeps csrf_exempt / login_not_required from anymail's view
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _secret_configured():
            logger.warning("anymail webhook %s refused: ANYMAIL_WEBHOOK_SECRET is not set", request.path)
            return HttpResponse("ESP webhooks are disabled until ANYMAIL_WEBHOOK_SECRET is set.", status=403)
        try:
            return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure as exc:
            logger.warning("anymail webhook %s refused: %s", request.path, exc)
            response = HttpResponse("Unauthorized", status=401)
            response["WWW-Authenticate"] = 'Basic realm="anymail"'
            return response

    return wrapped


urlpatterns = [URLPattern(p.pattern, _protected(p.callback), p.default_args, p.name) for p in anymail_urlpatterns]
