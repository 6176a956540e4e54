"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

Senders set three headers on every request:

- ``webhook-id``: the delivery id, the same on every retry (receivers de-duplicate on it);
- ``webhook-timestamp``: seconds since the epoch, when the attempt was signed;
- ``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256>`` signatures of
  ``"{id}.{timestamp}.{body}"``. During a secret rotation there are two, one per secret.

Secrets look like ``whsec_<base64 of 32 random bytes>``; the HMAC key is the decoded bytes.

Receivers verify with :func:`verify` (this module has no Django dependency at call time)::

    from notifications.signing import verify, WebhookVerificationError

    try:
        event = verify(payload=request.body, headers=request.headers, secret="whsec_...")
    except WebhookVerificationError:
        return HttpResponse(status=400)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets as _secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format prefix, not a secret
DEFAULT_TOLERANCE_SECONDS = 5 * 60


class WebhookVerificationError(Exception):
    """The request is not a genuine, fresh webhook from us."""


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    try:
        return base64.b64decode(raw, validate=True)
    except (ValueError, TypeError) as exc:
        raise WebhookVerificationError("The secret is not a valid whsec_<base64> value.") from exc


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else body


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """One signature, ``v1,<base64>``."""
    to_sign = f"{msg_id}.{timestamp}.".encode() + _as_bytes(body)
    digest = hmac.new(_key(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(*, secrets: Iterable[str], msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The ``webhook-signature`` value: one signature per secret, space-separated."""
    return " ".join(sign(secret=s, msg_id=msg_id, timestamp=timestamp, body=body) for s in secrets)


def sign_headers(*, secrets: Iterable[str], msg_id: str, body: bytes | str, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets=secrets, msg_id=msg_id, timestamp=timestamp, body=body),
    }


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"Missing header {name}.")


def verify(
    *,
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str | Iterable[str],
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> Any:
    """Check a received webhook and return its decoded JSON body.

    Raises :class:`WebhookVerificationError` when a header is missing, the timestamp is more than
    ``tolerance`` seconds away from ``now`` (replay protection), or no ``v1`` signature matches
    any of the given secrets (pass a list while you rotate your secret)."""
    msg_id = _header(headers, "webhook-id")
    raw_timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    try:
        timestamp = int(raw_timestamp)
    except ValueError as exc:
        raise WebhookVerificationError("Invalid webhook-timestamp.") from exc
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise WebhookVerificationError("Timestamp outside the tolerance.")
    candidates = [secret] if isinstance(secret, str) else list(secret)
    body = _as_bytes(payload)
    expected = [sign(secret=s, msg_id=msg_id, timestamp=timestamp, body=body) for s in candidates]
    for received in signatures.split():
        version, _, _value = received.partition(",")
        if version != "v1":
            continue
        if any(hmac.compare_digest(received.encode(), e.encode()) for e in expected):
            try:
                return json.loads(body)
            except ValueError as exc:
                raise WebhookVerificationError("The body is not JSON.") from exc
    raise WebhookVerificationError("No matching signature.")
