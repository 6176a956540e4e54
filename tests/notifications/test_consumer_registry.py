"""The consumer registry (notifications/consumers.py): consumers run in the order they were
registered, a nameless or clashing one is refused, and a consumer's error is stored cut to the column."""

from __future__ import annotations

import uuid

import pytest

from notifications import consumers, events
from notifications.models import ConsumerRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch) -> dict:
    fresh: dict = {}
    monkeypatch.setattr(consumers, "_REGISTRY", fresh)
    return fresh


def first(payload):
    pass


def second(payload):
    pass


def test_register_keeps_order_and_refuses_nameless_and_clashing_consumers(registry):
    one = consumers.register("a.done", first, name="one")
    assert consumers.register("a.done", first, name="one") is one
    consumers.register("a.done", second, name="two")
    consumers.register("b.done", second, name="three")

    assert [c.name for c in consumers.consumers_for("a.done")] == ["one", "two"]
    assert (one.event, one.name, one.handler) == ("a.done", "one", first)
    assert consumers.consumers_for("c.done") == []
    with pytest.raises(ValueError, match=r"^A consumer needs a name\.$"):
        consumers.register("a.done", first, name="")
    with pytest.raises(ValueError, match=r"^A different consumer named 'one' is already registered for 'a.done'\.$"):
        consumers.register("a.done", second, name="one")


def test_unregister_and_the_registry_listing(registry):
    consumers.register("a.done", first, name="one")
    consumers.register("b.done", second, name="two")

    consumers.unregister("a.done", "one")
    consumers.unregister("a.done", "never-registered")
    consumers.unregister("z.done", "nothing-at-all")

    assert consumers.registry() == {"b.done": ["two"]}


def test_a_consumer_error_is_cut_to_the_column(registry, monkeypatch):
    monkeypatch.setitem(events._EVENTS, "test.happened", None)

    def broken(payload):
        raise ValueError("y" * 3000)

    consumers.register("test.happened", broken, name="broken")
    consumers.consumer_runs_plan(event_id=uuid.uuid4(), event="test.happened")
    run = ConsumerRun.objects.get()

    assert consumers.consumer_runs_execute(event_id=run.event_id, payload={}) == 1

    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == ("pending", 1, ("ValueError: " + "y" * 3000)[:2000])
