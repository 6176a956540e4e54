"""Secrets stored in the database (mailbox passwords, OAuth2 tokens) are encrypted with Fernet
(`cryptography`): AES-128-CBC + HMAC-SHA256, authenticated. Keys come from FIELD_ENCRYPTION_KEY
(comma-separated: the first encrypts, every one decrypts, so keys can be rotated); unset, a key is
derived from SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def _fernet() -> MultiFernet:
    configured = [key.strip() for key in (settings.FIELD_ENCRYPTION_KEY or "").split(",") if key.strip()]
    if not configured:
        digest = hashlib.sha256(f"field-encryption:{settings.SECRET_KEY}".encode()).digest()
        configured = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key.encode()) for key in configured])


def encrypt(value: str) -> str:
    """The encrypted token ('' stays '')."""
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("the stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY") from exc
