"""The suite's own rules (tests/conftest.py, pytest.ini): tests stay on loopback, and the
`postgres` marker skips with a reason off PostgreSQL."""

from __future__ import annotations

import socket
import urllib.request
from types import SimpleNamespace

import pytest
from pytest_socket import SocketBlockedError, SocketConnectBlockedError

from tests import conftest


@pytest.mark.parametrize(
    "address",
    [
        pytest.param(("203.0.113.7", 443), id="public-ipv4"),
        pytest.param(("10.1.2.3", 80), id="private-ipv4"),
        pytest.param(("2001:db8::1", 443, 0, 0), id="ipv6"),
    ],
)
def test_a_connection_beyond_loopback_fails_the_test(address):
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with (
        pytest.warns(UserWarning, match="tried to use socket"),
        socket.socket(family, socket.SOCK_STREAM) as sock,
        pytest.raises(SocketConnectBlockedError),
    ):
        sock.connect(address)
    with pytest.warns(UserWarning, match="tried to use socket"), pytest.raises(SocketConnectBlockedError):
        socket.create_connection(address[:2], timeout=1)


@pytest.mark.parametrize(
    "host", [pytest.param("example.com", id="name"), pytest.param(b"hooks.example.org", id="bytes-name")]
)
def test_a_dns_lookup_beyond_loopback_fails_the_test(host):
    with (
        pytest.warns(UserWarning, match="tried to resolve"),
        pytest.raises(SocketBlockedError, match="tests stay on loopback"),
    ):
        socket.getaddrinfo(host, 443)


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("localhost", id="localhost"),
        pytest.param("127.0.0.1", id="ipv4-literal"),
        pytest.param("::1", id="ipv6-literal"),
        pytest.param("203.0.113.7", id="public-literal-needs-no-lookup"),
        pytest.param("2130706433", id="decimal-ipv4-literal"),
    ],
)
def test_loopback_names_and_address_literals_resolve(host):
    assert socket.getaddrinfo(host, 80, type=socket.SOCK_STREAM)


def test_a_loopback_server_answers(httpserver):
    httpserver.expect_request("/ping").respond_with_data("pong")
    with urllib.request.urlopen(httpserver.url_for("/ping"), timeout=2) as response:
        assert response.read() == b"pong"


class _Item:
    def __init__(self, marker):
        self.marker = marker
        self.added: list = []

    def get_closest_marker(self, name):
        return self.marker if name == "postgres" else None

    def add_marker(self, marker):
        self.added.append(marker)


def _skip_reasons(vendor: str, monkeypatch, *markers) -> list[list[str]]:
    from django.db import connections

    monkeypatch.setattr(type(connections["default"]), "vendor", vendor)
    items = [_Item(marker) for marker in markers]
    conftest.pytest_collection_modifyitems(config=None, items=items)
    return [[m.kwargs["reason"] for m in item.added] for item in items]


def test_postgres_marker_skips_with_its_reason_elsewhere(monkeypatch):
    reasons = _skip_reasons(
        "sqlite",
        monkeypatch,
        SimpleNamespace(args=(), kwargs={"reason": "row locks"}),
        SimpleNamespace(args=("query plans",), kwargs={}),
        SimpleNamespace(args=(), kwargs={}),
        None,
    )
    assert reasons == [
        ["needs PostgreSQL (row locks); the database is sqlite"],
        ["needs PostgreSQL (query plans); the database is sqlite"],
        ["needs PostgreSQL; the database is sqlite"],
        [],
    ]


def test_postgres_marker_runs_on_postgresql(monkeypatch):
    assert _skip_reasons("postgresql", monkeypatch, SimpleNamespace(args=(), kwargs={"reason": "x"})) == [[]]
