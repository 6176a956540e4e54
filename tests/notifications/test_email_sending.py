"""Provider failover, retries with backoff, permanent failures, batches over one connection."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone
from freezegun import freeze_time
from model_bakery import baker

from notifications import email_delivery, emails, webhook_delivery
from notifications.backends import FailoverEmailBackend, provider_name
from notifications.models import EmailLog, EmailStatus
from tests.notifications import backends
from tickets import services as ticket_services

FAILOVER = "notifications.backends.FailoverEmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.django_db
def test_failover_primary_raises_secondary_delivers(
    settings, agent, customer_a, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILOVER
    settings.EMAIL_FAILOVER_BACKENDS = ["tests.notifications.backends.BrokenBackend", LOCMEM]

    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_services.ticket_create(actor=agent.user, title="Failover", customer=customer_a)

    [message] = mailoutbox
    assert message.to == [customer_a.email]
    log = EmailLog.objects.get(ticket_id=ticket.pk)
    assert log.status == EmailStatus.SENT
    assert log.provider == "locmem"
    assert log.attempts == 1


def test_failover_backend_raises_when_every_provider_fails():
    backend = FailoverEmailBackend(backends=["tests.notifications.backends.BrokenBackend"] * 2)
    message = EmailMessage("s", "b", "from@example.com", ["to@example.com"])

    with pytest.raises(Exception, match="unexpectedly closed"):
        backend.send_messages([message])
    assert message.sent_via is None
    assert "unexpectedly closed" in str(message.send_error)


def test_failover_backend_fail_silently_returns_zero():
    backend = FailoverEmailBackend(backends=["tests.notifications.backends.BrokenBackend"], fail_silently=True)

    assert backend.send_messages([EmailMessage("s", "b", "f@example.com", ["t@example.com"])]) == 0


def test_failover_backend_accepts_backend_options_and_needs_a_list(settings):
    settings.EMAIL_FAILOVER_BACKENDS = []
    with pytest.raises(ValueError, match="EMAIL_FAILOVER_BACKENDS"):
        FailoverEmailBackend()

    backend = FailoverEmailBackend(backends=[{"backend": LOCMEM}])
    assert backend.open() is True
    assert backend.send_messages([EmailMessage("s", "b", "f@example.com", ["t@example.com"])]) == 1
    backend.close()
    assert len(mail.outbox) == 1
    assert provider_name(backend) == "failover"


@pytest.mark.django_db
def test_permanent_failure_is_recorded_without_failover_or_retry(
    settings, agent, customer_a, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILOVER
    settings.EMAIL_FAILOVER_BACKENDS = ["tests.notifications.backends.RefusingBackend", LOCMEM]

    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_create(actor=agent.user, title="Bounce", customer=customer_a)

    assert mailoutbox == []
    log = EmailLog.objects.get(recipient=customer_a.email)
    assert log.status == EmailStatus.FAILED
    assert "AnymailRecipientsRefused" in log.error
    assert log.next_attempt_at is None
    assert log.attempts == 1


@pytest.mark.django_db
def test_transient_failure_retries_then_succeeds(
    settings, agent, customer_a, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.backends.FlakyBackend"
    settings.EMAIL_SEND_TRIES = 3
    backends.FlakyBackend.failures = 2

    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_create(actor=agent.user, title="Flaky", customer=customer_a)

    assert backends.FlakyBackend.calls == 3
    assert len(mailoutbox) == 1
    log = EmailLog.objects.get(recipient=customer_a.email)
    assert log.status == EmailStatus.SENT
    assert log.error == ""


@pytest.mark.django_db
def test_retries_sleep_with_bounded_exponential_backoff(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.FlakyBackend"
    settings.EMAIL_SEND_TRIES = 4
    settings.EMAIL_RETRY_BASE_DELAY = 0.5
    settings.EMAIL_RETRY_MAX_DELAY = 1.0
    backends.FlakyBackend.failures = 3
    delays: list[float] = []

    [result] = emails.send_batch([EmailMessage("s", "b", "f@example.com", ["t@example.com"])], sleep=delays.append)

    assert result.ok is True
    assert len(delays) == 3
    assert 0 <= delays[0] <= 0.5
    assert 0 <= delays[1] <= 1.0
    assert 0 <= delays[2] <= 1.0  # capped


@pytest.mark.django_db
def test_exhausted_round_becomes_a_row_due_later_and_the_retry_job_sends_it(
    settings, agent, customer_a, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.backends.FlakyBackend"
    settings.EMAIL_SEND_TRIES = 2
    settings.EMAIL_RETRY_SCHEDULE = [60, 300]
    backends.FlakyBackend.failures = 2

    with freeze_time("2026-03-02 10:00:00"):
        with django_capture_on_commit_callbacks(execute=True):
            ticket_services.ticket_create(actor=agent.user, title="Later", customer=customer_a)
        log = EmailLog.objects.get(recipient=customer_a.email)
        assert log.status == EmailStatus.PENDING
        assert log.next_attempt_at == timezone.now() + timedelta(seconds=60)
        assert "SMTPServerDisconnected" in log.error
        assert webhook_delivery.delivery_retry() == {"webhooks": 0, "emails": 0}  # not due yet

    with freeze_time("2026-03-02 10:01:01"):
        assert webhook_delivery.delivery_retry() == {"webhooks": 0, "emails": 1}

    log.refresh_from_db()
    assert log.status == EmailStatus.SENT
    assert log.attempts == 2
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_mail_failing_every_round_is_recorded_failed(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.BrokenBackend"
    settings.EMAIL_SEND_TRIES = 1
    settings.EMAIL_RETRY_SCHEDULE = [60]
    log = baker.make_recipe("tests.notifications.email_log", event_id="00000000-0000-0000-0000-000000000001")

    with freeze_time("2026-03-02 10:00:00"):
        email_delivery.email_send_pending()
    log.refresh_from_db()
    assert log.status == EmailStatus.PENDING
    with freeze_time("2026-03-02 10:02:00"):
        email_delivery.email_send_pending()

    log.refresh_from_db()
    assert log.status == EmailStatus.FAILED
    assert log.attempts == 2
    assert log.provider == "base" or log.provider  # the provider that was tried is recorded
    assert "SMTPServerDisconnected" in log.error


@pytest.mark.django_db
def test_a_batch_of_five_goes_over_one_connection(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.notifications.backends.CountingBackend"
    logs = baker.make_recipe(
        "tests.notifications.email_log", event_id="00000000-0000-0000-0000-000000000002", _quantity=5
    )

    assert email_delivery.email_send_pending() == 5

    assert backends.CountingBackend.opened == 1
    assert sorted(m.to[0] for m in mailoutbox) == sorted(log.recipient for log in logs)
    assert set(EmailLog.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


@pytest.mark.django_db
def test_batches_are_capped_by_the_batch_size(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.notifications.backends.CountingBackend"
    settings.EMAIL_BATCH_SIZE = 2
    baker.make_recipe("tests.notifications.email_log", event_id="00000000-0000-0000-0000-000000000003", _quantity=5)

    assert webhook_delivery.delivery_retry()["emails"] == 5

    assert backends.CountingBackend.opened == 3  # 2 + 2 + 1, one connection per batch
    assert len(mailoutbox) == 5


@pytest.mark.django_db
def test_failover_backend_keeps_one_connection_per_provider_for_a_batch(settings, mailoutbox):
    settings.EMAIL_BACKEND = FAILOVER
    settings.EMAIL_FAILOVER_BACKENDS = ["tests.notifications.backends.CountingBackend", LOCMEM]
    baker.make_recipe("tests.notifications.email_log", event_id="00000000-0000-0000-0000-000000000004", _quantity=5)

    email_delivery.email_send_pending()

    assert backends.CountingBackend.opened == 1
    assert len(mailoutbox) == 5
    assert set(EmailLog.objects.values_list("provider", flat=True)) == {"backends"}


@pytest.mark.django_db
def test_a_claim_in_flight_is_not_sent_again_until_its_lease_expires(settings, mailoutbox):
    settings.EMAIL_BACKEND = LOCMEM
    with freeze_time("2026-03-02 10:00:00"):
        log = baker.make_recipe(
            "tests.notifications.email_log",
            event_id="00000000-0000-0000-0000-000000000005",
            status=EmailStatus.SENDING,
            claimed_at=timezone.now(),
        )
        assert email_delivery.email_send_pending() == 0
    with freeze_time("2026-03-02 10:11:00"):
        assert email_delivery.email_send_pending() == 1

    log.refresh_from_db()
    assert log.status == EmailStatus.SENT
    assert len(mailoutbox) == 1


@pytest.fixture
def postmark_at(settings, httpserver):
    """django-anymail's real Postmark backend, talking to a loopback stand-in for the Postmark API."""
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "pm-test", "POSTMARK_API_URL": httpserver.url_for("/")}
    settings.EMAIL_BACKEND = FAILOVER
    settings.EMAIL_FAILOVER_BACKENDS = ["anymail.backends.postmark.EmailBackend", LOCMEM]
    settings.EMAIL_SEND_TRIES = 1
    return httpserver


