"""The email channel over the API: mailboxes (admins only, secrets write-only), the inbound log and
its retry, ticket followers, and a customer's undeliverable address."""

from __future__ import annotations

import unittest.mock

import pytest
from django.utils import timezone
from model_bakery import baker

from tickets.inbound.services import inbound_email_process
from tickets.models import Mailbox, TicketFollower

pytestmark = pytest.mark.django_db

MAILBOX = {
    "name": "Support",
    "address": "support@helpdesk.test",
    "imap_host": "imap.helpdesk.test",
    "imap_port": 993,
    "security": "ssl",
    "username": "support@helpdesk.test",
    "auth_method": "password",
    "password": "imap-pass-123",
}


def test_an_admin_creates_a_mailbox_and_never_sees_the_secret_again(api_admin):
    response = api_admin.post("/api/v1/mailboxes/", MAILBOX, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert "password" not in body
    assert body["secrets_stored"] == ["password"]
    assert Mailbox.objects.get().get_secret("password") == "imap-pass-123"
    listed = api_admin.get("/api/v1/mailboxes/").content.decode()
    assert "imap-pass-123" not in listed
    assert Mailbox.objects.get().password_encrypted not in listed


def test_a_mailbox_update_without_password_keeps_it(api_admin):
    mailbox_id = api_admin.post("/api/v1/mailboxes/", MAILBOX, format="json").json()["id"]

    response = api_admin.patch(f"/api/v1/mailboxes/{mailbox_id}/", {"folder": "Support"}, format="json")

    assert response.status_code == 200
    mailbox = Mailbox.objects.get()
    assert (mailbox.folder, mailbox.get_secret("password")) == ("Support", "imap-pass-123")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"processed_action": "move"}, "processed_folder", id="move-without-folder"),
        pytest.param({"imap_port": 70000}, "imap_port", id="port"),
        pytest.param({"security": "rot13"}, "security", id="security"),
        pytest.param({"address": "not-an-address"}, "address", id="address"),
        pytest.param({"auth_method": "google"}, "oauth_client_id", id="oauth-without-client-id"),
        pytest.param(
            {"auth_method": "microsoft", "oauth_client_id": "app-1"}, "oauth_tenant", id="microsoft-without-tenant"
        ),
    ],
)
def test_bad_mailbox_input_is_a_400_naming_the_field(api_admin, changes, field):
    response = api_admin.post("/api/v1/mailboxes/", {**MAILBOX, **changes}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Mailbox.objects.exists()


def test_a_change_is_checked_against_the_stored_settings(api_admin):
    """Switching a stored mailbox to "move" without a folder is refused, and nothing is changed."""
    mailbox_id = api_admin.post("/api/v1/mailboxes/", MAILBOX, format="json").json()["id"]

    response = api_admin.patch(f"/api/v1/mailboxes/{mailbox_id}/", {"processed_action": "move"}, format="json")

    assert response.status_code == 400
    assert response.json()["processed_folder"] == ["Name the folder processed mail is moved to."]
    assert Mailbox.objects.get().processed_action != "move"


def test_a_new_refresh_token_drops_the_cached_access_token(api_admin):
    oauth = {**MAILBOX, "auth_method": "google", "oauth_client_id": "app-1", "oauth_refresh_token": "r1"}
    mailbox_id = api_admin.post("/api/v1/mailboxes/", oauth, format="json").json()["id"]
    mailbox = Mailbox.objects.get()
    mailbox.set_secret("oauth_access_token", "a1")
    mailbox.oauth_access_token_expires_at = timezone.now()
    mailbox.save()

    response = api_admin.patch(f"/api/v1/mailboxes/{mailbox_id}/", {"oauth_refresh_token": "r2"}, format="json")

    assert response.status_code == 200
    mailbox.refresh_from_db()
    assert (mailbox.get_secret("oauth_refresh_token"), mailbox.get_secret("oauth_access_token")) == ("r2", "")
    assert mailbox.oauth_access_token_expires_at is None


@pytest.mark.parametrize("client_name", ["api_senior_agent", "api_agent", "api_viewer", "api_customer_a"])
def test_only_admins_reach_mailboxes_and_the_inbound_log(client_name, request):
    client = request.getfixturevalue(client_name)

    assert client.get("/api/v1/mailboxes/").status_code == 403
    assert client.get("/api/v1/inbound-messages/").status_code == 403


def test_failed_messages_are_listed_and_retried(api_admin):
    raw = b"From: Carol <carol@new.example>\r\nSubject: Broken\r\nMessage-ID: <api-retry@x>\r\n\r\nHelp\r\n"
    with unittest.mock.patch("tickets.inbound.services.ticket_create", side_effect=RuntimeError("db hiccup")):
        inbound_email_process(raw=raw)
    [failed] = api_admin.get("/api/v1/inbound-messages/", {"status": "failed"}).json()["results"]
    assert failed["reason"] == "RuntimeError: db hiccup"

    response = api_admin.post(f"/api/v1/inbound-messages/{failed['id']}/retry/")

    assert response.status_code == 200
    assert response.json()["status"] == "ticket"
    assert api_admin.post(f"/api/v1/inbound-messages/{failed['id']}/retry/").status_code == 400
    assert api_admin.get("/api/v1/inbound-messages/", {"status": "nonsense"}).status_code == 400


def test_followers_are_listed_added_and_removed(api_agent, api_viewer, ticket):
    colleague = baker.make_recipe(
        "tests.customers.customer", email="carl@acme.example", organization=ticket.organization
    )
    url = f"/api/v1/tickets/{ticket.pk}/followers/"

    added = api_agent.post(url, {"email": "Carl@Acme.example"}, format="json")
    assert added.status_code == 201, added.json()
    assert api_agent.get(url).json() == [
        {
            "id": added.json()["id"],
            "email": "carl@acme.example",
            "customer": colleague.pk,
            "user": None,
            "source": "manual",
            "created_at": added.json()["created_at"],
        }
    ]
    refused = api_agent.post(url, {"email": "eve@elsewhere.example"}, format="json")
    assert refused.status_code == 400
    assert "email" in refused.json()
    assert api_viewer.post(url, {"email": "carl@acme.example"}, format="json").status_code == 403

    assert api_agent.delete(f"{url}{added.json()['id']}/").status_code == 204
    assert not TicketFollower.objects.exists()


def test_followers_of_a_ticket_out_of_scope_are_a_404(api_customer_b, ticket):
    assert api_customer_b.get(f"/api/v1/tickets/{ticket.pk}/followers/").status_code == 403
    assert api_customer_b.get("/api/v1/tickets/abc/followers/").status_code == 403


def test_the_customer_api_shows_and_clears_an_undeliverable_address(api_admin, api_agent, customer_a):
    customer_a.email_undeliverable_at = timezone.now()
    customer_a.email_undeliverable_reason = "550 5.1.1 User unknown"
    customer_a.save()

    body = api_agent.get(f"/api/v1/customers/{customer_a.pk}/").json()
    assert (body["email_undeliverable_reason"], body["email_soft_bounces"]) == ("550 5.1.1 User unknown", 0)
    assert body["email_undeliverable_at"] is not None
    assert api_agent.post(f"/api/v1/customers/{customer_a.pk}/clear-undeliverable/").status_code == 403

    response = api_admin.post(f"/api/v1/customers/{customer_a.pk}/clear-undeliverable/")

    assert response.status_code == 200
    assert response.json()["email_undeliverable_at"] is None
