"""HTTPS webhooks (notifications/webhooks.py `post`) against a real TLS receiver on loopback: the
certificate is verified against the URL's host name (not the pinned address), the name is sent as
SNI, and the Host header leaves out a default port. hooks.example is answered 127.0.0.1 by the
`dns` fixture; the receivers' certificates come from a throw-away CA trusted through SSL_CERT_FILE."""

from __future__ import annotations

import errno

import pytest

from notifications import webhooks
from notifications.webhooks import Response
from tests.notifications.receivers import Answer, Receiver, make_certificates


@pytest.fixture(autouse=True)
def _hooks_example(dns, settings):
    dns.answers = {"hooks.example": ["127.0.0.1"]}
    settings.WEBHOOK_CONNECT_TIMEOUT = 2
    settings.WEBHOOK_READ_TIMEOUT = 2


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    return {
        "hooks.example": make_certificates(folder / "hooks", ["hooks.example"]),
        "other.example": make_certificates(folder / "other", ["other.example"]),
    }


def _receiver(certificates, name: str, port: int = 0, host: str = "127.0.0.1") -> Receiver:
    try:
        return Receiver(host=host, port=port, tls=certificates[name].server_context() if name else None)
    except OSError as exc:  # pragma: no cover - a privileged port needs root, and must be free
        if exc.errno in (errno.EACCES, errno.EADDRINUSE):
            pytest.skip(f"cannot listen on {host} port {port}: {exc}")
        raise


def test_a_certificate_for_the_host_name_is_accepted_and_the_name_is_sent_as_sni(certificates, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["hooks.example"].ca))
    receiver = _receiver(certificates, "hooks.example")
    receiver.answer = Answer(200, b"secure ok")
    try:
        response = webhooks.post(url=f"https://hooks.example:{receiver.port}/secure?x=1", body=b"{}", headers={})
    finally:
        receiver.close()

    assert (response.status, response.excerpt, response.error) == (200, "secure ok", "")
    [seen] = receiver.requests
    assert (seen.target, seen.server_name, seen.header("Host")) == (
        "/secure?x=1",
        "hooks.example",
        f"hooks.example:{receiver.port}",
    )


def test_a_certificate_for_another_name_is_refused(certificates, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["other.example"].ca))
    receiver = _receiver(certificates, "other.example")
    try:
        response = webhooks.post(url=f"https://hooks.example:{receiver.port}/secure", body=b"{}", headers={})
    finally:
        receiver.close()

    assert response == Response(
        status=None,
        excerpt="",
        duration_ms=response.duration_ms,
        error="connection error: hostname 'hooks.example' doesn't match 'other.example'",
    )
    assert receiver.requests == []


def test_a_certificate_from_an_untrusted_authority_is_refused(certificates, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["other.example"].ca))  # not the receiver's CA
    receiver = _receiver(certificates, "hooks.example")
    try:
        response = webhooks.post(url=f"https://hooks.example:{receiver.port}/secure", body=b"{}", headers={})
    finally:
        receiver.close()

    assert (response.status, response.excerpt) == (None, "")
    assert response.error.startswith(
        "connection error: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed:"
        " unable to get local issuer certificate"
    ), response.error
    assert receiver.requests == []


def test_https_on_its_default_port_sends_the_bare_host_name(certificates, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["hooks.example"].ca))
    receiver = _receiver(certificates, "hooks.example", port=443)
    try:
        response = webhooks.post(url="https://hooks.example/default", body=b"{}", headers={})
    finally:
        receiver.close()

    assert response.status == 200
    assert receiver.requests[0].header("Host") == "hooks.example"


def test_http_on_its_default_port_sends_the_bare_host_name(certificates):
    receiver = _receiver(certificates, "", port=80)
    try:
        response = webhooks.post(url="http://hooks.example/default", body=b"{}", headers={})
    finally:
        receiver.close()

    assert response.status == 200
    assert receiver.requests[0].header("Host") == "hooks.example"


def test_an_ipv6_literal_on_the_default_port_sends_the_bracketed_address(certificates):
    receiver = _receiver(certificates, "", port=80, host="::1")
    try:
        response = webhooks.post(url="http://[::1]/default", body=b"{}", headers={})
    finally:
        receiver.close()

    assert response.status == 200
    assert receiver.requests[0].header("Host") == "[::1]"
