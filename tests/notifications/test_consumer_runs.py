"""Running an event's consumer runs (notifications/consumers.py), with exact rows and log lines: only
that event's pending runs, the count still pending, a run whose consumer (or whose event's every
consumer) is not registered here, a failing consumer's log line and its last attempt."""

from __future__ import annotations

import logging
import uuid

import pytest

from notifications import consumers
from notifications.models import ConsumerRun, ConsumerRunStatus

pytestmark = pytest.mark.django_db

EVENT_A = uuid.UUID("00000000-0000-0000-0000-00000000000a")
EVENT_B = uuid.UUID("00000000-0000-0000-0000-00000000000b")


@pytest.fixture
def registry(monkeypatch) -> dict:
    fresh: dict = {}
    monkeypatch.setattr(consumers, "_REGISTRY", fresh)
    return fresh


def _run(event_id: uuid.UUID, consumer: str, event: str = "a.done", **fields) -> ConsumerRun:
    return ConsumerRun.objects.create(event_id=event_id, event=event, consumer=consumer, **fields)


def _row(run: ConsumerRun) -> tuple:
    run.refresh_from_db()
    return (run.status, run.attempts, run.error)


def test_only_the_events_own_pending_runs_are_run(registry):
    calls: list[dict] = []
    consumers.register("a.done", calls.append, name="recorder")
    mine = _run(EVENT_A, "recorder")
    other_event = _run(EVENT_B, "recorder")

    assert consumers.consumer_runs_execute(event_id=EVENT_A, payload={"n": 1}) == 0

    assert calls == [{"n": 1}]
    assert _row(mine) == (ConsumerRunStatus.DONE, 1, "")
    assert _row(other_event) == (ConsumerRunStatus.PENDING, 0, "")


def test_the_count_still_pending_is_one_per_failing_consumer(registry):
    def broken(payload):
        raise RuntimeError("down")

    for name in ("one", "two", "three"):
        consumers.register("a.done", broken, name=name)
        _run(EVENT_A, name)

    assert consumers.consumer_runs_execute(event_id=EVENT_A, payload={}) == 3
    assert sorted(ConsumerRun.objects.values_list("consumer", "status", "attempts", "error")) == [
        ("one", "pending", 1, "RuntimeError: down"),
        ("three", "pending", 1, "RuntimeError: down"),
        ("two", "pending", 1, "RuntimeError: down"),
    ]


def test_a_run_finished_meanwhile_counts_as_finished(registry):
    consumers.register("a.done", lambda payload: None, name="recorder")
    done = _run(EVENT_A, "recorder", status=ConsumerRunStatus.DONE, attempts=1)

    assert consumers._run_one(run_id=done.pk, payload={}) is True
    assert _row(done) == (ConsumerRunStatus.DONE, 1, "")


@pytest.mark.parametrize(
    "registered",
    [
        pytest.param({"a.done": "someone-else"}, id="the-event-has-other-consumers"),
        pytest.param({}, id="the-event-has-no-consumer-at-all"),
    ],
)
def test_a_run_whose_consumer_is_not_registered_stays_pending_with_the_reason(registry, caplog, registered):
    for event, name in registered.items():
        consumers.register(event, lambda payload: None, name=name)
    run = _run(EVENT_A, "gone", attempts=2)

    with caplog.at_level(logging.ERROR, logger="notifications.consumers"):
        assert consumers.consumer_runs_execute(event_id=EVENT_A, payload={}) == 1

    assert _row(run) == (ConsumerRunStatus.PENDING, 3, "The consumer is not registered in this process.")
    assert [r.getMessage() for r in caplog.records] == [
        f"consumer 'gone' of a.done is not registered; run {run.pk} left pending"
    ]


def test_a_failing_consumer_is_logged_with_its_run(registry, caplog):
    def broken(payload):
        raise KeyError("ticket")

    consumers.register("a.done", broken, name="broken")
    run = _run(EVENT_A, "broken")

    with caplog.at_level(logging.ERROR, logger="notifications.consumers"):
        consumers.consumer_runs_execute(event_id=EVENT_A, payload={})

    assert [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records] == [
        ("ERROR", f"consumer run {run.pk} failed; the outbox sweep will retry it", True)
    ]
    assert _row(run) == (ConsumerRunStatus.PENDING, 1, "KeyError: 'ticket'")


def test_the_last_attempt_marks_the_run_failed_and_says_so(registry, caplog, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 4

    def broken(payload):
        raise RuntimeError("down")

    consumers.register("a.done", broken, name="broken")
    run = _run(EVENT_A, "broken", attempts=3)

    with caplog.at_level(logging.ERROR, logger="notifications.consumers"):
        assert consumers.consumer_runs_execute(event_id=EVENT_A, payload={}) == 0  # finished: for good

    assert _row(run) == (ConsumerRunStatus.FAILED, 4, "RuntimeError: down")
    assert [r.getMessage() for r in caplog.records][-1] == "consumer 'broken' of a.done failed 4 times; giving up"
