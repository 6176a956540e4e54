"""The email admin: mailboxes (admins only, secrets write-only and encrypted), the inbound message
log with its retry action, followers, allowed addresses, and clearing an undeliverable customer."""

from __future__ import annotations

import unittest.mock

import pytest
from django.urls import reverse
from django.utils import timezone
from model_bakery import baker

from agents.models import Role
from tickets.inbound.services import inbound_email_process
from tickets.models import InboundMessage, Mailbox, Ticket, TicketFollower

pytestmark = pytest.mark.django_db

MAILBOX_FORM = {
    "name": "Support",
    "address": "support@helpdesk.test",
    "is_active": "on",
    "imap_host": "imap.helpdesk.test",
    "imap_port": "993",
    "security": "ssl",
    "username": "support@helpdesk.test",
    "auth_method": "password",
    "password": "imap-pass-123",
    "folder": "INBOX",
    "processed_action": "seen",
    "send_acknowledgement": "on",
}


def test_an_admin_adds_a_mailbox_and_the_password_is_stored_encrypted_and_never_shown(admin_client_):
    response = admin_client_.post(reverse("admin:tickets_mailbox_add"), MAILBOX_FORM)

    assert response.status_code == 302, response.content
    mailbox = Mailbox.objects.get()
    assert mailbox.get_secret("password") == "imap-pass-123"
    assert "imap-pass-123" not in mailbox.password_encrypted
    page = admin_client_.get(reverse("admin:tickets_mailbox_change", args=[mailbox.pk])).content.decode()
    assert "imap-pass-123" not in page
    assert "Password" in page  # "secrets stored: Password"


def test_an_empty_password_keeps_the_stored_one_and_clear_removes_it(admin_client_):
    admin_client_.post(reverse("admin:tickets_mailbox_add"), MAILBOX_FORM)
    mailbox = Mailbox.objects.get()
    url = reverse("admin:tickets_mailbox_change", args=[mailbox.pk])

    admin_client_.post(url, {**MAILBOX_FORM, "password": "", "imap_port": "143", "security": "starttls"})
    mailbox.refresh_from_db()
    assert (mailbox.imap_port, mailbox.get_secret("password")) == (143, "imap-pass-123")

    admin_client_.post(url, {**MAILBOX_FORM, "password": "", "clear_secrets": "on"})
    mailbox.refresh_from_db()
    assert mailbox.password_encrypted == ""


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param({"processed_action": "move"}, "processed_folder", "Name the folder", id="move-without-folder"),
        pytest.param({"auth_method": "google"}, "oauth_client_id", "client id", id="oauth-without-client"),
        pytest.param(
            {"auth_method": "microsoft", "oauth_client_id": "c"}, "oauth_tenant", "tenant", id="m365-without-tenant"
        ),
    ],
)
def test_the_mailbox_form_names_what_is_missing(admin_client_, changes, field, message):
    response = admin_client_.post(reverse("admin:tickets_mailbox_add"), {**MAILBOX_FORM, **changes})

    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors[field])


def test_agents_cannot_see_mailboxes(client, login):
    login(Role.AGENT)

    assert client.get(reverse("admin:tickets_mailbox_changelist")).status_code == 403


def test_failed_messages_are_listed_and_retried_from_the_admin(admin_client_):
    raw = b"From: Carol <carol@new.example>\r\nSubject: Broken\r\nMessage-ID: <retry@x>\r\n\r\nHelp\r\n"

    def boom(**kwargs):
        raise RuntimeError("database hiccup")

    with unittest.mock.patch("tickets.inbound.services.ticket_create", boom):
        assert inbound_email_process(raw=raw).action == "failed"
    assert Ticket.objects.count() == 0
    changelist = admin_client_.get(reverse("admin:tickets_inboundmessage_changelist"), {"status": "failed"})
    assert "database hiccup" in changelist.content.decode()
    record = InboundMessage.objects.get()

    response = admin_client_.post(
        reverse("admin:tickets_inboundmessage_changelist"),
        {"action": "retry", "_selected_action": [record.pk]},
        follow=True,
    )

    assert "1 message(s) processed." in response.content.decode()
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("ticket", 2)
    assert Ticket.objects.get().title == "Broken"


def test_retrying_a_processed_message_says_why_not(admin_client_, customer_a):
    inbound_email_process(raw=b"From: alice@acme.example\r\nSubject: Fine\r\nMessage-ID: <ok@x>\r\n\r\nHi there\r\n")
    record = InboundMessage.objects.get()

    response = admin_client_.post(
        reverse("admin:tickets_inboundmessage_changelist"),
        {"action": "retry", "_selected_action": [record.pk]},
        follow=True,
    )

    assert "Only failed messages can be retried." in response.content.decode()


def test_followers_are_added_and_removed_through_the_services(admin_client_, ticket):
    colleague = baker.make_recipe(
        "tests.customers.customer", email="carl@acme.example", organization=ticket.organization
    )

    response = admin_client_.post(
        reverse("admin:tickets_ticketfollower_add"), {"ticket": ticket.pk, "email": "CARL@acme.example"}
    )
    assert response.status_code == 302, response.content
    follower = TicketFollower.objects.get()
    assert (follower.email, follower.customer_id, follower.source) == ("carl@acme.example", colleague.pk, "manual")
    listed = admin_client_.get(reverse("admin:tickets_ticketfollower_changelist"), {"q": str(ticket.pk)})
    assert "carl@acme.example" in listed.content.decode()

    refused = admin_client_.post(
        reverse("admin:tickets_ticketfollower_add"), {"ticket": ticket.pk, "email": "eve@elsewhere.example"}
    )
    assert "allowed external address" in refused.content.decode()

    admin_client_.post(reverse("admin:tickets_ticketfollower_delete", args=[follower.pk]), {"post": "yes"})
    assert not TicketFollower.objects.exists()
    assert ticket.events.filter(field="followers").count() == 2


def test_allowed_follower_addresses_are_stored_lower_case(admin_client_):
    admin_client_.post(
        reverse("admin:tickets_allowedfolloweraddress_add"), {"pattern": "@Partner.Example", "note": "agency"}
    )

    assert admin_client_.get(reverse("admin:tickets_allowedfolloweraddress_changelist")).status_code == 200
    from tickets.models import AllowedFollowerAddress

    assert list(AllowedFollowerAddress.objects.values_list("pattern", flat=True)) == ["@partner.example"]


def test_an_undeliverable_customer_is_shown_and_cleared(admin_client_, customer_a):
    customer_a.email_undeliverable_at = timezone.now()
    customer_a.email_undeliverable_reason = "550 5.1.1 User unknown"
    customer_a.email_soft_bounces = 2
    customer_a.save()
    page = admin_client_.get(reverse("admin:customers_customer_change", args=[customer_a.pk])).content.decode()
    assert "550 5.1.1 User unknown" in page

    admin_client_.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "clear_undeliverable", "_selected_action": [customer_a.pk]},
    )

    customer_a.refresh_from_db()
    assert (customer_a.email_undeliverable_at, customer_a.email_soft_bounces) == (None, 0)
