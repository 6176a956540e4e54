"""Shared fixtures: people of every role, two organisations with a customer each, and clients.
Also the suite-wide rules: the `postgres` marker and the guard that keeps tests on loopback."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import pytest
from model_bakery import baker
from pytest_socket import SocketBlockedError

from agents.models import Agent, Role
from agents.services import agent_create
from customers.models import Customer, Organization

PASSWORD = "correct-horse-battery-staple"

# Names a test may look up: pytest-socket (`--allow-hosts` in pytest.ini) refuses connections to
# anything but loopback, and this refuses DNS lookups of anything else (a lookup leaves the machine too).
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def pytest_collection_modifyitems(config, items) -> None:
    """`@pytest.mark.postgres(reason=...)`: the test needs PostgreSQL; on any other database it is
    skipped, naming what it needs. The one place the marker is implemented."""
    from django.db import connections

    vendor = connections["default"].vendor
    if vendor == "postgresql":
        return
    for item in items:
        marker = item.get_closest_marker("postgres")
        if marker is not None:
            needs = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            reason = f"needs PostgreSQL ({needs})" if needs else "needs PostgreSQL"
            item.add_marker(pytest.mark.skip(reason=f"{reason}; the database is {vendor}"))


def _is_loopback_or_literal(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("idna")
    host = str(host).rstrip(".").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        try:
            socket.inet_aton(host)  # the numeric IPv4 forms getaddrinfo also reads: "2130706433", "127.1"
        except OSError:
            return False
    return True  # an address literal needs no lookup; connecting to it is pytest-socket's call


@pytest.fixture(autouse=True)
def _no_dns_beyond_loopback(monkeypatch) -> None:
    """A test that looks up a real host name fails instead of asking a DNS server."""
    real_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host, *args, **kwargs):
        if not _is_loopback_or_literal(host):
            raise SocketBlockedError(f"A test tried to resolve {host!r}; tests stay on loopback.")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    """Uploaded files go to a per-test folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def make_agent(db) -> Callable[..., Agent]:
    counter = iter(range(1, 10_000))

    def _make(role: str = Role.AGENT, **kwargs) -> Agent:
        n = next(counter)
        kwargs.setdefault("email", f"{role}{n}@support.example.com")
        kwargs.setdefault("name", f"{role.replace('_', ' ').title()} {n}")
        kwargs.setdefault("password", PASSWORD)
        return agent_create(role=role, **kwargs)

    return _make


@pytest.fixture
def admin_agent(make_agent) -> Agent:
    return make_agent(Role.ADMIN)


@pytest.fixture
def senior_agent(make_agent) -> Agent:
    return make_agent(Role.SENIOR_AGENT)


@pytest.fixture
def agent(make_agent) -> Agent:
    return make_agent(Role.AGENT)


@pytest.fixture
def viewer_agent(make_agent) -> Agent:
    return make_agent(Role.VIEWER)


@pytest.fixture
def login(client, make_agent) -> Callable[[str], Agent]:
    """Log the Django test client in as a new agent of `role`; returns the agent."""

    def _login(role: str) -> Agent:
        agent = make_agent(role)
        client.force_login(agent.user)
        return agent

    return _login


@pytest.fixture
def admin_client_(client, admin_agent):
    """The test client logged in as an admin agent (pytest-django's `admin_client` has no agent
    profile, so it would be a superuser outside the roles)."""
    client.force_login(admin_agent.user)
    return client


@pytest.fixture
def org_a(db) -> Organization:
    return baker.make_recipe("tests.customers.organization", name="Acme Corp")


@pytest.fixture
def org_b(db) -> Organization:
    return baker.make_recipe("tests.customers.organization", name="Globex")


@pytest.fixture
def customer_a(org_a, django_user_model) -> Customer:
    """A customer of organisation A with a portal login."""
    user = django_user_model.objects.create_user(email="alice@acme.example", password=PASSWORD, name="Alice")
    return baker.make_recipe(
        "tests.customers.customer", email="alice@acme.example", name="Alice", organization=org_a, user=user
    )


@pytest.fixture
def customer_b(org_b, django_user_model) -> Customer:
    """A customer of organisation B with a portal login."""
    user = django_user_model.objects.create_user(email="bob@globex.example", password=PASSWORD, name="Bob")
    return baker.make_recipe(
        "tests.customers.customer", email="bob@globex.example", name="Bob", organization=org_b, user=user
    )


@pytest.fixture
def ticket(customer_a):
    return baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)


# --- API clients (issue 4) ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Throttle counters (and anything else cached) never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api_client():
    """An unauthenticated DRF client."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_client_for(db) -> Callable:
    """`api_client_for(user)`: a DRF client sending a real JWT access token for `user`."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    def _make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        client.user = user
        return client

    return _make


@pytest.fixture
def admin_token(admin_agent) -> str:
    """A JWT access token of an admin agent, for clients other than DRF's (schemathesis)."""
    from rest_framework_simplejwt.tokens import AccessToken

    return str(AccessToken.for_user(admin_agent.user))


@pytest.fixture
def api_admin(api_client_for, admin_agent):
    return api_client_for(admin_agent.user)


@pytest.fixture
def api_senior_agent(api_client_for, senior_agent):
    return api_client_for(senior_agent.user)


@pytest.fixture
def api_agent(api_client_for, agent):
    return api_client_for(agent.user)


@pytest.fixture
def api_viewer(api_client_for, viewer_agent):
    return api_client_for(viewer_agent.user)


@pytest.fixture
def api_customer_a(api_client_for, customer_a):
    """The portal customer of organisation A."""
    return api_client_for(customer_a.user)


@pytest.fixture
def api_customer_b(api_client_for, customer_b):
    """The portal customer of organisation B."""
    return api_client_for(customer_b.user)
