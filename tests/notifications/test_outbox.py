"""The outbox: rolled-back changes send nothing, crashes lose nothing, redelivery sends nothing twice."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from freezegun import freeze_time
from model_bakery import baker

import notifications
from notifications import dispatch, email_delivery, webhook_delivery
from notifications.models import EmailLog, EmailStatus, OutboxEvent, OutboxStatus, WebhookDelivery
from tests.notifications.backends import WorkerDied
from tickets import services as ticket_services
from tickets.events import ticket_payload


class BoomError(Exception):
    pass


@pytest.mark.django_db
def test_a_rolled_back_transaction_sends_nothing(
    agent, customer_a, subscribe, httpserver, mailoutbox, django_capture_on_commit_callbacks
):
    subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook").respond_with_data("ok")

    def change_then_fail() -> None:
        with transaction.atomic():
            ticket_services.ticket_create(actor=agent.user, title="Never happened", customer=customer_a)
            raise BoomError

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(BoomError):
        change_then_fail()

    assert callbacks == []
    assert OutboxEvent.objects.count() == 0
    assert mailoutbox == []
    assert httpserver.log == []


@pytest.mark.django_db
def test_a_worker_dying_mid_dispatch_leaves_the_event_pending_and_the_sweep_delivers_it_once(
    settings, agent, customer_a, subscribe, httpserver, mailoutbox, django_capture_on_commit_callbacks
):
    subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook").respond_with_data("ok")
    settings.EMAIL_BACKEND = "tests.notifications.backends.DyingBackend"

    with freeze_time("2026-03-02 10:00:00"):
        with pytest.raises(WorkerDied), django_capture_on_commit_callbacks(execute=True):
            ticket = ticket_services.ticket_create(actor=agent.user, title="Crash", customer=customer_a)

        event = OutboxEvent.objects.get(event="ticket.created")
        assert event.status == OutboxStatus.PENDING
        assert mailoutbox == []
        assert httpserver.log == []
        assert dispatch.outbox_sweep() == 0  # within the grace period: the dispatch may still be running

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with freeze_time("2026-03-02 10:15:00"):
        assert dispatch.outbox_sweep() == 1
        assert dispatch.outbox_sweep() == 0
        assert webhook_delivery.delivery_retry() == {"webhooks": 0, "emails": 0}

    event.refresh_from_db()
    assert event.status == OutboxStatus.DISPATCHED
    assert event.attempts == 2
    assert [m.to for m in mailoutbox] == [[customer_a.email]]
    assert len(httpserver.log) == 1
    assert EmailLog.objects.get(ticket_id=ticket.pk).status == EmailStatus.SENT
    assert WebhookDelivery.objects.get().status == "delivered"


@pytest.mark.django_db
def test_redelivering_a_dispatched_event_sends_nothing_twice(
    agent, customer_a, subscribe, httpserver, mailoutbox, django_capture_on_commit_callbacks
):
    subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook").respond_with_data("ok")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_create(actor=agent.user, title="Once", customer=customer_a)
    event = OutboxEvent.objects.get(event="ticket.created")

    dispatch.outbox_event_dispatch(event_id=str(event.pk))  # the broker delivers the task again
    OutboxEvent.objects.filter(pk=event.pk).update(status=OutboxStatus.PENDING)  # even if the row says pending
    dispatch.outbox_event_dispatch(event_id=str(event.pk))
    webhook_delivery.delivery_retry()

    assert len(mailoutbox) == 1
    assert len(httpserver.log) == 1
    assert EmailLog.objects.count() == 1
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_dispatch_of_an_unknown_event_id_is_a_no_op():
    assert dispatch.outbox_event_dispatch(event_id="00000000-0000-0000-0000-000000000000") is None


@pytest.mark.django_db
def test_a_failing_plan_is_recorded_and_given_up_after_max_attempts(settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        notifications.publish("ticket.created", {"ticket": {"id": "not-a-number"}})
    event = OutboxEvent.objects.get()
    assert event.status == OutboxStatus.PENDING
    assert event.attempts == 1
    assert "ValueError" in event.last_error

    with freeze_time(timezone.now() + timedelta(minutes=5)):
        dispatch.outbox_sweep()

    event.refresh_from_db()
    assert event.status == OutboxStatus.FAILED
    assert event.attempts == 2


@pytest.mark.django_db
def test_the_sweep_leaves_fresh_and_dispatched_events_alone():
    fresh = baker.make_recipe("tests.notifications.outbox_event")
    done = baker.make_recipe(
        "tests.notifications.outbox_event",
        status=OutboxStatus.DISPATCHED,
        created_at=timezone.now() - timedelta(hours=1),
    )
    old = baker.make_recipe("tests.notifications.outbox_event", created_at=timezone.now() - timedelta(minutes=5))

    assert dispatch.outbox_sweep() == 1

    fresh.refresh_from_db()
    done.refresh_from_db()
    old.refresh_from_db()
    assert (fresh.status, done.attempts, old.status) == ("pending", 0, "dispatched")


@pytest.mark.django_db
def test_celery_tasks_call_the_services(subscribe, httpserver):
    from notifications import tasks

    subscription = subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook").respond_with_data("ok")
    delivery = baker.make_recipe(
        "tests.notifications.webhook_delivery",
        subscription=subscription,
        event_id="00000000-0000-0000-0000-0000000000dd",
        next_attempt_at=timezone.now(),
    )
    old = baker.make_recipe("tests.notifications.outbox_event", created_at=timezone.now() - timedelta(minutes=5))

    tasks.webhook_deliver.delay(str(delivery.pk))
    assert tasks.outbox_sweep.delay().get() == 1
    assert tasks.delivery_retry.delay().get() == {"webhooks": 0, "emails": 0}

    delivery.refresh_from_db()
    old.refresh_from_db()
    assert delivery.status == "delivered"
    assert old.status == "dispatched"


@pytest.mark.postgres(reason="row locks; SQLite serialises writers")
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatches_of_one_event_send_one_mail(agent, customer_a, mailoutbox):
    with transaction.atomic():
        ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)
        event = OutboxEvent.objects.create(
            event="ticket.created",
            payload=json.loads(json.dumps({"ticket": ticket_payload(ticket)}, cls=DjangoJSONEncoder)),
        )
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def dispatch_once() -> None:
        try:
            barrier.wait()
            dispatch.outbox_event_dispatch(event_id=str(event.pk))
            email_delivery.email_send_pending()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(mailoutbox) == 1
    assert EmailLog.objects.get().status == EmailStatus.SENT


@pytest.mark.django_db
def test_publish_many_stores_one_row_per_payload_and_dispatches_each_after_commit(
    team, team_lead, customer_a, mailoutbox, django_capture_on_commit_callbacks
):
    tickets = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, team=team, _quantity=3
    )
    payloads = [
        {"ticket": ticket_payload(t), "team_lead_id": team_lead.user.pk, "target": "first_response"} for t in tickets
    ]

    with django_capture_on_commit_callbacks(execute=True):
        rows = notifications.publish_many("ticket.sla_warning", payloads)

    assert len(rows) == 3
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {"dispatched"}
    assert len(mailoutbox) == 3
    assert all("first response due at" in m.body for m in mailoutbox)
    assert notifications.publish_many("ticket.sla_warning", []) == []


@pytest.mark.django_db
def test_purge_deletes_only_finished_records_past_retention(settings):
    from notifications import tasks

    settings.NOTIFICATIONS_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    baker.make_recipe("tests.notifications.outbox_event", status=OutboxStatus.DISPATCHED, created_at=old)
    kept_event = baker.make_recipe("tests.notifications.outbox_event", created_at=old)  # still pending
    baker.make_recipe(
        "tests.notifications.email_log",
        event_id="00000000-0000-0000-0000-000000000101",
        status=EmailStatus.SENT,
        created_at=old,
    )
    kept_mail = baker.make_recipe(
        "tests.notifications.email_log", event_id="00000000-0000-0000-0000-000000000102", status=EmailStatus.SENT
    )
    baker.make_recipe(
        "tests.notifications.webhook_delivery",
        event_id="00000000-0000-0000-0000-000000000103",
        status="failed",
        created_at=old,
    )
    kept_delivery = baker.make_recipe(
        "tests.notifications.webhook_delivery", event_id="00000000-0000-0000-0000-000000000104", created_at=old
    )

    assert tasks.notifications_purge.delay().get() == {"outbox": 1, "emails": 1, "webhooks": 1}

    assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [kept_event.pk]
    assert list(EmailLog.objects.values_list("pk", flat=True)) == [kept_mail.pk]
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [kept_delivery.pk]
