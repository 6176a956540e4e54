"""Who gets which email for an event: a registry. notifications knows no domain model; the app
that owns an event registers a resolver (in its AppConfig.ready) that turns the event's payload
into the mails it promises, the way outbox consumers are registered::

    from notifications import recipients

    recipients.register("ticket.created", ticket_email_recipients)

Events without a resolver only go to webhooks (and consumers).

An app may also register a *suppression* check, asked again right before each send: an address that
became undeliverable (a hard bounce) after its mail was queued is not mailed."""

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
# Given lower-case addresses, returns {address: reason} for those that must not be mailed now.
Suppression = Callable[[set[str]], dict[str, str]]

_RESOLVERS: dict[str, Resolver] = {}
_SUPPRESSIONS: list[Suppression] = []


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


def register_suppression(check: Suppression) -> None:
    """Add a send-time check (idempotent)."""
    if check not in _SUPPRESSIONS:
        _SUPPRESSIONS.append(check)


def suppressed(addresses: set[str]) -> dict[str, str]:
    """{address: reason} for the addresses no mail may go to now, by every registered check."""
    found: dict[str, str] = {}
    lowered = {address.lower() for address in addresses}
    for check in _SUPPRESSIONS:
        for address, reason in check(lowered).items():
            found.setdefault(address, reason)
    return found
