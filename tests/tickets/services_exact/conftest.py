"""The services_exact tests' shared fixture: what each outermost service call noted for the triggers."""

from __future__ import annotations

import pytest

from tickets import changes


@pytest.fixture
def notes(monkeypatch) -> list[dict]:
    """What each outermost service call noted for the triggers, as plain data."""
    seen: list[dict] = []

    def runner(scope):
        for pk, record in scope.tickets.items():
            seen.append(
                {"ticket": pk, "events": list(record.events), "changes": dict(record.changes), "actor": record.actor}
            )

    monkeypatch.setattr(changes, "_runner", runner)
    return seen
