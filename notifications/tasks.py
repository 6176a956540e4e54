"""Celery tasks of the notifications app: thin wrappers around services, safe to run twice."""

from celery import shared_task

from notifications import services


@shared_task(name="notifications.outbox_dispatch")
def outbox_dispatch(event_id: str) -> None:
    services.outbox_event_dispatch(event_id=event_id)


@shared_task(name="notifications.outbox_sweep")
def outbox_sweep() -> int:
    """Beat, every minute: dispatch events still pending after the grace period."""
    return services.outbox_sweep()