@pytest.mark.django_db
def test_an_esp_through_anymail_records_its_message_id(postmark_at, mailoutbox):
    postmark_at.expect_request("/email", method="POST").respond_with_json(
        {
            "To": "pat@example.com",
            "SubmittedAt": "2026-03-02T10:00:00Z",
            "MessageID": "pm-message-1",
            "ErrorCode": 0,
            "Message": "OK",
        }
    )
    log = baker.make_recipe(
        "tests.notifications.email_log", event_id="00000000-0000-0000-0000-000000000006", recipient="pat@example.com"
    )

    email_delivery.email_send_pending()

    log.refresh_from_db()
    assert log.status == EmailStatus.SENT
    assert log.provider == "postmark"
    assert log.provider_message_id == "pm-message-1"
    [(request, _)] = postmark_at.log
    assert request.headers["X-Postmark-Server-Token"] == "pm-test"
    assert request.get_json()["To"] == log.recipient
    assert {"Name": "Message-ID", "Value": log.message_id} in request.get_json()["Headers"]
    assert mailoutbox == []  # the secondary was not needed


@pytest.mark.django_db
def test_an_esp_outage_fails_over_to_the_next_provider(postmark_at, mailoutbox):
    postmark_at.expect_request("/email").respond_with_data("down", status=503)
    log = baker.make_recipe("tests.notifications.email_log", event_id="00000000-0000-0000-0000-000000000007")

    email_delivery.email_send_pending()

    log.refresh_from_db()
    assert (log.status, log.provider) == (EmailStatus.SENT, "locmem")
    assert len(postmark_at.log) == 1
    assert [m.to for m in mailoutbox] == [[log.recipient]]


def test_email_providers_come_from_the_environment(monkeypatch):
    import importlib

    from config.settings import notifications as email_settings

    monkeypatch.setenv("EMAIL_PROVIDERS", "postmark,smtp")
    monkeypatch.setenv("POSTMARK_SERVER_TOKEN", "pm-token")
    try:
        importlib.reload(email_settings)
        assert email_settings.EMAIL_BACKEND == FAILOVER
        assert email_settings.EMAIL_FAILOVER_BACKENDS == [
            "anymail.backends.postmark.EmailBackend",
            "django.core.mail.backends.smtp.EmailBackend",
        ]
        assert email_settings.ANYMAIL == {"POSTMARK_SERVER_TOKEN": "pm-token"}
    finally:
        monkeypatch.delenv("EMAIL_PROVIDERS")
        monkeypatch.delenv("POSTMARK_SERVER_TOKEN")
        importlib.reload(email_settings)
    assert email_settings.EMAIL_FAILOVER_BACKENDS == []
