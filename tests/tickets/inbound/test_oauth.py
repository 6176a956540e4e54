"""OAuth2 for mailboxes against a loopback token endpoint (pytest-httpserver): the refresh
request, the stored (encrypted) token and its expiry, a rotated refresh token, the XOAUTH2 string."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from tickets.inbound import oauth
from tickets.models.inbound import Mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(httpserver) -> Mailbox:
    mailbox = Mailbox(
        name="M365",
        address="help@contoso.example",
        imap_host="outlook.office365.com",
        username="help@contoso.example",
        auth_method="microsoft",
        oauth_client_id="client-123",
        oauth_tenant="contoso.example",
        oauth_token_url=httpserver.url_for("/token"),
    )
    mailbox.set_secret("oauth_client_secret", "client-secret-xyz")
    mailbox.set_secret("oauth_refresh_token", "refresh-1")
    mailbox.save()
    return mailbox


def test_the_xoauth2_string():
    assert oauth.xoauth2_string("a@b.example", "tok") == "user=a@b.example\x01auth=Bearer tok\x01\x01"
    assert (
        base64.b64decode(oauth.xoauth2_base64("a@b.example", "tok")) == b"user=a@b.example\x01auth=Bearer tok\x01\x01"
    )


@pytest.mark.parametrize(
    ("auth_method", "tenant", "url"),
    [
        pytest.param(
            "microsoft",
            "contoso.example",
            "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token",
            id="m365",
        ),
        pytest.param("google", "", "https://oauth2.googleapis.com/token", id="google"),
    ],
)
def test_the_provider_token_endpoints(auth_method, tenant, url):
    assert oauth.token_url(Mailbox(auth_method=auth_method, oauth_tenant=tenant)) == url


@freeze_time("2026-12-01 10:00:00")
def test_an_expired_token_is_refreshed_once_and_stored(httpserver, mailbox):
    httpserver.expect_oneshot_request(
        "/token",
        method="POST",
        data="grant_type=refresh_token&client_id=client-123&client_secret=client-secret-xyz&refresh_token=refresh-1"
        "&scope=https%3A%2F%2Foutlook.office365.com%2FIMAP.AccessAsUser.All+offline_access",
    ).respond_with_json({"access_token": "access-1", "expires_in": 3599, "refresh_token": "refresh-2"})

    assert oauth.access_token_get(mailbox=mailbox) == "access-1"
    assert oauth.access_token_get(mailbox=mailbox) == "access-1"  # cached: no second request

    httpserver.check_assertions()
    mailbox.refresh_from_db()
    assert mailbox.oauth_access_token_expires_at == timezone.now() + timedelta(seconds=3599)
    assert mailbox.get_secret("oauth_access_token") == "access-1"
    assert mailbox.get_secret("oauth_refresh_token") == "refresh-2"  # rotated
    assert "access-1" not in mailbox.oauth_access_token_encrypted  # encrypted at rest


def test_a_token_about_to_expire_is_refreshed(httpserver, mailbox):
    mailbox.set_secret("oauth_access_token", "old")
    mailbox.oauth_access_token_expires_at = timezone.now() + timedelta(seconds=30)
    mailbox.save()
    httpserver.expect_oneshot_request("/token", method="POST").respond_with_json({"access_token": "new"})

    assert oauth.access_token_get(mailbox=Mailbox.objects.get(pk=mailbox.pk)) == "new"


def test_a_refused_refresh_names_the_error_not_the_secrets(httpserver, mailbox):
    httpserver.expect_request("/token", method="POST").respond_with_json(
        {"error": "invalid_grant", "error_description": "AADSTS70008: The refresh token has expired."}, status=400
    )

    with pytest.raises(oauth.OAuthError) as info:
        oauth.access_token_get(mailbox=mailbox)

    assert str(info.value) == "token refresh refused: invalid_grant: AADSTS70008: The refresh token has expired."


def test_the_poller_logs_in_with_xoauth2(httpserver, mailbox, monkeypatch):
    from tickets.inbound import polling

    calls = []

    class FakeClient:
        def xoauth2(self, username, token, initial_folder):
            calls.append((username, token, initial_folder))

    monkeypatch.setattr(polling, "_client", lambda mailbox: FakeClient())
    httpserver.expect_oneshot_request("/token", method="POST").respond_with_json({"access_token": "access-9"})

    polling.imap_connect(mailbox)

    assert calls == [("help@contoso.example", "access-9", "INBOX")]
