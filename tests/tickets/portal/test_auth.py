"""Signing in to the portal: password, one-time email link, password reset, sign-up, rate limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time
from model_bakery import baker

from agents.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _link(message, prefix: str) -> str:
    found = re.search(rf"http://testserver(/portal/{prefix}/\S+)", message.body)
    assert found, message.body
    return found.group(1)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver"


# --- password ---------------------------------------------------------------------------------


def test_a_customer_signs_in_with_email_and_password(client, customer_a):
    response = client.post("/portal/login/", {"username": "ALICE@acme.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_next_is_followed_only_within_the_site(client, customer_a):
    response = client.post(
        "/portal/login/", {"username": customer_a.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/portal/"
    client.logout()
    response = client.post(
        "/portal/login/", {"username": customer_a.email, "password": PASSWORD, "next": "/portal/tickets/new/"}
    )
    assert response["Location"] == "/portal/tickets/new/"


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        pytest.param("alice@acme.example", "wrong", "do not match an account", id="wrong-password"),
        pytest.param("nobody@acme.example", PASSWORD, "do not match an account", id="unknown-address"),
    ],
)
def test_a_failed_sign_in_says_the_same_for_unknown_addresses(client, customer_a, username, password, message):
    response = client.post("/portal/login/", {"username": username, "password": password})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_agent_cannot_sign_in_to_the_portal(client, agent):
    response = client.post("/portal/login/", {"username": agent.user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "This sign-in is for customers" in response.content.decode()


def test_sign_in_is_rate_limited_per_address(client, customer_a, settings):
    settings.PORTAL_RATE_PER_ADDRESS = "3/15m"
    for _ in range(3):
        assert client.post("/portal/login/", {"username": customer_a.email, "password": "wrong"}).status_code == 200
    response = client.post("/portal/login/", {"username": customer_a.email, "password": PASSWORD})
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_is_rate_limited_per_ip_across_addresses(client, customer_a, settings):
    settings.PORTAL_RATE_PER_IP = "2/15m"
    client.post("/portal/login/", {"username": "x@acme.example", "password": "wrong"})
    client.post("/portal/login/", {"username": "y@acme.example", "password": "wrong"})
    response = client.post("/portal/login/", {"username": customer_a.email, "password": PASSWORD})
    assert response.status_code == 429


def test_sign_out_needs_a_post(portal_client):
    assert portal_client.get("/portal/logout/").status_code == 405
    assert portal_client.post("/portal/logout/").status_code == 302
    assert portal_client.get("/portal/").status_code == 302


# --- one-time email link ------------------------------------------------------------------------


def test_a_sign_in_link_signs_in_once(client, customer_a):
    response = client.post("/portal/login/link/", {"email": "Alice@Acme.example"})
    assert response.status_code == 200
    assert "is known to us" in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@acme.example"]
    link = _link(mail.outbox[0], "login/link")

    page = client.get(link)  # a mail scanner opening the link uses nothing up
    assert page.status_code == 200
    assert "Sign me in" in page.content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert int(client.session["_auth_user_id"]) == customer_a.user_id

    client.logout()
    again = client.post(link)
    assert again.status_code == 400
    assert "This link no longer works" in again.content.decode()
    assert client.get(link).status_code == 400


def test_an_unknown_address_gets_no_mail_and_the_same_answer(client, customer_a):
    response = client.post("/portal/login/link/", {"email": "nobody@acme.example"})
    assert response.status_code == 200
    assert "is known to us" in response.content.decode()
    assert mail.outbox == []


def test_a_sign_in_link_expires(client, customer_a, settings):
    settings.PORTAL_LOGIN_LINK_MINUTES = 15
    start = timezone.now()
    with freeze_time(start):
        client.post("/portal/login/link/", {"email": customer_a.email})
    link = _link(mail.outbox[0], "login/link")
    with freeze_time(start + timedelta(minutes=16)):
        assert client.post(link).status_code == 400
    with freeze_time(start + timedelta(minutes=14)):
        assert client.post(link).status_code == 302


def test_a_password_sign_in_uses_up_an_outstanding_link(client, customer_a):
    client.post("/portal/login/link/", {"email": customer_a.email})
    link = _link(mail.outbox[0], "login/link")
    client.post("/portal/login/", {"username": customer_a.email, "password": PASSWORD})
    client.logout()
    assert client.post(link).status_code == 400


def test_a_forged_link_is_refused(client, customer_a):
    assert client.post("/portal/login/link/not-a-token/").status_code == 400


def test_a_customer_without_a_login_gets_one_from_the_link(client, org_a):
    customer = baker.make_recipe("tests.customers.customer", email="dave@acme.example", organization=org_a)
    client.post("/portal/login/link/", {"email": "dave@acme.example"})
    link = _link(mail.outbox[0], "login/link")
    assert client.post(link).status_code == 302
    customer.refresh_from_db()
    assert customer.user is not None
    assert customer.user.email == "dave@acme.example"
    assert not customer.user.has_usable_password()
    assert client.get("/portal/").status_code == 200
    client.logout()
    assert client.post(link).status_code == 400  # used: the login exists now


@pytest.mark.parametrize(
    "kind",
    [pytest.param("erased", id="erased-customer"), pytest.param("bounced", id="undeliverable-address")],
)
def test_no_link_for_erased_or_undeliverable_customers(client, org_a, kind):
    fields = {"erased_at": timezone.now()} if kind == "erased" else {"email_undeliverable_at": timezone.now()}
    baker.make_recipe("tests.customers.customer", email="eve@acme.example", organization=org_a, **fields)
    client.post("/portal/login/link/", {"email": "eve@acme.example"})
    assert mail.outbox == []


def test_no_link_for_an_agents_address(client, make_agent):
    agent = make_agent(Role.AGENT, email="sam@support.example.com")
    baker.make_recipe("tests.customers.customer", email="sam@support.example.com", user=agent.user)
    client.post("/portal/login/link/", {"email": "sam@support.example.com"})
    assert mail.outbox == []


# --- password reset -----------------------------------------------------------------------------


def test_password_reset_reveals_nothing_and_works_once(client, customer_a):
    unknown = client.post("/portal/password/reset/", {"email": "nobody@acme.example"})
    known = client.post("/portal/password/reset/", {"email": customer_a.email})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == "/portal/password/reset/sent/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@acme.example"]
    assert mail.outbox[0].subject == "Choose a new password"
    link = _link(mail.outbox[0], "password/reset")

    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"}
    )
    assert done.status_code == 302
    assert done["Location"] == "/portal/password/reset/done/"
    customer_a.user.refresh_from_db()
    assert customer_a.user.check_password("a-new-long-passphrase")
    again = client.get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_password_reset_sends_nothing_to_agents(client, agent):
    response = client.post("/portal/password/reset/", {"email": agent.user.email})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_is_rate_limited(client, customer_a, settings):
    settings.PORTAL_RATE_PER_ADDRESS = "2/15m"
    for _ in range(2):
        client.post("/portal/password/reset/", {"email": customer_a.email})
    assert client.post("/portal/password/reset/", {"email": customer_a.email}).status_code == 429
    assert len(mail.outbox) == 2


# --- self sign-up -------------------------------------------------------------------------------


def test_sign_up_is_off_by_default(client):
    assert client.get("/portal/signup/").status_code == 404
    assert "Create an account" not in client.get("/portal/login/").content.decode()


@pytest.fixture
def signup_open(settings):
    settings.PORTAL_SIGNUP_DOMAINS = ["acme.example"]


def test_sign_up_outside_the_allowed_domains_is_refused(client, signup_open):
    response = client.post("/portal/signup/", {"name": "Mallory", "email": "mallory@evil.example"})
    assert response.status_code == 200
    assert "Sign-up is open to addresses at: acme.example." in response.content.decode()
    assert mail.outbox == []


def test_sign_up_confirms_the_address_then_creates_a_customer_login(client, org_a, signup_open):
    from customers.models import Customer

    response = client.post("/portal/signup/", {"name": "Frank", "email": "Frank@Acme.example"})
    assert response.status_code == 200
    assert "Follow its link" in response.content.decode()
    assert Customer.objects.filter(email="frank@acme.example").exists() is False
    link = _link(mail.outbox[0], "signup")
    short = client.post(link, {"password1": "short", "password2": "short"})
    assert short.status_code == 200
    assert "too short" in short.content.decode()
    response = client.post(link, {"password1": "a-long-passphrase-1", "password2": "a-long-passphrase-1"})
    assert response.status_code == 302
    customer = Customer.objects.select_related("user").get(email="frank@acme.example")
    assert customer.name == "Frank"
    assert customer.user.check_password("a-long-passphrase-1")
    assert client.get("/portal/").status_code == 200
    client.logout()
    again = client.post(link, {"password1": "another-passphrase-2", "password2": "another-passphrase-2"})
    assert "already used" in again.content.decode()


def test_sign_up_with_an_existing_login_mails_a_note_instead(client, customer_a, signup_open):
    response = client.post("/portal/signup/", {"name": "Alice", "email": customer_a.email})
    assert "Follow its link" in response.content.decode()
    assert mail.outbox[0].subject == "You already have a support account"
    assert "/portal/password/reset/" in mail.outbox[0].body


def test_an_expired_sign_up_link_is_refused(client, signup_open, settings):
    start = timezone.now()
    with freeze_time(start):
        client.post("/portal/signup/", {"name": "Gina", "email": "gina@acme.example"})
    link = _link(mail.outbox[0], "signup")
    with freeze_time(start + timedelta(hours=settings.PORTAL_SIGNUP_LINK_HOURS, minutes=1)):
        assert client.get(link).status_code == 400


def test_every_portal_form_needs_the_csrf_token(customer_a):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/portal/login/", {"username": customer_a.email, "password": PASSWORD}).status_code == 403
