"""Publishing an event (notifications/events.py): the JSON payload stored in the outbox, the
dispatch enqueued only after the transaction commits, unknown events refused, and a broker outage
leaving the event for the sweep."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import pytest
from freezegun import freeze_time

from notifications.models import OutboxEvent

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-12-01T10:00:00+00:00")


@pytest.fixture
def dispatches(monkeypatch) -> list[tuple]:
    from notifications import outbox

    calls: list[tuple] = []
    monkeypatch.setattr(outbox, "enqueue", lambda *args, **kwargs: calls.append(args))
    return calls


@freeze_time(NOW)
def test_publish_stores_the_json_payload_and_enqueues_after_commit(dispatches, django_capture_on_commit_callbacks):
    from decimal import Decimal

    from notifications.outbox import publish

    with django_capture_on_commit_callbacks(execute=True):
        row = publish("ticket.updated", {"at": NOW, "amount": Decimal("1.50"), "id": uuid.UUID(int=1)})
        assert dispatches == []  # not before the commit

    stored = OutboxEvent.objects.get()
    assert (stored.pk, stored.event, stored.status) == (row.pk, "ticket.updated", "pending")
    assert stored.payload == {
        "at": "2026-12-01T10:00:00Z",
        "amount": "1.50",
        "id": "00000000-0000-0000-0000-000000000001",
    }
    assert dispatches == [("notifications.outbox_dispatch", str(row.pk))]


def test_publish_refuses_an_unknown_event(dispatches):
    from notifications.outbox import publish, publish_many

    with pytest.raises(ValueError, match=r"^Unknown event 'nothing\.happened'"):
        publish("nothing.happened", {})
    with pytest.raises(ValueError, match=r"^Unknown event 'nothing\.happened'"):
        publish_many("nothing.happened", [])
    assert OutboxEvent.objects.count() == 0


@freeze_time(NOW)
def test_publish_many_enqueues_each_row_after_commit(dispatches, django_capture_on_commit_callbacks):
    from notifications.outbox import publish_many

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rows = publish_many("ticket.updated", [{"n": 1}, {"at": NOW}])

    stored = {str(row.pk): row.payload for row in OutboxEvent.objects.all()}
    assert stored == {str(rows[0].pk): {"n": 1}, str(rows[1].pk): {"at": "2026-12-01T10:00:00Z"}}
    assert dispatches == [
        ("notifications.outbox_dispatch", str(rows[0].pk)),
        ("notifications.outbox_dispatch", str(rows[1].pk)),
    ]
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as none:
        assert publish_many("ticket.updated", []) == []
    assert none == []


def test_a_broker_outage_leaves_the_event_for_the_sweep(monkeypatch, caplog, django_capture_on_commit_callbacks):
    from notifications import outbox

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(outbox, "enqueue", down)

    with (
        caplog.at_level(logging.ERROR, logger="notifications.outbox"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        row = outbox.publish("ticket.updated", {})

    assert caplog.record_tuples == [
        (
            "notifications.outbox",
            logging.ERROR,
            f"could not enqueue dispatch of outbox event {row.pk}; the sweep will retry",
        )
    ]
    assert OutboxEvent.objects.get().status == "pending"
