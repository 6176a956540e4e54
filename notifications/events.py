"""The catalogue of domain events. notifications knows no domain: each app declares the events it
publishes (`tickets/events.py`, `customers/events.py`) and registers them in its
AppConfig.ready(); `publish` refuses an event nobody registered, and webhook subscriptions offer
exactly the registered ones. Payloads are documented in notifications/README.md."""

from __future__ import annotations

from collections.abc import Iterable

_EVENTS: dict[str, None] = {}  # insertion-ordered set


def register(names: Iterable[str]) -> None:
    """Declare events an app publishes (idempotent). Names are `noun.past_tense`."""
    for name in names:
        if "." not in name:
            raise ValueError(f"An event name is 'noun.past_tense', not {name!r}.")
        _EVENTS.setdefault(name, None)


def known_events() -> tuple[str, ...]:
    """Every registered event, in registration order (all subscribable)."""
    return tuple(_EVENTS)


def is_known(name: str) -> bool:
    return name in _EVENTS


def ensure_known(name: str) -> None:
    if name not in _EVENTS:
        raise ValueError(f"Unknown event {name!r}: register it with notifications.events.register() first.")
