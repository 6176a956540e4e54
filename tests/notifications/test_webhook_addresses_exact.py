"""Which receiver addresses are public (notifications/webhooks.py), exactly: the IPv4 address(es) each
IPv6 form carries, and the verdict for every kind of address, written out by hand.

93.184.215.14 is 5db8:d70e in hex, 10.0.0.1 is a00:1, 8.8.8.8 is 808:808. A Teredo address carries
its server in bits 32-63 and its client inverted in the last 32 bits: the client 8.8.8.8 is
f7f7:f7f7 (~0x08080808), the client 10.0.0.1 is f5ff:fffe."""

from __future__ import annotations

import ipaddress

import pytest

from notifications import webhooks


def _v4(*addresses: str) -> list[ipaddress.IPv4Address]:
    return [ipaddress.IPv4Address(address) for address in addresses]


@pytest.mark.parametrize(
    ("address", "embedded"),
    [
        pytest.param("2606:4700:4700::1111", [], id="plain-global"),
        pytest.param("fe80::1", [], id="plain-link-local"),
        pytest.param("::", [], id="unspecified"),
        pytest.param("::1", [], id="loopback"),
        pytest.param("::2", _v4("0.0.0.2"), id="compatible-smallest"),
        pytest.param("::a00:1", _v4("10.0.0.1"), id="compatible-private"),
        pytest.param("::5db8:d70e", _v4("93.184.215.14"), id="compatible-public"),
        pytest.param("::ffff:ffff", _v4("255.255.255.255"), id="mapped-broadcast"),
        pytest.param("::ffff:a00:1", _v4("10.0.0.1"), id="mapped-private"),
        pytest.param("::ffff:5db8:d70e", _v4("93.184.215.14"), id="mapped-public"),
        pytest.param("::ffff:0:a00:1", _v4("10.0.0.1"), id="translated-private"),
        pytest.param("::ffff:0:5db8:d70e", _v4("93.184.215.14"), id="translated-public"),
        pytest.param("64:ff9b::a00:1", _v4("10.0.0.1"), id="nat64-private"),
        pytest.param("64:ff9b::5db8:d70e", _v4("93.184.215.14"), id="nat64-public"),
        pytest.param("64:ff9b:1::a00:1", [], id="nat64-local-use-not-decoded"),
        pytest.param("2002:a00:1::1", _v4("10.0.0.1"), id="6to4-private"),
        pytest.param("2002:5db8:d70e:1:2:3:4:5", _v4("93.184.215.14"), id="6to4-public"),
        pytest.param("2001:0:5db8:d70e::f7f7:f7f7", _v4("93.184.215.14", "8.8.8.8"), id="teredo-server-and-client"),
        pytest.param("2001:0:a00:1::f5ff:fffe", _v4("10.0.0.1", "10.0.0.1"), id="teredo-private-both"),
    ],
)
def test_the_ipv4_addresses_an_ipv6_address_carries(address, embedded):
    assert webhooks.embedded_ipv4(ipaddress.IPv6Address(address)) == embedded


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        # IPv4
        pytest.param("93.184.215.14", True, id="v4-public"),
        pytest.param("8.8.8.8", True, id="v4-public-dns"),
        pytest.param("192.0.0.9", True, id="v4-pcp-anycast-is-global"),
        pytest.param("10.0.0.1", False, id="v4-private-10"),
        pytest.param("172.31.255.255", False, id="v4-private-172"),
        pytest.param("192.168.0.1", False, id="v4-private-192"),
        pytest.param("127.0.0.1", False, id="v4-loopback"),
        pytest.param("127.255.255.254", False, id="v4-loopback-high"),
        pytest.param("0.0.0.0", False, id="v4-unspecified"),  # noqa: S104 - the address under test
        pytest.param("169.254.169.254", False, id="v4-link-local-metadata"),
        pytest.param("100.64.0.1", False, id="v4-shared-cgnat"),
        pytest.param("198.18.0.1", False, id="v4-benchmarking"),
        pytest.param("192.0.2.1", False, id="v4-documentation"),
        pytest.param("240.0.0.1", False, id="v4-reserved"),
        pytest.param("255.255.255.255", False, id="v4-broadcast"),
        pytest.param("224.0.0.1", False, id="v4-multicast-local"),
        pytest.param("233.252.0.1", False, id="v4-multicast-global-scope"),
        # IPv6 without an IPv4 inside
        pytest.param("2606:4700:4700::1111", True, id="v6-public"),
        pytest.param("::", False, id="v6-unspecified"),
        pytest.param("::1", False, id="v6-loopback"),
        pytest.param("fe80::1", False, id="v6-link-local"),
        pytest.param("fd00::1", False, id="v6-unique-local"),
        pytest.param("2001:db8::1", False, id="v6-documentation"),
        pytest.param("ff0e::1", False, id="v6-multicast-global-scope"),
        pytest.param("100::1", False, id="v6-discard-only"),
        # IPv6 forms carrying an IPv4 address: the IPv4 address decides
        pytest.param("::2", False, id="compatible-0.0.0.2"),
        pytest.param("::5db8:d70e", True, id="compatible-public"),
        pytest.param("::a00:1", False, id="compatible-private"),
        pytest.param("::ffff:5db8:d70e", True, id="mapped-public"),
        pytest.param("::ffff:e000:1", False, id="mapped-multicast"),
        pytest.param("::ffff:a00:1", False, id="mapped-private"),
        pytest.param("::ffff:0:5db8:d70e", True, id="translated-public"),
        pytest.param("::ffff:0:a00:1", False, id="translated-private"),
        pytest.param("64:ff9b::5db8:d70e", True, id="nat64-public"),
        pytest.param("64:ff9b::a00:1", False, id="nat64-private"),
        pytest.param("64:ff9b:1::5db8:d70e", False, id="nat64-local-use-even-public"),
        pytest.param("64:ff9b:1::1", False, id="nat64-local-use"),
        pytest.param("2002:5db8:d70e::1", True, id="6to4-public"),
        pytest.param("2002:a00:1::1", False, id="6to4-private"),
        pytest.param("2002:e000:1::1", False, id="6to4-multicast"),
        pytest.param("2001:0:5db8:d70e::f7f7:f7f7", True, id="teredo-public-server-public-client"),
        pytest.param("2001:0:5db8:d70e::f5ff:fffe", False, id="teredo-public-server-private-client"),
        pytest.param("2001:0:a00:1::f7f7:f7f7", False, id="teredo-private-server-public-client"),
    ],
)
def test_is_public_address(ip, public):
    assert webhooks.is_public_address(ip) is public
