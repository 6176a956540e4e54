"""Notifications: the outbox of domain events and everything that leaves the machine because of
them (email, webhooks). Other apps call `notifications.publish(event, payload)` only."""

from typing import Any


def publish(event: str, payload: dict[str, Any]) -> Any:
    """Store an outbox row in the caller's transaction; it is dispatched after commit."""
    from notifications.outbox import publish as _publish

    return _publish(event, payload)
