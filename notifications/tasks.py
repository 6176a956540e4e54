"""Celery tasks of the notifications app: thin wrappers around services, safe to run twice."""

from celery import shared_task

from notifications import dispatch, purge, webhook_delivery


@shared_task(name="notifications.outbox_dispatch")
def outbox_dispatch(event_id: str) -> None:
    dispatch.outbox_event_dispatch(event_id=event_id)


@shared_task(name="notifications.outbox_sweep")
def outbox_sweep() -> int:
    """Beat, every minute: dispatch events still pending after the grace period."""
    return dispatch.outbox_sweep()


@shared_task(name="notifications.webhook_deliver")
def webhook_deliver(delivery_id: str) -> None:
    """One attempt of one webhook delivery, if it is still due (the row decides, not the task)."""
    webhook_delivery.webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="notifications.delivery_retry")
def delivery_retry() -> dict[str, int]:
    """Beat, every minute: webhook retries due (next_attempt_at) and email retries due."""
    return webhook_delivery.delivery_retry()


@shared_task(name="notifications.purge")
def notifications_purge() -> dict[str, int]:
    """Beat, daily: delete finished outbox events, email log entries and deliveries past retention."""
    return purge.notifications_purge()
