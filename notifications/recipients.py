"""Who gets which email for an event: a registry. notifications knows no domain model; the app
that owns an event registers a resolver (in its AppConfig.ready) that turns the event's payload
into the mails it promises, the way outbox consumers are registered::

    from notifications import recipients

    recipients.register("ticket.created", ticket_email_recipients)

Events without a resolver only go to webhooks (and consumers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Mail:
    template: str
    recipient: str
    recipient_name: str
    essential: bool
    ticket_id: int | None
    context: dict[str, Any] = field(default_factory=dict)
    # Files on the default storage to attach: [{"file": name, "filename", "content_type"}, ...].
    attachments: tuple[dict[str, Any], ...] = ()


Resolver = Callable[[str, dict[str, Any]], list[Mail]]

_RESOLVERS: dict[str, Resolver] = {}


def register(event: str, resolver: Resolver) -> None:
    """`resolver(event, payload)` returns the mails `event` promises. One resolver per event;
    registering the same one again is a no-op, another one is an error."""
    existing = _RESOLVERS.get(event)
    if existing is not None and existing is not resolver:
        raise ValueError(f"Another email resolver is already registered for {event!r}.")
    _RESOLVERS[event] = resolver


def email_recipients(event: str, payload: dict[str, Any]) -> list[Mail]:
    """The mails an event promises: [] for events that only go to webhooks."""
    resolver = _RESOLVERS.get(event)
    return resolver(event, payload) if resolver is not None else []
