"""Background work of the API plumbing. The task keeps its registered name, so existing beat
entries (config/schedules.py) still find it."""

from __future__ import annotations

from celery import shared_task

from config.api.idempotency import idempotency_key_purge


@shared_task(name="agents.idempotency_key_purge")
def idempotency_key_purge_task() -> int:
    """Delete Idempotency-Key records past their retention (IDEMPOTENCY_KEY_TTL_HOURS, 24 h)."""
    return idempotency_key_purge()
