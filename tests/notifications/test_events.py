"""Every event the code publishes is subscribable and documented."""

from __future__ import annotations

import re
from pathlib import Path

from notifications.events import known_events

ROOT = Path(__file__).resolve().parents[2]
APPS = ("agents", "customers", "notifications", "tickets")
PUBLISHED = re.compile(r"publish(?:_many)?\(\s*\"([a-z_]+\.[a-z_]+)\"")


def _published_events() -> set[str]:
    found: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found.update(PUBLISHED.findall(path.read_text()))
    return found


def test_every_published_event_is_subscribable():
    published = _published_events()

    assert {
        "customer.deleted",
        "customer.erased",
        "customer.portal_access_granted",
        "customer.merged",
        "ticket.deleted",
    } <= published
    assert published - set(known_events()) == set()


def test_every_subscribable_event_is_documented_in_the_readme():
    readme = (ROOT / "notifications" / "README.md").read_text()

    assert [event for event in known_events() if f"| `{event}` |" not in readme] == []


def test_publishing_an_unregistered_event_is_refused(db):
    import pytest

    import notifications

    with pytest.raises(ValueError, match=r"Unknown event 'ticket\.exploded'"):
        notifications.publish("ticket.exploded", {})
    with pytest.raises(ValueError, match=r"Unknown event 'ticket\.exploded'"):
        notifications.publish_many("ticket.exploded", [{}])


def test_every_app_registers_its_events():
    assert known_events()[:2] == ("customer.created", "customer.updated")
    assert {"ticket.created", "ticket.sla_breached", "customer.erased"} <= set(known_events())
