"""One webhook POST (notifications/webhooks.py `post`) against a real receiver on loopback: the exact
request it gets, the exact Response for each answer, timeouts, refusals and TLS. hooks.example is
answered 127.0.0.1 by the `dns` fixture; 127.0.0.1 is a private address, so these tests allow private
URLs (as tests/notifications/conftest.py does) unless they say otherwise."""

from __future__ import annotations

import gzip
import re
import socket
import threading

import pytest
from freezegun import freeze_time

from notifications import webhooks
from notifications.webhooks import Response
from tests.notifications.receivers import Answer, Receiver

BODY = b'{"type":"ticket.created","data":{"ticket":{"id":7}}}'
SIGNED = {"webhook-id": "msg_1", "webhook-timestamp": "1764700000", "webhook-signature": "v1,c2lnbmF0dXJl"}


@pytest.fixture(autouse=True)
def _hooks_example(dns, settings):
    dns.answers = {"hooks.example": ["127.0.0.1"], "private.example": ["10.0.0.1"]}
    settings.WEBHOOK_USER_AGENT = "Helpdesk-Webhooks/1.0 (tests)"
    settings.WEBHOOK_RESPONSE_EXCERPT_BYTES = 2000
    settings.WEBHOOK_CONNECT_TIMEOUT = 2
    settings.WEBHOOK_READ_TIMEOUT = 2


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def test_the_receiver_gets_exactly_this_request(receiver):
    receiver.answer = Answer(200, b"thanks")

    with freeze_time("2026-12-01 10:00:00"):
        url = f"http://hooks.example:{receiver.port}/in/hook?tenant=7"
        response = webhooks.post(url=url, body=BODY, headers=SIGNED)

    assert response == Response(status=200, excerpt="thanks", duration_ms=0, error="")
    [seen] = receiver.requests
    assert (seen.method, seen.target, seen.body) == ("POST", "/in/hook?tenant=7", BODY)
    assert dict(seen.headers) == {
        "Accept-Encoding": "identity",
        "Content-Length": "52",
        "Content-Type": "application/json",
        "User-Agent": "Helpdesk-Webhooks/1.0 (tests)",
        "Host": f"hooks.example:{receiver.port}",
        "webhook-id": "msg_1",
        "webhook-timestamp": "1764700000",
        "webhook-signature": "v1,c2lnbmF0dXJl",
    }


def test_the_callers_headers_win_over_the_defaults(receiver):
    webhooks.post(
        url=f"http://hooks.example:{receiver.port}/",
        body=b"{}",
        headers={"Content-Type": "application/cloudevents+json", "User-Agent": "Custom/2"},
    )

    [seen] = receiver.requests
    assert (seen.target, seen.header("Content-Type"), seen.header("User-Agent")) == (
        "/",
        "application/cloudevents+json",
        "Custom/2",
    )


def test_an_ipv6_literal_is_called_with_a_bracketed_host_header():
    receiver = Receiver(host="::1")
    try:
        response = webhooks.post(url=f"http://[::1]:{receiver.port}/v6", body=b"{}", headers={})
    finally:
        receiver.close()

    assert response.status == 200
    assert receiver.requests[0].header("Host") == f"[::1]:{receiver.port}"


@pytest.mark.parametrize(
    ("answer", "excerpt_bytes", "expected"),
    [
        pytest.param(Answer(204), 2000, Response(204, "", 0), id="204-empty"),
        pytest.param(Answer(500, b"boom"), 2000, Response(500, "boom", 0), id="500"),
        pytest.param(Answer(410, b"gone"), 2000, Response(410, "gone", 0), id="410"),
        pytest.param(Answer(302, b"moved", {"Location": "/elsewhere"}), 2000, Response(302, "moved", 0), id="302"),
        pytest.param(Answer(200, b"abcdefgh"), 5, Response(200, "abcde", 0), id="cut-to-the-limit"),
        pytest.param(Answer(200, "héllo".encode()), 2, Response(200, "h\ufffd", 0), id="cut-inside-a-character"),
        pytest.param(Answer(200, b"\xff\xfeok"), 2000, Response(200, "\ufffd\ufffdok", 0), id="not-utf8"),
        pytest.param(
            Answer(200, gzip.compress(b"compressed answer"), {"Content-Encoding": "gzip"}),
            2000,
            Response(200, "compressed answer", 0),
            id="gzip-decoded",
        ),
        pytest.param(
            Answer(200, gzip.compress(b"compressed answer"), {"Content-Encoding": "gzip"}),
            5,
            Response(200, "compr", 0),
            id="gzip-cut-after-decoding",
        ),
    ],
)
def test_the_answer_becomes_this_response(settings, receiver, answer, excerpt_bytes, expected):
    settings.WEBHOOK_RESPONSE_EXCERPT_BYTES = excerpt_bytes
    receiver.answer = answer

    with freeze_time("2026-12-01 10:00:00"):
        response = webhooks.post(url=f"http://hooks.example:{receiver.port}/hook", body=BODY, headers={})

    assert response == expected
    assert [seen.target for seen in receiver.requests] == ["/hook"]  # a redirect is not followed


