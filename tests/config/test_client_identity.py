"""Whose address a request is, for rate limits: the peer unless proxies are configured."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from config.api.throttling import client_address


@pytest.mark.parametrize(
    ("num_proxies", "trusted", "remote", "forwarded", "expected"),
    [
        pytest.param(0, [], "192.0.2.10", "", "192.0.2.10", id="no-proxy-no-header"),
        pytest.param(0, [], "192.0.2.10", "203.0.113.9", "192.0.2.10", id="no-proxy-header-ignored"),
        pytest.param(1, [], "10.0.0.2", "203.0.113.9", "203.0.113.9", id="one-proxy"),
        pytest.param(1, [], "10.0.0.2", "6.6.6.6, 203.0.113.9", "203.0.113.9", id="one-proxy-forged-prefix"),
        pytest.param(2, [], "10.0.0.3", "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9", id="two-proxies"),
        pytest.param(2, [], "10.0.0.3", "203.0.113.9", "203.0.113.9", id="two-proxies-short-chain"),
        pytest.param(1, [], "10.0.0.2", "", "10.0.0.2", id="one-proxy-no-header"),
        pytest.param(0, ["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 203.0.113.9", "203.0.113.9", id="trusted-network"),
        pytest.param(
            0, ["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 203.0.113.9, 10.1.1.1", "203.0.113.9", id="trusted-two-hops"
        ),
        pytest.param(0, ["10.0.0.0/8"], "192.0.2.10", "203.0.113.9", "192.0.2.10", id="untrusted-peer"),
        pytest.param(0, ["10.0.0.2"], "10.0.0.2", "garbage, 203.0.113.9", "203.0.113.9", id="trusted-single-address"),
        pytest.param(0, ["10.0.0.0/8"], "10.0.0.2", "10.0.0.5", "10.0.0.5", id="all-trusted-leftmost"),
    ],
)
def test_client_address(settings, num_proxies, trusted, remote, forwarded, expected):
    settings.NUM_PROXIES = num_proxies
    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


def test_no_proxy_is_the_default(settings):
    assert settings.NUM_PROXIES == 0
    assert settings.TRUSTED_PROXIES == []
