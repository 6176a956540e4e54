"""In-process consumers of outbox events (notifications/consumers.py): once per event, retried by
the sweep when they fail, logged, never swallowed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from freezegun import freeze_time

import notifications
from notifications import consumers, dispatch, events
from notifications.models import ConsumerRun, ConsumerRunStatus, OutboxEvent, OutboxStatus

pytestmark = pytest.mark.django_db

EVENT = "test.happened"


@pytest.fixture(autouse=True)
def _test_events(monkeypatch) -> None:
    """The events these tests publish, registered for the test only."""
    for name in (EVENT, "test.side_effect", "test.other"):
        monkeypatch.setitem(events._EVENTS, name, None)


class Recorder:
    def __init__(self, failures: int = 0) -> None:
        self.calls: list[dict] = []
        self.failures = failures

    def __call__(self, payload: dict) -> None:
        self.calls.append(payload)
        # A write the failure must roll back: an outbox row published inside the consumer.
        notifications.publish("test.side_effect", {"n": len(self.calls)})
        if self.failures:
            self.failures -= 1
            raise RuntimeError("consumer broke")


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    handler = Recorder()
    consumers.register(EVENT, handler, name="tests.recorder")
    yield handler
    consumers.unregister(EVENT, "tests.recorder")


def publish_and_dispatch(django_capture_on_commit_callbacks) -> OutboxEvent:
    with django_capture_on_commit_callbacks(execute=True):
        event = notifications.publish(EVENT, {"id": 1})
    event.refresh_from_db()
    return event


def test_a_consumer_runs_once_per_event_and_is_recorded(recorder, django_capture_on_commit_callbacks):
    event = publish_and_dispatch(django_capture_on_commit_callbacks)

    assert recorder.calls == [{"id": 1}]
    assert event.status == OutboxStatus.DISPATCHED
    run = ConsumerRun.objects.get(event_id=event.pk)
    assert (run.consumer, run.status, run.attempts, run.done_at is not None) == (
        "tests.recorder",
        ConsumerRunStatus.DONE,
        1,
        True,
    )


def test_a_redelivered_event_does_not_run_the_consumer_again(recorder, django_capture_on_commit_callbacks):
    event = publish_and_dispatch(django_capture_on_commit_callbacks)
    OutboxEvent.objects.filter(pk=event.pk).update(status=OutboxStatus.PENDING)  # as if the ack was lost

    dispatch.outbox_event_dispatch(event_id=str(event.pk))
    dispatch.outbox_event_dispatch(event_id=str(event.pk))

    assert len(recorder.calls) == 1
    assert ConsumerRun.objects.filter(event_id=event.pk).count() == 1


def test_a_failing_consumer_is_rolled_back_logged_and_retried_by_the_sweep(
    recorder, django_capture_on_commit_callbacks, caplog
):
    recorder.failures = 1
    with freeze_time("2026-03-02 10:00:00"), caplog.at_level(logging.ERROR, logger="notifications.consumers"):
        event = publish_and_dispatch(django_capture_on_commit_callbacks)

    assert event.status == OutboxStatus.PENDING
    assert "consumer run(s) unfinished" in event.last_error
    run = ConsumerRun.objects.get(event_id=event.pk)
    assert (run.status, run.attempts, run.error) == (ConsumerRunStatus.PENDING, 1, "RuntimeError: consumer broke")
    assert "failed; the outbox sweep will retry it" in caplog.text
    assert "RuntimeError" in caplog.text  # with its traceback
    assert not OutboxEvent.objects.filter(event="test.side_effect").exists()  # the handler's write rolled back

    with freeze_time("2026-03-02 10:05:00"), django_capture_on_commit_callbacks(execute=True):
        assert dispatch.outbox_sweep() == 1

    run.refresh_from_db()
    event.refresh_from_db()
    assert (run.status, run.attempts, run.error) == (ConsumerRunStatus.DONE, 2, "")
    assert event.status == OutboxStatus.DISPATCHED
    assert len(recorder.calls) == 2
    assert OutboxEvent.objects.filter(event="test.side_effect").count() == 1


def test_a_consumer_failing_every_time_is_given_up_after_the_max_attempts(
    settings, recorder, django_capture_on_commit_callbacks, caplog
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    recorder.failures = 5
    event = publish_and_dispatch(django_capture_on_commit_callbacks)
    with caplog.at_level(logging.ERROR, logger="notifications.consumers"):
        dispatch.outbox_event_dispatch(event_id=str(event.pk))

    run = ConsumerRun.objects.get(event_id=event.pk)
    event.refresh_from_db()
    assert (run.status, run.attempts) == (ConsumerRunStatus.FAILED, 2)
    assert event.status == OutboxStatus.DISPATCHED  # the other channels are not held up for ever
    assert "giving up" in caplog.text
    dispatch.outbox_sweep(older_than_seconds=0)
    assert len(recorder.calls) == 2


def test_events_without_consumers_create_no_runs(recorder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.publish("test.other", {})
    assert not ConsumerRun.objects.exists()
    assert recorder.calls == []


def test_a_run_whose_consumer_is_gone_stays_pending_and_is_logged(django_capture_on_commit_callbacks, caplog):
    event = notifications.publish(EVENT, {})
    ConsumerRun.objects.create(event_id=event.pk, event=EVENT, consumer="tests.gone")
    with caplog.at_level(logging.ERROR, logger="notifications.consumers"):
        dispatch.outbox_event_dispatch(event_id=str(event.pk))
    event.refresh_from_db()
    assert event.status == OutboxStatus.PENDING
    assert "not registered" in caplog.text
    assert ConsumerRun.objects.get(event_id=event.pk).attempts == 1


def test_register_is_idempotent_and_refuses_a_second_handler_under_one_name(recorder):
    assert consumers.register(EVENT, recorder, name="tests.recorder").handler is recorder
    with pytest.raises(ValueError, match="already registered"):
        consumers.register(EVENT, Recorder(), name="tests.recorder")
    with pytest.raises(ValueError, match="needs a name"):
        consumers.register(EVENT, recorder, name="")
    assert consumers.registry()[EVENT] == ["tests.recorder"]


def test_the_tickets_app_registers_its_tier_consumer():
    assert "tickets.sla_on_customer_updated" in consumers.registry()["customer.updated"]


def test_the_sweep_does_not_rerun_a_finished_run(recorder):
    event = notifications.publish(EVENT, {})
    ConsumerRun.objects.create(
        event_id=event.pk, event=EVENT, consumer="tests.recorder", status=ConsumerRunStatus.DONE, attempts=1
    )
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(hours=1))
    dispatch.outbox_sweep()
    assert recorder.calls == []


def test_consumer_runs_admin_lists_searches_and_is_read_only(client, admin_agent, django_assert_max_num_queries):
    runs = [
        ConsumerRun.objects.create(
            event_id=f"00000000-0000-0000-0000-{n:012d}", event=EVENT, consumer="tests.recorder", error="boom"
        )
        for n in range(1, 6)
    ]
    client.force_login(admin_agent.user)
    base = "/admin/notifications/consumerrun/"
    with django_assert_max_num_queries(15):
        response = client.get(base)
    assert response.status_code == 200
    assert b"tests.recorder" in response.content
    assert client.get(base, {"q": "tests.recorder", "status": "pending"}).status_code == 200
    assert client.get(f"{base}{runs[0].pk}/change/").status_code == 200
    assert client.get(f"{base}add/").status_code == 403


@pytest.mark.postgres(reason="row locks")
@pytest.mark.django_db(transaction=True)
def test_a_run_locked_by_another_worker_is_skipped_then_run_once(recorder):
    event = OutboxEvent.objects.create(event=EVENT, payload={"id": 2})
    run = ConsumerRun.objects.create(event_id=event.pk, event=EVENT, consumer="tests.recorder")
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                ConsumerRun.objects.select_for_update().get(pk=run.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(10)
    try:
        dispatch.outbox_event_dispatch(event_id=str(event.pk))
        event.refresh_from_db()
        assert event.status == OutboxStatus.PENDING  # the run is in flight elsewhere: not done yet
        assert recorder.calls == []
    finally:
        release.set()
        thread.join(10)

    dispatch.outbox_event_dispatch(event_id=str(event.pk))
    event.refresh_from_db()
    assert event.status == OutboxStatus.DISPATCHED
    assert recorder.calls == [{"id": 2}]
