"""Receiver URLs (notifications/webhooks.py), exactly: the target every accepted URL is pinned to,
the refusal of every refused one word for word, the DNS lookup made, and what the two settings
decide. Host names are answered by the `dns` fixture (tests/notifications/conftest.py)."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError

from notifications import webhooks
from notifications.webhooks import Target

PUBLIC = "93.184.215.14"
INVALID = "Enter a valid URL."
ABSOLUTE = "The URL must be an absolute http(s) URL."
HTTPS = "The URL must use https."
CREDENTIALS = "Credentials in the URL are not allowed; sign with the secret instead."
LONG_LABEL = "a" * 64


def _non_public(ip: str) -> str:
    return f"The URL resolves to a non-public address ({ip}); it is not allowed."


@pytest.fixture
def production_rules(settings, dns):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOK_REQUIRE_HTTPS = True
    dns.answers = {
        "hooks.example": [PUBLIC],
        "two.example": [PUBLIC, "8.8.8.8", PUBLIC],
        "v6.example": ["2606:4700:4700::1111", PUBLIC],
        "mixed.example": [PUBLIC, "10.0.0.1", "192.168.0.1"],
        "private.example": ["192.168.0.1", "10.0.0.1"],
        "empty.example": [],  # a resolver answering no address at all
    }
    return dns


@pytest.mark.usefixtures("production_rules")
@pytest.mark.parametrize(
    ("url", "target"),
    [
        pytest.param("https://hooks.example/hook", Target("https", "hooks.example", 443, "/hook", PUBLIC), id="name"),
        pytest.param("https://Hooks.Example:8443", Target("https", "hooks.example", 8443, "/", PUBLIC), id="port"),
        pytest.param("HTTPS://hooks.example/", Target("https", "hooks.example", 443, "/", PUBLIC), id="upper-scheme"),
        pytest.param("https://hooks.example:443/x", Target("https", "hooks.example", 443, "/x", PUBLIC), id="443"),
        pytest.param(
            "https://hooks.example?a=1&b=2", Target("https", "hooks.example", 443, "/?a=1&b=2", PUBLIC), id="query"
        ),
        pytest.param("https://hooks.example/?", Target("https", "hooks.example", 443, "/", PUBLIC), id="empty-query"),
        pytest.param(
            "https://hooks.example/a/b/?x=%20y#top",
            Target("https", "hooks.example", 443, "/a/b/?x=%20y", PUBLIC),
            id="fragment-dropped",
        ),
        pytest.param("https://two.example/", Target("https", "two.example", 443, "/", PUBLIC), id="first-answer"),
        pytest.param(
            "https://v6.example/", Target("https", "v6.example", 443, "/", "2606:4700:4700::1111"), id="v6-answer"
        ),
        pytest.param(f"https://{PUBLIC}/", Target("https", PUBLIC, 443, "/", PUBLIC), id="v4-literal"),
        pytest.param(
            "https://[2606:4700:4700::1111]:8443/h",
            Target("https", "2606:4700:4700::1111", 8443, "/h", "2606:4700:4700::1111"),
            id="v6-literal",
        ),
    ],
)
def test_an_accepted_url_is_pinned_to_this_target(url, target):
    assert webhooks.resolve(url) == target


@pytest.mark.usefixtures("production_rules")
@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("https://hooks.example:99999/", INVALID, id="port-out-of-range"),
        pytest.param("https://hooks.example:port/", INVALID, id="port-not-a-number"),
        pytest.param("https://[::1/", INVALID, id="unclosed-bracket"),
        pytest.param("ftp://hooks.example/", ABSOLUTE, id="ftp"),
        pytest.param("hooks.example/hook", ABSOLUTE, id="no-scheme"),
        pytest.param("//hooks.example/hook", ABSOLUTE, id="scheme-relative"),
        pytest.param("https:///hook", ABSOLUTE, id="no-host"),
        pytest.param("https://:8443/hook", ABSOLUTE, id="port-without-host"),
        pytest.param("", ABSOLUTE, id="empty"),
        pytest.param("ftp://user@hooks.example/", ABSOLUTE, id="scheme-before-credentials"),
        pytest.param("http://hooks.example/", HTTPS, id="plain-http"),
        pytest.param("http://user@hooks.example/", HTTPS, id="https-before-credentials"),
        pytest.param("https://user@hooks.example/", CREDENTIALS, id="user"),
        pytest.param("https://:secret@hooks.example/", CREDENTIALS, id="password-only"),
        pytest.param("https://user:@hooks.example/", CREDENTIALS, id="user-empty-password"),
        pytest.param("https://user:pw@10.0.0.1/", CREDENTIALS, id="credentials-before-address"),
        pytest.param("https://nowhere.example/", "The host nowhere.example does not resolve.", id="unknown-name"),
        pytest.param("https://empty.example/", "The host empty.example does not resolve.", id="no-address"),
        pytest.param(
            f"https://{LONG_LABEL}.example/",
            f"The host {LONG_LABEL}.example does not resolve.",
            id="label-too-long",
        ),
        pytest.param("https://10.0.0.1/", _non_public("10.0.0.1"), id="private-literal"),
        pytest.param("https://mixed.example/", _non_public("10.0.0.1"), id="one-private-answer"),
        pytest.param("https://private.example/", _non_public("192.168.0.1"), id="first-blocked-named"),
        pytest.param("https://[::ffff:127.0.0.1]/", _non_public("::ffff:127.0.0.1"), id="mapped-loopback"),
        pytest.param("https://2130706433/", _non_public("127.0.0.1"), id="decimal-loopback"),
    ],
)
def test_a_refused_url_names_the_field_and_the_reason(url, message):
    with pytest.raises(ValidationError) as excinfo:
        webhooks.resolve(url)

    assert excinfo.value.message_dict == {"url": [message]}


def test_the_lookup_asks_for_tcp_on_the_port_to_be_called(production_rules, settings):
    webhooks.resolve("https://hooks.example/a")
    webhooks.resolve("https://hooks.example:8443/b")
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    webhooks.resolve("http://hooks.example/c")

    assert production_rules.lookups == [
        ("hooks.example", 443, socket.SOCK_STREAM),
        ("hooks.example", 8443, socket.SOCK_STREAM),
        ("hooks.example", 80, socket.SOCK_STREAM),
    ]


def test_with_private_urls_allowed_plain_http_and_private_addresses_pass(settings, dns):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_REQUIRE_HTTPS = True
    dns.answers = {"intranet.example": ["10.0.0.7", "10.0.0.8"]}

    assert webhooks.resolve("http://intranet.example/in") == Target("http", "intranet.example", 80, "/in", "10.0.0.7")
    assert webhooks.resolve("https://127.0.0.1:8443") == Target("https", "127.0.0.1", 8443, "/", "127.0.0.1")
    with pytest.raises(ValidationError) as excinfo:
        webhooks.resolve("http://user:pw@intranet.example/")
    assert excinfo.value.message_dict == {"url": [CREDENTIALS]}


OK = None  # accepted


# (WEBHOOK_ALLOW_PRIVATE_URLS, WEBHOOK_REQUIRE_HTTPS), "unset" when the setting is absent:
# the outcome for http to a public address, https to a private one, http to a private one.
@pytest.mark.parametrize(
    ("allow_private", "require_https", "http_public", "https_private", "http_private"),
    [
        pytest.param("unset", "unset", HTTPS, _non_public("10.0.0.1"), HTTPS, id="both-unset"),
        pytest.param("unset", False, OK, _non_public("10.0.0.1"), _non_public("10.0.0.1"), id="allow-unset"),
        pytest.param(False, "unset", HTTPS, _non_public("10.0.0.1"), HTTPS, id="https-unset"),
        pytest.param(False, True, HTTPS, _non_public("10.0.0.1"), HTTPS, id="production"),
        pytest.param(False, False, OK, _non_public("10.0.0.1"), _non_public("10.0.0.1"), id="http-allowed"),
        pytest.param(True, "unset", OK, OK, OK, id="private-allowed"),
        pytest.param(True, True, OK, OK, OK, id="private-lifts-https"),
    ],
)
def test_what_the_settings_allow(settings, allow_private, require_https, http_public, https_private, http_private):
    for name, value in (("WEBHOOK_ALLOW_PRIVATE_URLS", allow_private), ("WEBHOOK_REQUIRE_HTTPS", require_https)):
        if value == "unset":
            delattr(settings, name)
        else:
            setattr(settings, name, value)

    for url, expected in (
        (f"http://{PUBLIC}/", http_public),
        ("https://10.0.0.1/", https_private),
        ("http://10.0.0.1/", http_private),
    ):
        if expected is OK:
            assert webhooks.validate_url(url) == url
        else:
            with pytest.raises(ValidationError) as excinfo:
                webhooks.validate_url(url)
            assert excinfo.value.message_dict == {"url": [expected]}, url


@pytest.mark.usefixtures("production_rules")
def test_validate_url_returns_the_url_as_given():
    url = "HTTPS://Hooks.Example:8443/a?b=1#c"

    assert webhooks.validate_url(url) == url
