"""How API callers prove who they are: JWT bearer tokens (people) and API keys (integrations).

An API key acts as its service user, so permissions, scoping and the audit trail work exactly
as for a person; the key's own `role` is authoritative for the request (an admin who changes the
role in the admin changes what the key may do at once)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from agents.callers import caller_get, users_with_profile
from agents.models import ApiKey

API_KEY_KEYWORD = "Api-Key"
# last_used_at is written at most once a minute per key: one cheap conditional UPDATE.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ProfileModelBackend(ModelBackend):
    """Django's ModelBackend whose session user arrives with the agent profile and customer record
    (from the cache: agents/callers.py)."""

    def get_user(self, user_id: Any) -> Any:
        user = caller_get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`. Unknown, revoked or expired keys are refused with a 401."""

    keyword = API_KEY_KEYWORD

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1", errors="replace")
        parts = header.split()
        if not parts or parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid API key header: use 'Api-Key <key>'.")
        return self.authenticate_key(parts[1])

    def authenticate_key(self, key: str) -> tuple[Any, ApiKey]:
        try:
            api_key = ApiKey.objects.get_from_key(key)
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("The API key has expired.")
        user = users_with_profile().filter(pk=api_key.user_id, is_active=True).first() if api_key.user_id else None
        if user is None:
            raise exceptions.AuthenticationFailed("The API key has no active service user.")
        agent = getattr(user, "agent", None)
        if agent is not None:
            agent.role = api_key.role  # the key's role wins for this request (never saved)
        now = timezone.now()
        ApiKey.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION), pk=api_key.pk
        ).update(last_used_at=now)
        return user, api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class JWTAuthenticationWithClearErrors(JWTAuthentication):
    """simplejwt, but an expired token says so in `detail` (simplejwt buries it in `messages`), and
    the user comes with the profile (from the cache, else one query); the request never touches a session."""

    def get_user(self, validated_token: Any) -> Any:
        """simplejwt's checks (the user exists, is active, the password did not change), same messages."""
        try:
            user_id = validated_token[jwt_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        user = caller_get(user_id)  # USER_ID_FIELD is the primary key (settings)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if jwt_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if jwt_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            jwt_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user

    def get_validated_token(self, raw_token: bytes):
        try:
            return super().get_validated_token(raw_token)
        except InvalidToken as exc:
            messages = exc.detail.get("messages", []) if isinstance(exc.detail, dict) else []
            if any("expired" in str(m.get("message", "")).lower() for m in messages):
                raise InvalidToken({"detail": "Token is expired.", "code": "token_expired"}) from exc
            raise


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "agents.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`; keys are created by an admin and shown once.",
        }


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "agents.authentication.JWTAuthenticationWithClearErrors"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
