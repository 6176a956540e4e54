"""Languages on the customer-facing pages only.

The portal (/portal/) and the knowledge base (/kb/) speak the visitor's language (the `django_language`
cookie set by /i18n/setlang/, else the browser's Accept-Language) among LANGUAGES; the agents' admin
and the API stay in LANGUAGE_CODE, the desk's language, so agents, integrations and their tests see
one language whatever the browser says. Translations live in each app's `locale/` folder; the .mo
files are compiled (`manage.py compilemessages`) and committed."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class CustomerLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith(tuple(settings.LOCALIZED_PATH_PREFIXES)):
            super().process_request(request)
        else:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path_info.startswith(tuple(settings.LOCALIZED_PATH_PREFIXES)):
            return super().process_response(request, response)
        return response
