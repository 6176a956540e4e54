"""In-process consumers of outbox events: the domain event bus.

An app that must react to another app's event without importing it registers a handler here,
explicitly, in its AppConfig.ready() (grep for ``consumers.register(``)::

    from notifications import consumers

    consumers.register("customer.updated", sla_on_customer_updated, name="tickets.sla_on_customer_updated")

The dispatch of an outbox event (after the publishing transaction committed) records one
``ConsumerRun`` per (event, consumer), like the email and webhook deliveries, and runs each
pending one once: the handler and the "done" mark commit in one transaction, with the run row
locked (skip-locked), so a redelivered or concurrently dispatched event does not run it twice.
A handler that raises is rolled back, logged with its traceback, and the run stays pending
(attempts, error); the event stays pending too, so ``outbox_sweep`` retries it. After
OUTBOX_MAX_ATTEMPTS the run is marked ``failed`` (and logged as an error).

Handlers receive the event payload (a JSON dict) and return nothing. Keep them idempotent at
heart anyway (a crash between commit and acknowledgement is impossible here, but an admin may
reset a run).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Consumer:
    event: str
    name: str
    handler: Handler


_REGISTRY: dict[str, dict[str, Consumer]] = {}


def register(event: str, handler: Handler, name: str) -> Consumer:
    """Run `handler(payload)` once for every dispatched `event`. `name` identifies the consumer in
    the run records (keep it stable: renaming it would run it again for redelivered events).
    Registering the same handler twice under one name is a no-op; another handler is an error."""
    if not name:
        raise ValueError("A consumer needs a name.")
    existing = _REGISTRY.get(event, {}).get(name)
    if existing is not None:
        if existing.handler is not handler:
            raise ValueError(f"A different consumer named {name!r} is already registered for {event!r}.")
        return existing
    consumer = Consumer(event=event, name=name, handler=handler)
    _REGISTRY.setdefault(event, {})[name] = consumer
    return consumer


def unregister(event: str, name: str) -> None:
    """Remove a consumer (tests, or an app switching a reaction off)."""
    _REGISTRY.get(event, {}).pop(name, None)


def consumers_for(event: str) -> list[Consumer]:
    """The consumers of an event, in registration order."""
    return list(_REGISTRY.get(event, {}).values())


def registry() -> dict[str, list[str]]:
    """Event -> consumer names (for the docs, the admin and tests)."""
    return {event: list(names) for event, names in _REGISTRY.items() if names}


# --- dispatch (called by notifications.dispatch.outbox_event_dispatch) -------------------------------


def consumer_runs_plan(*, event_id: Any, event: str) -> None:
    """Create the run records of an event's consumers; existing ones are left alone."""
    from notifications.models import ConsumerRun

    runs = [ConsumerRun(event_id=event_id, event=event, consumer=c.name) for c in consumers_for(event)]
    if runs:
        ConsumerRun.objects.bulk_create(runs, ignore_conflicts=True)


def consumer_runs_execute(*, event_id: Any, payload: dict[str, Any]) -> int:
    """Run the event's pending consumer runs, each once. Returns how many are still pending
    (failed this time, held by another worker, or whose consumer is no longer registered)."""
    from notifications.models import ConsumerRun, ConsumerRunStatus

    pending = 0
    run_ids = list(
        ConsumerRun.objects.filter(event_id=event_id, status=ConsumerRunStatus.PENDING)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    for run_id in run_ids:
        if not _run_one(run_id=run_id, payload=payload):
            pending += 1
    return pending


def _run_one(*, run_id: int, payload: dict[str, Any]) -> bool:
    """Run one consumer under the lock of its run row. True when it is finished (done, failed for
    good, or already done by someone else); False when it must be retried."""
    from notifications.models import ConsumerRun, ConsumerRunStatus

    try:
        with transaction.atomic():
            run = ConsumerRun.objects.select_for_update(skip_locked=True).filter(pk=run_id).first()
            if run is None:  # another worker holds it
                return False
            if run.status != ConsumerRunStatus.PENDING:
                return True
            consumer = _REGISTRY.get(run.event, {}).get(run.consumer)
            if consumer is None:
                logger.error(
                    "consumer %r of %s is not registered; run %s left pending", run.consumer, run.event, run.pk
                )
                ConsumerRun.objects.filter(pk=run.pk).update(
                    attempts=run.attempts + 1, error="The consumer is not registered in this process."
                )
                return False
            consumer.handler(payload)
            ConsumerRun.objects.filter(pk=run.pk).update(
                status=ConsumerRunStatus.DONE, attempts=run.attempts + 1, error="", done_at=timezone.now()
            )
            return True
    except Exception as exc:
        logger.exception("consumer run %s failed; the outbox sweep will retry it", run_id)
        error = f"{type(exc).__name__}: {exc}"[:2000]
    # The handler's changes were rolled back with the transaction; record the failure.
    with transaction.atomic():
        run = ConsumerRun.objects.select_for_update().get(pk=run_id)
        run.attempts += 1
        run.error = error
        if run.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            run.status = ConsumerRunStatus.FAILED
            logger.error("consumer %r of %s failed %d times; giving up", run.consumer, run.event, run.attempts)
        run.save(update_fields=["attempts", "error", "status"])
    return run.status == ConsumerRunStatus.FAILED
