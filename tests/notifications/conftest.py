from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import pytest
from model_bakery import baker

from agents.models import Role
from notifications.models import WebhookSubscription
from tests.notifications import backends


@pytest.fixture(autouse=True)
def _fast_notifications(settings) -> None:
    """No real sleeping between email retries; loopback receivers allowed unless a test says no."""
    settings.EMAIL_RETRY_BASE_DELAY = 0
    settings.EMAIL_RETRY_MAX_DELAY = 0
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_READ_TIMEOUT = 2
    settings.WEBHOOK_CONNECT_TIMEOUT = 2
    settings.EMAIL_MESSAGE_ID_DOMAIN = "helpdesk.test"
    backends.FlakyBackend.failures = 0
    backends.FlakyBackend.calls = 0
    backends.CountingBackend.opened = 0


@pytest.fixture
def subscribe(db, httpserver) -> Callable[..., WebhookSubscription]:
    """A subscription pointing at the loopback receiver."""

    def _make(events=("ticket.created",), path="/hook", **kwargs) -> WebhookSubscription:
        return baker.make_recipe(
            "tests.notifications.webhook_subscription", url=httpserver.url_for(path), events=list(events), **kwargs
        )

    return _make


@pytest.fixture
def team_lead(make_agent):
    return make_agent(Role.SENIOR_AGENT, email="lead@support.example.com", name="Lena Lead")


@pytest.fixture
def team(team_lead):
    return baker.make_recipe("tests.agents.team", lead=team_lead.user, email="", auto_assign_priorities=[])


def _is_address_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            socket.inet_aton(host)  # the numeric IPv4 forms getaddrinfo also reads: "2130706433", "127.1"
        except OSError:
            return False
    return True


class FakeDNS:
    """Answers for host names (a lookup leaves the machine, so tests answer it): `answers[name]` is the
    list of addresses returned in that order; a name not listed does not resolve (socket.gaierror), and
    an address literal is left to the real getaddrinfo. `lookups` records (host, port, type) asked."""

    def __init__(self, real_getaddrinfo) -> None:
        self.answers: dict[str, list[str]] = {}
        self.lookups: list[tuple] = []
        self.on_lookup: Callable[[], None] | None = None
        self._real = real_getaddrinfo

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        self.lookups.append((host, port, type))
        if self.on_lookup is not None:
            self.on_lookup()
        if isinstance(host, str):
            host.encode("idna")  # what the real call does first: UnicodeError for a malformed name
        if host not in self.answers:
            if not _is_address_literal(host):
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return self._real(host, port, family, type, proto, flags)
        results = []
        for address in self.answers[host]:
            if ":" in address:
                results.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                results.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return results


@pytest.fixture
def dns(monkeypatch) -> FakeDNS:
    fake = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    return fake
