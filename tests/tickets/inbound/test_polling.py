"""The IMAP poller against a real Dovecot on loopback: real .eml files delivered into the
mailbox, then polled: new tickets, threading, attachments, seen/moved, exactly-once across a
crash between processing and flagging, and one broken mailbox not blocking another."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from freezegun import freeze_time

from tickets.inbound import polling
from tickets.inbound.services import inbound_email_process
from tickets.models import Attachment, Comment, Ticket
from tickets.models.inbound import InboundMessage, Mailbox
from tickets.tasks import inbound_poll_all_task

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.django_db


def _mailbox(dovecot, *, user="support@helpdesk.test", password="support-secret", **fields) -> Mailbox:
    mailbox = Mailbox(
        name=fields.pop("name", user),
        address=user,
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        security="none",
        username=user,
        **fields,
    )
    mailbox.set_secret("password", password)
    mailbox.save()
    return mailbox


def _seen(dovecot, folder: str = "INBOX") -> list[bool]:
    return [seen for _uid, seen in dovecot.messages(folder=folder)]


def test_new_message_becomes_a_ticket_with_attachments_and_is_flagged_seen(dovecot, customer_a):
    mailbox = _mailbox(dovecot)
    dovecot.deliver((FIXTURES / "inline_image_pdf.eml").read_bytes())

    result = polling.mailbox_poll(mailbox_id=mailbox.pk)

    assert (result.processed, result.failed, result.error) == (1, 0, "")
    ticket = Ticket.objects.get()
    assert (ticket.title, ticket.customer_id, ticket.channel) == ("Invoice 2026-118 is wrong", customer_a.pk, "email")
    assert sorted(Attachment.objects.values_list("filename", flat=True)) == ["invoice-2026-118.pdf", "screenshot.png"]
    [(uid, seen)] = dovecot.messages()
    assert seen is True
    record = InboundMessage.objects.get()
    assert (record.mailbox_id, record.uid, record.source, record.status) == (mailbox.pk, uid, "imap", "ticket")
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None
    assert mailbox.last_error == ""


def test_a_reply_threads_to_its_ticket_and_is_moved(dovecot, ticket):
    mailbox = _mailbox(dovecot, processed_action="move", processed_folder="Processed")
    client = dovecot.client()
    client.create("Processed")
    client.logout()
    dovecot.deliver((FIXTURES / "gmail_reply.eml").read_bytes().replace(b"TICKET", str(ticket.pk).encode()))

    polling.mailbox_poll(mailbox_id=mailbox.pk)

    assert Comment.objects.get().body == "Thanks, that fixed it."
    assert Ticket.objects.count() == 1
    assert dovecot.messages() == []
    assert _seen(dovecot, folder="Processed") == [True]


def test_a_crash_between_processing_and_flagging_duplicates_nothing(dovecot, customer_a, monkeypatch):
    mailbox = _mailbox(dovecot)
    dovecot.deliver((FIXTURES / "cc_new_ticket.eml").read_bytes())

    def crash(*args, **kwargs):
        raise ConnectionResetError("worker killed before flagging")

    with monkeypatch.context() as patch:
        patch.setattr(polling, "_mark_processed", crash)
        first = polling.mailbox_poll(mailbox_id=mailbox.pk)
    assert "worker killed" in first.error
    assert _seen(dovecot) == [False]  # processed, not flagged

    second = polling.mailbox_poll(mailbox_id=mailbox.pk, force=True)

    assert (second.processed, second.flagged_only, second.error) == (0, 1, "")
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert _seen(dovecot) == [True]


def test_a_message_that_fails_stays_unseen_and_is_recorded(dovecot):
    mailbox = _mailbox(dovecot)
    dovecot.deliver(b"From: x@-bad-.example\r\nSubject: Broken\r\nMessage-ID: <broken@x>\r\n\r\nHello\r\n")

    result = polling.mailbox_poll(mailbox_id=mailbox.pk)

    assert (result.processed, result.failed) == (0, 1)
    [(uid, seen)] = dovecot.messages()
    assert seen is False
    record = InboundMessage.objects.get()
    assert (record.status, record.mailbox_id, record.uid) == ("failed", mailbox.pk, uid)


def test_a_broken_mailbox_backs_off_without_blocking_another(dovecot, customer_a):
    broken = _mailbox(dovecot, name="broken", user="sales@helpdesk.test", password="wrong-password")
    working = _mailbox(dovecot)
    dovecot.deliver((FIXTURES / "cc_new_ticket.eml").read_bytes())

    with freeze_time("2026-12-01 10:00:00"):
        polled = inbound_poll_all_task.delay().get()
        broken.refresh_from_db()
        working.refresh_from_db()

    assert polled == 2
    assert Ticket.objects.count() == 1
    assert working.last_error == ""
    assert "AUTHENTICATIONFAILED" in broken.last_error or "authentication failed" in broken.last_error.lower()
    assert "wrong-password" not in broken.last_error
    assert broken.consecutive_failures == 1
    assert broken.next_poll_at == timezone.now().replace(
        year=2026, month=12, day=1, hour=10, minute=1, second=0, microsecond=0
    )
    with freeze_time("2026-12-01 10:00:30"):
        assert polling.mailboxes_due() == [working.pk]


def test_a_leased_mailbox_is_not_polled_twice(dovecot):
    mailbox = _mailbox(dovecot)
    Mailbox.objects.filter(pk=mailbox.pk).update(lease_until=timezone.now() + timedelta(minutes=5))

    result = polling.mailbox_poll(mailbox_id=mailbox.pk)

    assert result.polled is False
    assert polling.mailboxes_due() == []


def test_raw_messages_past_retention_are_purged_but_failed_ones_kept(settings):
    from tickets.tasks import inbound_raw_purge_task

    settings.INBOUND_RAW_RETENTION_DAYS = 90
    old = timezone.now() - timedelta(days=91)
    done = inbound_email_process(
        raw=b"From: a@new.example\r\nSubject: Old one\r\nMessage-ID: <old@x>\r\n\r\nHi there\r\n"
    )
    failed = inbound_email_process(raw=b"From: x@-bad-.example\r\nSubject: Bad\r\nMessage-ID: <bad@x>\r\n\r\nHi\r\n")
    InboundMessage.objects.update(received_at=old)

    assert inbound_raw_purge_task.delay().get() == 1

    assert InboundMessage.objects.get(pk=done.record_id).raw.name == ""
    assert InboundMessage.objects.get(pk=failed.record_id).raw.name != ""


def _oauth_mailbox(dovecot, httpserver) -> Mailbox:
    """A Google mailbox on the test Dovecot whose token endpoint is the loopback `httpserver`."""
    mailbox = Mailbox(
        name="Google support",
        address="support@helpdesk.test",
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        security="none",
        username="support@helpdesk.test",
        auth_method="google",
        oauth_client_id="client-1",
        oauth_token_url=httpserver.url_for("/token"),
    )
    mailbox.set_secret("oauth_client_secret", "client-secret")
    mailbox.set_secret("oauth_refresh_token", "refresh-1")
    mailbox.save()
    return mailbox


def test_an_oauth2_mailbox_logs_in_with_xoauth2_and_polls(dovecot, httpserver, customer_a):
    """Microsoft 365 / Google mailboxes end to end: the refresh token is exchanged at the (loopback)
    token endpoint, the poller logs in to Dovecot with SASL XOAUTH2, and Dovecot accepts the bearer
    token only after asking the (loopback) introspection endpoint, which sees exactly that token."""
    from werkzeug import Request, Response

    introspected: list[str] = []

    def introspect(request: Request) -> Response:
        introspected.append(request.form.get("token", ""))
        active = request.form.get("token") == "access-42"
        body = {"active": active, "email": "support@helpdesk.test"} if active else {"active": False}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_oneshot_request("/token", method="POST").respond_with_json(
        {"access_token": "access-42", "expires_in": 3600, "token_type": "Bearer"}
    )
    httpserver.expect_request("/introspect", method="POST").respond_with_handler(introspect)
    mailbox = _oauth_mailbox(dovecot, httpserver)
    dovecot.deliver((FIXTURES / "inline_image_pdf.eml").read_bytes())

    result = polling.mailbox_poll(mailbox_id=mailbox.pk)

    assert (result.processed, result.failed, result.error) == (1, 0, "")
    assert introspected == ["access-42"]
    assert Ticket.objects.get().customer_id == customer_a.pk
    mailbox.refresh_from_db()
    assert mailbox.get_secret("oauth_access_token") == "access-42"


def test_an_oauth2_token_the_server_refuses_is_a_mailbox_error_not_a_crash(dovecot, httpserver):
    httpserver.expect_oneshot_request("/token", method="POST").respond_with_json(
        {"access_token": "revoked", "expires_in": 3600}
    )
    httpserver.expect_request("/introspect", method="POST").respond_with_json({"active": False})
    mailbox = _oauth_mailbox(dovecot, httpserver)
    dovecot.deliver((FIXTURES / "inline_image_pdf.eml").read_bytes())

    result = polling.mailbox_poll(mailbox_id=mailbox.pk)

    assert result.processed == 0
    assert result.error != ""
    mailbox.refresh_from_db()
    assert (mailbox.consecutive_failures, bool(mailbox.last_error)) == (1, True)
    assert "revoked" not in mailbox.last_error
    assert [seen for _uid, seen in dovecot.messages()] == [False]
    assert not Ticket.objects.exists()
