"""Inbound email over HTTP: an ESP posts to django-anymail's inbound webhook under /anymail/,
protected by basic auth with ANYMAIL_WEBHOOK_SECRET; the message becomes a ticket or a reply."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from tickets.models import Comment, InboundMessage, Status, Ticket

POSTMARK_URL = "/anymail/postmark/inbound/"
MAILGUN_URL = "/anymail/mailgun/inbound/"
SECRET = "esp-user:s3cret-pass"


def _auth(secret: str = SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def _postmark(*, sender: str, name: str, subject: str, text: str, message_id: str, spam: str = "No") -> str:
    """The JSON Postmark posts for an inbound message (fields as in Postmark's inbound docs)."""
    return json.dumps(
        {
            "FromName": name,
            "MessageStream": "inbound",
            "From": sender,
            "FromFull": {"Email": sender, "Name": name, "MailboxHash": ""},
            "To": "support@helpdesk.test",
            "ToFull": [{"Email": "support@helpdesk.test", "Name": "", "MailboxHash": ""}],
            "Cc": "",
            "CcFull": [],
            "Bcc": "",
            "BccFull": [],
            "OriginalRecipient": "support@helpdesk.test",
            "Subject": subject,
            "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
            "ReplyTo": "",
            "MailboxHash": "",
            "Date": "Sun, 22 Nov 2026 06:30:00 +0000",
            "TextBody": text,
            "HtmlBody": "",
            "StrippedTextReply": "",
            "Tag": "",
            "Headers": [
                {"Name": "Return-Path", "Value": f"<{sender}>"},
                {"Name": "X-Spam-Status", "Value": spam},
                {"Name": "X-Spam-Score", "Value": "-0.1"},
                {"Name": "MIME-Version", "Value": "1.0"},
                {"Name": "Message-ID", "Value": message_id},
            ],
            "Attachments": [],
        }
    )


@pytest.fixture
def webhook_secret(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}


@pytest.mark.django_db
def test_a_new_message_posted_by_the_esp_opens_a_ticket(client, webhook_secret, django_capture_on_commit_callbacks):
    body = _postmark(
        sender="carol@new.example", name="Carol", subject="Printer on fire", text="Help!", message_id="<c1@mail>"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(POSTMARK_URL, body, content_type="application/json", **_auth())

    assert response.status_code == 200, response.content
    ticket = Ticket.objects.select_related("customer").get()
    assert (ticket.title, ticket.description, ticket.channel) == ("Printer on fire", "Help!", "email")
    assert (ticket.customer.email, ticket.customer.name) == ("carol@new.example", "Carol")
    assert InboundMessage.objects.get(message_id="<c1@mail>").ticket == ticket


@pytest.mark.django_db
def test_a_reply_naming_the_ticket_adds_a_customer_comment(client, webhook_secret, ticket):
    ticket.status = Status.PENDING
    ticket.save(update_fields=["status"])
    body = _postmark(
        sender=ticket.customer.email,
        name="Alice",
        subject=f"Re: [#{ticket.pk}] Printer",
        text="It works now.\n\nOn Sunday, Support wrote:\n> old text",
        message_id="<a1@mail>",
    )

    response = client.post(POSTMARK_URL, body, content_type="application/json", **_auth())
    again = client.post(POSTMARK_URL, body, content_type="application/json", **_auth())  # the ESP retries

    assert (response.status_code, again.status_code) == (200, 200)
    comment = Comment.objects.get()
    assert (comment.ticket_id, comment.customer_id, comment.body) == (ticket.pk, ticket.customer_id, "It works now.")
    assert (comment.channel, comment.email_message_id) == ("email", "<a1@mail>")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_mailgun_raw_mime_inbound_also_works(client, settings, webhook_secret, ticket):
    """Mailgun's forward of the full MIME message (anymail's inbound_mime), signed with the key."""
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_WEBHOOK_SIGNING_KEY": "mg-key"}
    timestamp, token = "1795330000", "a" * 50
    signature = hmac.new(b"mg-key", f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    mime = (
        f"From: Alice <{ticket.customer.email}>\r\nTo: support@helpdesk.test\r\n"
        f"Subject: [#{ticket.pk}] more info\r\nMessage-ID: <mg1@mail>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nSerial number 42\r\n"
    )

    response = client.post(
        "/anymail/mailgun/inbound_mime/",
        {
            "body-mime": mime,
            "recipient": "support@helpdesk.test",
            "sender": ticket.customer.email,
            "timestamp": timestamp,
            "token": token,
            "signature": signature,
        },
        **_auth(),
    )
    forged = client.post(
        "/anymail/mailgun/inbound_mime/",
        {"body-mime": mime, "timestamp": timestamp, "token": token, "signature": "0" * 64},
        **_auth(),
    )

    assert response.status_code == 200, response.content
    assert Comment.objects.get().body == "Serial number 42"
    assert forged.status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "auth",
    [
        pytest.param(_auth("esp-user:wrong"), id="wrong-secret"),
        pytest.param({}, id="no-auth"),
        pytest.param({"HTTP_AUTHORIZATION": "Bearer s3cret-pass"}, id="not-basic-auth"),
    ],
)
def test_a_wrong_or_missing_secret_is_refused(client, webhook_secret, auth):
    body = _postmark(sender="eve@evil.example", name="Eve", subject="Hi", text="x", message_id="<e1@mail>")

    response = client.post(POSTMARK_URL, body, content_type="application/json", **auth)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="anymail"'
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_without_a_configured_secret_the_endpoint_refuses_everything(client, settings):
    settings.ANYMAIL = {k: v for k, v in settings.ANYMAIL.items() if k != "WEBHOOK_SECRET"}
    body = _postmark(sender="carol@new.example", name="Carol", subject="Hi", text="x", message_id="<n1@mail>")

    response = client.post(POSTMARK_URL, body, content_type="application/json", **_auth())

    assert response.status_code == 403
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_messages_the_esp_flags_as_spam_are_dropped(client, webhook_secret):
    body = _postmark(
        sender="spam@junk.example", name="Spam", subject="WIN", text="$$$", message_id="<s1@mail>", spam="Yes"
    )

    response = client.post(POSTMARK_URL, body, content_type="application/json", **_auth())

    assert response.status_code == 200
    assert Ticket.objects.count() == 0


def test_the_urls_are_anymails():
    from django.urls import reverse

    assert reverse("anymail:postmark_inbound_webhook") == POSTMARK_URL
    assert reverse("anymail:mailgun_inbound_webhook") == MAILGUN_URL


@pytest.mark.django_db
def test_an_inbound_event_without_a_message_is_ignored(caplog):
    from types import SimpleNamespace

    from tickets.inbound.receivers import anymail_inbound_received

    anymail_inbound_received(sender=None, event=SimpleNamespace(message=None, event_id="x1"), esp_name="Postmark")

    assert Ticket.objects.count() == 0
    assert "carried no message" in caplog.text


@pytest.mark.django_db
def test_a_message_that_fails_answers_non_2xx_so_the_esp_retries_and_the_retry_succeeds(
    webhook_secret, monkeypatch, django_capture_on_commit_callbacks
):
    """A processing failure is recorded (listed and retryable in the admin) and answered with a
    500, so the provider delivers again; the redelivery is processed, not taken for a duplicate."""
    from django.test import Client

    from tickets.inbound import services as inbound_services

    client = Client(raise_request_exception=False)
    body = _postmark(
        sender="carol@new.example", name="Carol", subject="Printer", text="It jams.", message_id="<fail-1@new.example>"
    )
    real_route = inbound_services._route
    monkeypatch.setattr(inbound_services, "_route", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))

    first = client.post(POSTMARK_URL, body, content_type="application/json", **_auth())

    assert first.status_code == 500
    failed = InboundMessage.objects.get(message_id="<fail-1@new.example>")
    assert (failed.status, failed.reason) == ("failed", "OSError: disk full")
    assert not Ticket.objects.exists()

    monkeypatch.setattr(inbound_services, "_route", real_route)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(POSTMARK_URL, body, content_type="application/json", **_auth())

    assert again.status_code == 200
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("ticket", 2)
    assert Ticket.objects.get().title == "Printer"
