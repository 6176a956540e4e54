"""OAuth2 for IMAP (Microsoft 365 and Google): the access token is refreshed from the stored
refresh token when it has expired (or is about to), stored encrypted with its expiry, and used for
the SASL XOAUTH2 login. A rotated refresh token (Microsoft rotates them) replaces the stored one.
Secrets never reach the log or the mailbox's last error."""

from __future__ import annotations

import base64
from datetime import timedelta

import requests
from django.conf import settings
from django.utils import timezone

from tickets.models.inbound import Mailbox, MailboxAuth

TOKEN_URLS = {
    MailboxAuth.MICROSOFT: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
    MailboxAuth.GOOGLE: "https://oauth2.googleapis.com/token",
}
SCOPES = {
    MailboxAuth.MICROSOFT: "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access",
    MailboxAuth.GOOGLE: "https://mail.google.com/",
}
EXPIRY_MARGIN = timedelta(seconds=60)


class OAuthError(Exception):
    """The token endpoint refused or failed; the message names the provider's error, never a secret."""


def xoauth2_string(username: str, access_token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64): user=…^Aauth=Bearer …^A^A."""
    return f"user={username}\x01auth=Bearer {access_token}\x01\x01"


def xoauth2_base64(username: str, access_token: str) -> str:
    return base64.b64encode(xoauth2_string(username, access_token).encode()).decode()


def token_url(mailbox: Mailbox) -> str:
    if mailbox.oauth_token_url:
        return mailbox.oauth_token_url
    return TOKEN_URLS[mailbox.auth_method].format(tenant=mailbox.oauth_tenant or "common")


def access_token_get(*, mailbox: Mailbox) -> str:
    """A valid access token: the stored one while it lives, else a fresh one (stored)."""
    expires_at = mailbox.oauth_access_token_expires_at
    if mailbox.oauth_access_token_encrypted and expires_at and expires_at - EXPIRY_MARGIN > timezone.now():
        return mailbox.get_secret("oauth_access_token")
    return access_token_refresh(mailbox=mailbox)


def access_token_refresh(*, mailbox: Mailbox) -> str:
    refresh_token = mailbox.get_secret("oauth_refresh_token")
    if not refresh_token:
        raise OAuthError("no refresh token stored: authorise the mailbox again")
    data = {
        "grant_type": "refresh_token",
        "client_id": mailbox.oauth_client_id,
        "client_secret": mailbox.get_secret("oauth_client_secret"),
        "refresh_token": refresh_token,
        "scope": SCOPES.get(mailbox.auth_method, ""),
    }
    try:
        response = requests.post(token_url(mailbox), data=data, timeout=settings.INBOUND_IMAP_TIMEOUT)
    except requests.RequestException as exc:
        raise OAuthError(f"token endpoint unreachable: {type(exc).__name__}") from None
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    if response.status_code != 200 or not payload.get("access_token"):
        error = payload.get("error") or f"HTTP {response.status_code}"
        description = str(payload.get("error_description") or "")[:200]
        raise OAuthError(f"token refresh refused: {error}{': ' + description if description else ''}")
    token = str(payload["access_token"])
    mailbox.set_secret("oauth_access_token", token)
    mailbox.oauth_access_token_expires_at = timezone.now() + timedelta(seconds=int(payload.get("expires_in", 3600)))
    fields = ["oauth_access_token_encrypted", "oauth_access_token_expires_at", "updated_at"]
    if payload.get("refresh_token") and payload["refresh_token"] != refresh_token:
        mailbox.set_secret("oauth_refresh_token", str(payload["refresh_token"]))
        fields.append("oauth_refresh_token_encrypted")
    mailbox.save(update_fields=fields)
    return token
