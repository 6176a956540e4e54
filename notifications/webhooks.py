"""Outbound HTTP for webhooks: URL checks against SSRF and one signed POST to a pinned address.

A receiver URL must resolve only to global addresses (not private, loopback, link-local,
multicast, reserved, shared, ...). It is checked when a subscription is saved and again before
every attempt, and the request connects to the very address that was checked (no second DNS
lookup an attacker could answer differently), with redirects off. Plain http is refused in
production. ``WEBHOOK_ALLOW_PRIVATE_URLS=True`` (local and test settings) lifts the address rule
and allows plain http."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    ip: str


@dataclass(frozen=True)
class Response:
    status: int | None
    excerpt: str
    duration_ms: int
    error: str = ""


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_URLS", False))


def _require_https() -> bool:
    return bool(getattr(settings, "WEBHOOK_REQUIRE_HTTPS", True)) and not _allow_private()


IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT (RFC 6052/2765)
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated IPv4-compatible (::a.b.c.d)
NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052
NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: the IPv4 may sit anywhere


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (and may be routed to): IPv4-mapped,
    IPv4-translated, IPv4-compatible, NAT64's well-known prefix, 6to4 and Teredo (its server and
    its client). Empty for a plain IPv6 address."""
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in IPV4_TRANSLATED or address in NAT64_WELL_KNOWN:
        return [low32]
    if address in IPV4_COMPATIBLE and int(address) > 1:  # :: and ::1 are themselves not global
        return [low32]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    return []


def _is_global(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast


def is_public_address(ip: str) -> bool:
    """True when `ip` is a global unicast address, deciding on the embedded IPv4 address(es) for
    every IPv6 form that embeds one (so [::ffff:127.0.0.1], [::169.254.169.254], NAT64 and 6to4
    forms of a private address are all refused)."""
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        if address in NAT64_LOCAL_USE:
            return False
        embedded = embedded_ipv4(address)
        if embedded:
            return all(_is_global(inner) for inner in embedded)
    return _is_global(address)


def resolve(url: str) -> Target:
    """Parse and resolve the URL; raise ValidationError({"url": ...}) when it may not be called."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationError({"url": ["Enter a valid URL."]}) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": ["The URL must be an absolute http(s) URL."]})
    if parts.scheme != "https" and _require_https():
        raise ValidationError({"url": ["The URL must use https."]})
    if parts.username or parts.password:
        raise ValidationError({"url": ["Credentials in the URL are not allowed; sign with the secret instead."]})
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError({"url": [f"The host {parts.hostname} does not resolve."]}) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:  # pragma: no cover - getaddrinfo raises instead
        raise ValidationError({"url": [f"The host {parts.hostname} does not resolve."]})
    if not _allow_private():
        blocked = [ip for ip in addresses if not is_public_address(ip)]
        if blocked:
            raise ValidationError(
                {"url": [f"The URL resolves to a non-public address ({blocked[0]}); it is not allowed."]}
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=parts.hostname, port=port, path=path, ip=addresses[0])


def validate_url(url: str) -> str:
    resolve(url)
    return url


def post(*, url: str, body: bytes, headers: dict[str, str]) -> Response:
    """POST once to the checked address. Never raises for network trouble: the error is returned."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = resolve(url)
    except ValidationError as exc:
        return Response(status=None, excerpt="", duration_ms=elapsed(), error="; ".join(exc.messages))
    timeout = urllib3.Timeout(connect=settings.WEBHOOK_CONNECT_TIMEOUT, read=settings.WEBHOOK_READ_TIMEOUT)
    default_port = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host  # IPv6 literal
    host_header = host if target.port == default_port else f"{host}:{target.port}"
    kwargs = {"host": target.ip, "port": target.port, "timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            **kwargs, server_hostname=target.host, assert_hostname=target.host, cert_reqs="CERT_REQUIRED"
        )
    else:
        pool = urllib3.HTTPConnectionPool(**kwargs)
    request_headers = {
        "Content-Type": "application/json",
        "User-Agent": settings.WEBHOOK_USER_AGENT,
        "Host": host_header,
        **headers,
    }
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=request_headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            raw = response.read(settings.WEBHOOK_RESPONSE_EXCERPT_BYTES, decode_content=True)
        finally:
            response.release_conn()
        excerpt = raw.decode("utf-8", errors="replace") if raw else ""
        return Response(status=response.status, excerpt=excerpt, duration_ms=elapsed())
    except urllib3.exceptions.HTTPError as exc:
        timeout = isinstance(exc, urllib3.exceptions.TimeoutError)
        kind = (
            "connection error" if isinstance(exc, urllib3.exceptions.NewConnectionError) or not timeout else "timeout"
        )
        return Response(status=None, excerpt="", duration_ms=elapsed(), error=f"{kind}: {exc}")
    finally:
        pool.close()