def test_the_duration_is_the_time_the_call_took_in_milliseconds(receiver):
    with freeze_time("2026-12-01 10:00:00") as frozen:
        receiver.on_request = lambda _seen: frozen.tick(1.5)
        response = webhooks.post(url=f"http://hooks.example:{receiver.port}/hook", body=BODY, headers={})

    assert response == Response(status=200, excerpt="", duration_ms=1500, error="")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        pytest.param("ftp://hooks.example/hook", "The URL must be an absolute http(s) URL.", id="scheme"),
        pytest.param("http://hooks.example/hook", "The URL must use https.", id="plain-http"),
        pytest.param("https://nowhere.example/", "The host nowhere.example does not resolve.", id="unknown"),
        pytest.param(
            "https://private.example/",
            "The URL resolves to a non-public address (10.0.0.1); it is not allowed.",
            id="private",
        ),
    ],
)
def test_a_refused_url_is_not_called_and_the_refusal_is_the_error(settings, dns, url, error):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOK_REQUIRE_HTTPS = True

    with freeze_time("2026-12-01 10:00:00"):
        response = webhooks.post(url=url, body=BODY, headers={})

    assert response == Response(status=None, excerpt="", duration_ms=0, error=error)


def test_a_refusal_after_a_slow_lookup_reports_the_time_spent(settings, dns):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False

    with freeze_time("2026-12-01 10:00:00") as frozen:
        dns.on_lookup = lambda: frozen.tick(0.75)
        response = webhooks.post(url="https://private.example/", body=BODY, headers={})

    assert response.duration_ms == 750


def test_the_address_rule_is_applied_when_sending(settings, receiver):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOK_REQUIRE_HTTPS = False

    response = webhooks.post(url=f"http://hooks.example:{receiver.port}/hook", body=BODY, headers={})

    assert response.error == "The URL resolves to a non-public address (127.0.0.1); it is not allowed."
    assert receiver.requests == []


def test_a_slow_receiver_is_a_read_timeout(settings, receiver):
    settings.WEBHOOK_READ_TIMEOUT = 0.2
    settings.WEBHOOK_CONNECT_TIMEOUT = 5
    released = threading.Event()
    receiver.on_request = lambda _seen: released.wait(5)

    try:
        response = webhooks.post(url=f"http://hooks.example:{receiver.port}/hook", body=BODY, headers={})
    finally:
        released.set()

    assert (response.status, response.excerpt) == (None, "")
    assert response.error == (
        f"timeout: HTTPConnectionPool(host='127.0.0.1', port={receiver.port}): Read timed out. (read timeout=0.2)"
    )
    assert 200 <= response.duration_ms < 2000


def test_a_receiver_that_never_accepts_is_a_connect_timeout(settings):
    settings.WEBHOOK_CONNECT_TIMEOUT = 0.2
    settings.WEBHOOK_READ_TIMEOUT = 5
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)  # a full backlog: the next connection attempt gets no answer
    port = listener.getsockname()[1]
    queued = []
    for _ in range(3):
        waiting = socket.socket()
        waiting.setblocking(False)
        waiting.connect_ex(("127.0.0.1", port))
        queued.append(waiting)

    try:
        response = webhooks.post(url=f"http://hooks.example:{port}/hook", body=BODY, headers={})
    finally:
        for waiting in queued:
            waiting.close()
        listener.close()

    assert (response.status, response.excerpt) == (None, "")
    assert re.fullmatch(
        rf"timeout: \(<HTTPConnection\(host='127\.0\.0\.1', port={port}\) at 0x[0-9a-f]+>,"
        r" 'Connection to 127\.0\.0\.1 timed out\. \(connect timeout=0\.2\)'\)",
        response.error,
    ), response.error
    assert 200 <= response.duration_ms < 2000


def test_nobody_listening_is_a_connection_error():
    unused = socket.socket()
    unused.bind(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()

    response = webhooks.post(url=f"http://hooks.example:{port}/hook", body=BODY, headers={})

    assert (response.status, response.excerpt) == (None, "")
    assert response.error == (
        f"connection error: HTTPConnection(host='127.0.0.1', port={port}):"
        " Failed to establish a new connection: [Errno 111] Connection refused"
    )
