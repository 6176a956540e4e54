"""SSRF: which receiver URLs may be saved and called."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from notifications import subscriptions, webhooks

PUBLIC_IP = "93.184.215.14"


@pytest.fixture
def production_rules(settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOK_REQUIRE_HTTPS = True


@pytest.mark.usefixtures("production_rules")
@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("https://127.0.0.1/hook", "non-public", id="loopback-v4"),
        pytest.param("https://localhost/hook", "non-public", id="localhost-name"),
        pytest.param("https://[::1]/hook", "non-public", id="loopback-v6"),
        pytest.param("https://10.1.2.3/hook", "non-public", id="private-10"),
        pytest.param("https://172.16.0.1/hook", "non-public", id="private-172"),
        pytest.param("https://192.168.1.10/hook", "non-public", id="private-192"),
        pytest.param("https://169.254.169.254/latest/meta-data", "non-public", id="cloud-metadata-link-local"),
        pytest.param("https://[fe80::1]/hook", "non-public", id="link-local-v6"),
        pytest.param("https://[fd00::1]/hook", "non-public", id="unique-local-v6"),
        pytest.param("https://[::ffff:127.0.0.1]/hook", "non-public", id="v4-mapped-loopback"),
        pytest.param("https://0.0.0.0/hook", "non-public", id="unspecified"),
        pytest.param("https://100.64.0.1/hook", "non-public", id="shared-cgnat"),
        pytest.param("https://224.0.0.1/hook", "non-public", id="multicast"),
        pytest.param("https://2130706433/hook", "non-public", id="decimal-loopback"),
        pytest.param(f"http://{PUBLIC_IP}/hook", "https", id="plain-http-in-production"),
        pytest.param("ftp://example.com/hook", "absolute http(s)", id="ftp-scheme"),
        pytest.param("not a url", "absolute http(s)", id="garbage"),
        pytest.param("https://:443/hook", "absolute http(s)", id="no-host"),
        pytest.param(f"https://user:pw@{PUBLIC_IP}/hook", "Credentials", id="credentials"),
        pytest.param(f"https://{PUBLIC_IP}:99999/hook", "valid URL", id="bad-port"),
    ],
)
def test_rejected_urls(url, message):
    with pytest.raises(ValidationError) as excinfo:
        webhooks.validate_url(url)

    assert "url" in excinfo.value.message_dict
    assert message in excinfo.value.message_dict["url"][0]


@pytest.mark.usefixtures("production_rules")
def test_a_public_https_url_is_accepted_and_pinned():
    target = webhooks.resolve(f"https://{PUBLIC_IP}:8443/a/b?x=1")

    assert target.ip == PUBLIC_IP
    assert target.port == 8443
    assert target.path == "/a/b?x=1"
    assert target.host == PUBLIC_IP


def test_private_urls_and_plain_http_are_allowed_when_configured(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True

    assert webhooks.validate_url("http://127.0.0.1:8000/hook") == "http://127.0.0.1:8000/hook"
    assert webhooks.resolve("http://localhost/").port == 80


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        pytest.param(PUBLIC_IP, True, id="public-v4"),
        pytest.param("2606:4700:4700::1111", True, id="public-v6"),
        pytest.param("127.0.0.1", False, id="loopback"),
        pytest.param("::ffff:10.0.0.1", False, id="mapped-private"),
        pytest.param("::ffff:93.184.215.14", True, id="mapped-public"),
        pytest.param("239.1.1.1", False, id="multicast"),
    ],
)
def test_is_public_address(ip, public):
    assert webhooks.is_public_address(ip) is public


@pytest.mark.django_db
@pytest.mark.usefixtures("production_rules")
def test_saving_a_private_url_is_refused_with_the_field_named(admin_agent):
    with pytest.raises(ValidationError) as excinfo:
        subscriptions.webhook_subscription_create(
            actor=admin_agent.user, url="https://10.0.0.1/hook", events=["nope"], description=""
        )

    assert set(excinfo.value.message_dict) == {"url", "events"}


# IPv6 forms that carry an IPv4 address: the embedded address decides (93.184.215.14 = 5db8:d70e).
@pytest.mark.usefixtures("production_rules")
@pytest.mark.parametrize(
    ("host", "public"),
    [
        pytest.param("::127.0.0.1", False, id="compatible-loopback"),
        pytest.param("::169.254.169.254", False, id="compatible-metadata"),
        pytest.param("::10.0.0.1", False, id="compatible-private"),
        pytest.param("::ffff:0:7f00:1", False, id="translated-loopback"),
        pytest.param("::ffff:0:a9fe:a9fe", False, id="translated-metadata"),
        pytest.param("::ffff:169.254.169.254", False, id="mapped-metadata"),
        pytest.param("64:ff9b::a9fe:a9fe", False, id="nat64-metadata"),
        pytest.param("64:ff9b::7f00:1", False, id="nat64-loopback"),
        pytest.param("64:ff9b::c0a8:101", False, id="nat64-private"),
        pytest.param("64:ff9b:1::a9fe:a9fe", False, id="nat64-local-use"),
        pytest.param("2002:7f00:1::1", False, id="6to4-loopback"),
        pytest.param("2002:a9fe:a9fe::1", False, id="6to4-metadata"),
        pytest.param("2002:c0a8:101::1", False, id="6to4-private"),
        pytest.param("2001:0:a9fe:a9fe::1", False, id="teredo-metadata-server"),
        pytest.param("2001:0:5db8:d70e:0:0:80ff:fffe", False, id="teredo-loopback-client"),
        pytest.param("64:ff9b::5db8:d70e", True, id="nat64-public"),
        pytest.param("2002:5db8:d70e::1", True, id="6to4-public"),
        pytest.param("::ffff:0:5db8:d70e", True, id="translated-public"),
    ],
)
def test_ipv6_forms_embedding_ipv4_are_judged_by_the_ipv4_address(host, public):
    assert webhooks.is_public_address(host) is public
    if public:
        assert webhooks.resolve(f"https://[{host}]/hook").ip == host
    else:
        with pytest.raises(ValidationError, match="non-public"):
            webhooks.resolve(f"https://[{host}]/hook")
