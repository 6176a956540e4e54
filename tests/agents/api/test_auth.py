"""Credentials: JWT (obtain, refresh with rotation, expiry), API keys, portal customers, throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from agents.models import ApiKey, Role
from agents.services import api_key_create, api_key_revoke
from tests.conftest import PASSWORD
from tickets.models import Ticket, TicketEvent

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
ME = "/api/v1/me/"


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def api_key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def test_obtain_with_email_and_password(api_client, agent):
    response = api_client.post(TOKEN, {"email": agent.user.email.upper(), "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"access", "refresh"}
    me = bearer(response.json()["access"]).get(ME)
    assert me.status_code == 200
    assert me.json()["role"] == "agent"
    assert me.json()["email"] == agent.user.email


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"email": "agent1@support.example.com", "password": "wrong"}, id="wrong-password"),
        pytest.param({"email": "nobody@example.com", "password": PASSWORD}, id="unknown-email"),
    ],
)
def test_wrong_credentials_are_401(api_client, agent, body):
    response = api_client.post(TOKEN, body, format="json")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_missing_fields_are_400_naming_them(api_client):
    response = api_client.post(TOKEN, {}, format="json")
    assert response.status_code == 400
    assert {"email", "password"} <= set(response.json())


def test_inactive_user_cannot_obtain(api_client, agent):
    agent.user.is_active = False
    agent.user.save()
    assert api_client.post(TOKEN, {"email": agent.user.email, "password": PASSWORD}).status_code == 401


def test_refresh_rotates_and_blacklists(api_client, agent):
    pair = api_client.post(TOKEN, {"email": agent.user.email, "password": PASSWORD}).json()
    refreshed = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh"] != pair["refresh"]
    assert bearer(refreshed.json()["access"]).get(ME).status_code == 200
    reused = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert reused.status_code == 401
    assert "blacklisted" in str(reused.json()).lower()


def test_expired_access_token_says_expired(api_client, agent):
    start = timezone.now()
    with freeze_time(start):
        access = api_client.post(TOKEN, {"email": agent.user.email, "password": PASSWORD}).json()["access"]
    with freeze_time(start + timedelta(minutes=16)):
        response = bearer(access).get(ME)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"].lower()
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer not.a.jwt", id="garbage-token"),
        pytest.param("Bearer", id="bearer-without-token"),
        pytest.param("Bearer a b", id="bearer-with-spaces"),
        pytest.param("Api-Key", id="api-key-without-key"),
        pytest.param("Api-Key nope.nope", id="unknown-api-key"),
        pytest.param("Api-Key a b", id="api-key-with-spaces"),
    ],
)
def test_malformed_credentials_are_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_no_credentials_is_401(api_client, db):
    response = api_client.get("/api/v1/tickets/")
    assert response.status_code == 401
    assert "credentials" in response.json()["detail"].lower()


def test_token_of_a_deleted_user_is_401(api_client_for, agent):
    client = api_client_for(agent.user)
    agent.user.delete()
    assert client.get(ME).status_code == 401


# --- API keys --------------------------------------------------------------------------------------


def test_admin_creates_a_key_shown_once_and_stored_hashed(api_admin, admin_agent):
    response = api_admin.post("/api/v1/api-keys/", {"name": "CRM sync", "role": "senior_agent"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    plain = body["key"]
    api_key = ApiKey.objects.get(prefix=body["id"])
    assert api_key.role == Role.SENIOR_AGENT
    assert api_key.created_by == admin_agent.user
    assert plain not in (api_key.hashed_key, api_key.id)
    assert api_key.is_valid(plain)
    listed = api_admin.get("/api/v1/api-keys/").json()["results"]
    assert [k["id"] for k in listed] == [body["id"]]
    assert "key" not in listed[0]
    assert "key" not in api_admin.get(f"/api/v1/api-keys/{body['id']}/").json()

    me = api_key_client(plain).get(ME).json()
    assert me["role"] == "senior_agent"


def test_api_key_acts_as_its_service_user(db, customer_a):
    api_key, plain = api_key_create(name="Zapier", role=Role.AGENT)
    client = api_key_client(plain)
    response = client.post(
        "/api/v1/tickets/", {"title": "From Zapier", "customer_email": customer_a.email}, format="json"
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert TicketEvent.objects.get(ticket=ticket).actor == api_key.user
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_api_key_role_is_enforced_and_authoritative(db):
    api_key, plain = api_key_create(name="Dashboards", role=Role.VIEWER)
    client = api_key_client(plain)
    assert client.get("/api/v1/tickets/").status_code == 200
    assert client.post("/api/v1/tickets/", {"title": "x"}, format="json").status_code == 403
    ApiKey.objects.filter(pk=api_key.pk).update(role=Role.ADMIN)  # changed in the admin
    assert client.get("/api/v1/api-keys/").status_code == 200


def test_revoked_key_is_401(api_admin, db):
    api_key, plain = api_key_create(name="Old", role=Role.AGENT)
    assert api_key_client(plain).get(ME).status_code == 200
    assert api_admin.delete(f"/api/v1/api-keys/{api_key.prefix}/").status_code == 204
    api_key.refresh_from_db()
    assert api_key.revoked is True
    response = api_key_client(plain).get(ME)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Api-Key" or response["WWW-Authenticate"].startswith("Bearer")
    api_key_revoke(api_key=api_key)  # revoking twice is harmless
    assert ApiKey.objects.get(pk=api_key.pk).revoked


def test_expired_key_is_401(db):
    _, plain = api_key_create(name="Temp", role=Role.AGENT, expiry_date=timezone.now() + timedelta(days=1))
    assert api_key_client(plain).get(ME).status_code == 200
    with freeze_time(timezone.now() + timedelta(days=2)):
        response = api_key_client(plain).get(ME)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_wrong_secret_for_a_real_prefix_is_401(db):
    api_key, _ = api_key_create(name="Real", role=Role.AGENT)
    assert api_key_client(f"{api_key.prefix}.wrongsecret").get(ME).status_code == 401


def test_key_with_inactive_service_user_is_401(db):
    api_key, plain = api_key_create(name="Disabled", role=Role.AGENT)
    api_key.user.is_active = False
    api_key.user.save()
    assert api_key_client(plain).get(ME).status_code == 401


def test_last_used_at_is_written_at_most_once_a_minute(db, django_assert_num_queries):
    api_key, plain = api_key_create(name="Busy", role=Role.AGENT)
    start = timezone.now()
    with freeze_time(start):
        api_key_client(plain).get(ME)
        api_key_client(plain).get(ME)
    api_key.refresh_from_db()
    assert api_key.last_used_at == start
    with freeze_time(start + timedelta(minutes=2)):
        api_key_client(plain).get(ME)
    api_key.refresh_from_db()
    assert api_key.last_used_at == start + timedelta(minutes=2)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"name": "", "role": "agent"}, "name", id="blank-name"),
        pytest.param({"name": "x", "role": "customer"}, "role", id="bad-role"),
        pytest.param({"name": "x", "revoked": True}, "revoked", id="not-writable"),
    ],
)
def test_api_key_validation(api_admin, payload, field):
    response = api_admin.post("/api/v1/api-keys/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_service_users_are_not_listed_as_agents(api_admin, admin_agent):
    api_key_create(name="Hidden", role=Role.AGENT)
    emails = [a["email"] for a in api_admin.get("/api/v1/agents/").json()["results"]]
    assert emails == [admin_agent.user.email]


# --- portal customers ------------------------------------------------------------------------------


def test_portal_access_lets_a_customer_log_in(api_admin, api_client, org_a):
    from model_bakery import baker

    customer = baker.make_recipe("tests.customers.customer", email="zoe@acme.example", organization=org_a)
    granted = api_admin.post(
        f"/api/v1/customers/{customer.pk}/portal-access/", {"password": "zebra-crossing-77"}, format="json"
    )
    assert granted.status_code == 201, granted.content
    assert granted.json() == {"customer": customer.pk, "email": "zoe@acme.example", "role": "customer"}
    pair = api_client.post(TOKEN, {"email": "zoe@acme.example", "password": "zebra-crossing-77"}, format="json")
    assert pair.status_code == 200
    me = bearer(pair.json()["access"]).get(ME).json()
    assert me["role"] == "customer"
    assert me["customer"] == customer.pk
    assert me["organization"] == {"id": org_a.pk, "name": org_a.name}
    # granting again sets a new password
    again = api_admin.post(f"/api/v1/customers/{customer.pk}/portal-access/", {"password": "new-pass-phrase-88"})
    assert again.status_code == 201
    assert api_client.post(TOKEN, {"email": "zoe@acme.example", "password": "zebra-crossing-77"}).status_code == 401


@pytest.mark.parametrize(
    ("password", "field"),
    [pytest.param("123", "password", id="too-short"), pytest.param("", "password", id="blank")],
)
def test_portal_access_weak_password(api_admin, password, field):
    from model_bakery import baker

    customer = baker.make_recipe("tests.customers.customer")
    response = api_admin.post(f"/api/v1/customers/{customer.pk}/portal-access/", {"password": password})
    assert response.status_code == 400
    assert field in response.json()


def test_portal_access_refused_when_email_is_taken(api_admin, agent):
    from model_bakery import baker

    customer = baker.make_recipe("tests.customers.customer", email=agent.user.email)
    response = api_admin.post(f"/api/v1/customers/{customer.pk}/portal-access/", {"password": "zebra-crossing-77"})
    assert response.status_code == 400
    assert "email" in response.json()


def test_me_for_agents_lists_teams(api_agent, agent):
    from model_bakery import baker

    team = baker.make_recipe("tests.agents.team")
    agent.teams.add(team)
    body = api_agent.get(ME).json()
    assert body["teams"] == [team.pk]
    assert body["organization"] is None
    assert body["customer"] is None


# --- throttling ------------------------------------------------------------------------------------


def test_user_throttle_gives_429_with_retry_after(api_agent, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "3/minute"},
    }
    statuses = [api_agent.get(ME).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api_agent.get(ME)
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


def test_api_key_throttle_is_per_key(db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "api_key": "2/minute",
            "user": "1/minute",
        },
    }
    _, first = api_key_create(name="One", role=Role.AGENT)
    _, second = api_key_create(name="Two", role=Role.AGENT)
    assert [api_key_client(first).get(ME).status_code for _ in range(3)] == [200, 200, 429]
    assert api_key_client(second).get(ME).status_code == 200  # its own budget
    assert "Retry-After" in api_key_client(first).get(ME)


def test_anonymous_throttle(api_client, db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/minute"},
    }
    body = {"email": "x@example.com", "password": "wrong"}
    statuses = [api_client.post(TOKEN, body, format="json").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
