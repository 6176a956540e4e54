"""Login rate limits: per address (which a client cannot choose with X-Forwarded-For unless a proxy
is configured) and per account; the refresh endpoint per address too."""

from __future__ import annotations

import pytest
import rest_framework_simplejwt.serializers as jwt_serializers

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"


def _rates(settings, **rates: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """The emails that reached the password check (simplejwt's call to authenticate())."""
    seen: list[str] = []
    real = jwt_serializers.authenticate

    def spy(request=None, **credentials):
        seen.append(credentials.get("email", ""))
        return real(request, **credentials)

    monkeypatch.setattr(jwt_serializers, "authenticate", spy)
    return seen


def test_forty_guesses_with_forged_forwarded_for_reach_the_password_check_five_times(
    api_client, agent, settings, password_checks
):
    _rates(settings, anon="5/hour")
    statuses = [
        api_client.post(
            TOKEN,
            {"email": agent.user.email, "password": f"guess-{n}"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(40)
    ]

    assert len(password_checks) == 5
    assert statuses == [401] * 5 + [429] * 35


def test_the_account_limit_holds_across_addresses(api_client, agent, settings, password_checks):
    _rates(settings, login_account="3/hour")
    statuses = [
        api_client.post(
            TOKEN,
            {"email": agent.user.email.upper(), "password": "wrong"},
            format="json",
            REMOTE_ADDR=f"198.51.100.{n}",
        ).status_code
        for n in range(6)
    ]

    assert statuses == [401, 401, 401, 429, 429, 429]
    assert len(password_checks) == 3


def test_the_account_limit_is_per_account(api_client, agent, senior_agent, settings):
    _rates(settings, login_account="1/hour")
    body = {"email": agent.user.email, "password": "wrong"}
    other = {"email": senior_agent.user.email, "password": "wrong"}

    assert api_client.post(TOKEN, body, format="json").status_code == 401
    assert api_client.post(TOKEN, body, format="json").status_code == 429
    assert api_client.post(TOKEN, other, format="json").status_code == 401


def test_the_address_limit_counts_logins_to_every_account(api_client, agent, senior_agent, settings):
    _rates(settings, login_address="2/hour")
    first = api_client.post(TOKEN, {"email": agent.user.email, "password": "x"}, format="json")
    second = api_client.post(TOKEN, {"email": senior_agent.user.email, "password": "x"}, format="json")
    third = api_client.post(TOKEN, {"email": "nobody@example.com", "password": "x"}, format="json")

    assert [first.status_code, second.status_code, third.status_code] == [401, 401, 429]
    assert int(third["Retry-After"]) > 0


def test_refresh_is_limited_per_address(api_client, db, settings):
    _rates(settings, login_address="2/hour")
    statuses = [
        api_client.post(REFRESH, {"refresh": "junk"}, format="json", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(3)
    ]

    assert statuses == [401, 401, 429]


def test_behind_one_configured_proxy_each_client_has_its_own_budget(api_client, agent, settings):
    _rates(settings, anon="1/hour")
    settings.NUM_PROXIES = 1
    body = {"email": agent.user.email, "password": "wrong"}

    def attempt(client_ip: str) -> int:
        return api_client.post(
            TOKEN, body, format="json", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {client_ip}"
        ).status_code

    assert [attempt("198.51.100.7"), attempt("198.51.100.7"), attempt("198.51.100.8")] == [401, 429, 401]


def test_the_admin_login_form_shares_the_limits(client, agent, settings, monkeypatch):
    import django.contrib.auth.forms as auth_forms

    _rates(settings, login_address="2/hour")
    checked: list[str] = []
    real = auth_forms.authenticate

    def spy(request=None, **credentials):
        checked.append(credentials.get("username", ""))
        return real(request, **credentials)

    monkeypatch.setattr(auth_forms, "authenticate", spy)
    pages = [
        client.post(
            "/admin/login/", {"username": agent.user.email, "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        )
        for n in range(3)
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert "Too many login attempts" in pages[2].content.decode()
    assert "Too many login attempts" not in pages[1].content.decode()
    assert len(checked) == 2
