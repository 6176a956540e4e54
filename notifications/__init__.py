"""Notifications: the outbox of domain events and everything that leaves the machine because of
them (email, webhooks). Other apps call `notifications.publish(event, payload)` (and `notifications.forget(...)` for a
GDPR erasure); they register their events, email routing and consumers in
notifications.events, notifications.recipients and notifications.consumers."""

from typing import Any


def publish(event: str, payload: dict[str, Any]) -> Any:
    """Store an outbox row in the caller's transaction; it is dispatched after commit."""
    from notifications.outbox import publish as _publish

    return _publish(event, payload)


def publish_many(event: str, payloads: list[dict[str, Any]]) -> Any:
    """Like publish() for many events of one kind, in one INSERT."""
    from notifications.outbox import publish_many as _publish_many

    return _publish_many(event, payloads)


def forget(*, email: str, customer_id: int) -> dict[str, int]:
    """GDPR erasure: scrub a person from the outbox payloads, email log and webhook deliveries."""
    from notifications.privacy import notifications_forget

    return notifications_forget(email=email, customer_id=customer_id)
