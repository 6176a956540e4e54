"""`Idempotency-Key` for POSTs, with Stripe's semantics:

- the first request with a key runs and its response is stored with the key;
- a retry with the same key and the same body gets the stored response (`Idempotent-Replayed: true`)
  and creates nothing;
- the same key with a different body is a 422; a retry while the first is still running is a 409;
- keys are scoped to the caller (an API key's service user or a person) and kept at least
  IDEMPOTENCY_KEY_TTL (24 h by default); a request that fails (4xx/5xx) releases its key.

Exactly-once is guaranteed by the unique constraint on (user, key), not by check-then-insert:
the claim is an INSERT committed before the work starts, so a concurrent duplicate hits the
constraint and sees the row in flight."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from config.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("ETag", "Location")


class IdempotencyConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still being processed; retry later."
    default_code = "idempotency_in_flight"


class IdempotencyMismatch(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used with a different request body."
    default_code = "idempotency_key_reused"


def key_ttl() -> timedelta:
    return timedelta(hours=getattr(settings, "IDEMPOTENCY_KEY_TTL_HOURS", 24))


def in_flight_timeout() -> timedelta:
    """A claim older than this whose request never finished (a crashed process) is abandoned."""
    return timedelta(seconds=getattr(settings, "IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS", 120))


def request_fingerprint(*, method: str, path: str, data: Any) -> str:
    canonical = json.dumps({"method": method, "path": path, "body": data}, sort_keys=True, cls=JSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(*, user: Any, key: str, method: str, path: str, fingerprint: str) -> tuple[IdempotencyKey, bool]:
    """Insert the key (committed at once, so concurrent requests see it) or return the existing row."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return (
                    IdempotencyKey.objects.create(
                        user=user, key=key, method=method, path=path, fingerprint=fingerprint
                    ),
                    True,
                )
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(user=user, key=key).first()
            if existing is None:  # released by a failed first attempt in between: try again
                continue
            now = timezone.now()
            expired = existing.created_at < now - key_ttl()
            abandoned = (
                existing.state == IdempotencyKey.State.IN_FLIGHT and existing.created_at < now - in_flight_timeout()
            )
            if expired or abandoned:
                IdempotencyKey.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
                continue
            return existing, False
    raise IdempotencyConflict


def _replay(record: IdempotencyKey) -> Response:
    response = Response(record.response_body, status=record.response_status)
    for name, value in (record.response_headers or {}).items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request: Any, handler: Callable[[], Response]) -> Response:
    """Run `handler` once per (caller, Idempotency-Key); without the header it just runs."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError({HEADER: [f"The Idempotency-Key header must be 1-{MAX_KEY_LENGTH} characters."]})
    fingerprint = request_fingerprint(method=request.method, path=request.path, data=request.data)
    record, created = _claim(
        user=request.user, key=key, method=request.method, path=request.path[:255], fingerprint=fingerprint
    )
    if not created:
        if record.fingerprint != fingerprint:
            raise IdempotencyMismatch
        if record.state == IdempotencyKey.State.IN_FLIGHT:
            raise IdempotencyConflict
        return _replay(record)
    try:
        # The work and the stored response commit together: a crash leaves neither.
        with transaction.atomic():
            response = handler()
            if response.status_code >= status.HTTP_400_BAD_REQUEST:
                raise _FailedResponse(response)  # noqa: TRY301 - rolls the work back, keeps the response
            record.state = IdempotencyKey.State.COMPLETED
            record.response_status = response.status_code
            record.response_body = json.loads(json.dumps(response.data, cls=JSONEncoder))
            record.response_headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
            record.completed_at = timezone.now()
            record.save(update_fields=["state", "response_status", "response_body", "response_headers", "completed_at"])
    except _FailedResponse as failed:
        IdempotencyKey.objects.filter(pk=record.pk).delete()
        return failed.response
    except BaseException:
        IdempotencyKey.objects.filter(pk=record.pk).delete()
        raise
    return response


class _FailedResponse(Exception):  # noqa: N818
    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def idempotency_key_purge(*, older_than: timedelta | None = None) -> int:
    """Delete keys past their retention (at least 24 h). Returns how many were deleted."""
    cutoff = timezone.now() - (older_than or key_ttl())
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
