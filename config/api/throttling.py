"""Request rates: per user, per API key and per anonymous client, read from
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (env API_THROTTLE_USER / API_THROTTLE_API_KEY /
API_THROTTLE_ANON). Rates are looked up on every request, so changing the setting (or a test's
`settings` fixture) takes effect without a restart. A throttled request gets a 429 with Retry-After."""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_api_key.models import AbstractAPIKey


class _SettingsRateMixin:
    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserThrottle(_SettingsRateMixin, SimpleRateThrottle):
    """A person (JWT or session), keyed by user id. API-key requests are left to ApiKeyThrottle."""

    scope = "user"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not request.user or not request.user.is_authenticated or isinstance(request.auth, AbstractAPIKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ApiKeyThrottle(_SettingsRateMixin, SimpleRateThrottle):
    """An integration, keyed by its API key."""

    scope = "api_key"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not isinstance(request.auth, AbstractAPIKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}


class AnonThrottle(_SettingsRateMixin, SimpleRateThrottle):
    """Unauthenticated callers (token endpoints, bad credentials), keyed by client address."""

    scope = "anon"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
