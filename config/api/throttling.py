"""Request rates: per user, per API key and per anonymous client, and for logins per address and
per account, read from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (env API_THROTTLE_USER /
API_THROTTLE_API_KEY / API_THROTTLE_ANON / API_THROTTLE_LOGIN_ADDRESS / API_THROTTLE_LOGIN_ACCOUNT).
Rates are looked up on every request, so changing the setting (or a test's `settings` fixture) takes
effect without a restart. A throttled request gets a 429 with Retry-After.

Counting is atomic in the shared cache (CACHE_URL: Redis in production; one round trip), so every web
process agrees and concurrent requests cannot slip past the limit; a window opens at a client's
first request and lasts the rate's period. The client's address is `client_address()`: the peer
address unless the request came through a configured proxy (NUM_PROXIES / TRUSTED_PROXIES), so a
client cannot pick its own identity with `X-Forwarded-For`."""

from __future__ import annotations

import hashlib
import ipaddress
import time
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle
from rest_framework_api_key.models import AbstractAPIKey

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Any) -> str:
    """The address a request came from. Without a configured proxy it is the peer (REMOTE_ADDR) and
    X-Forwarded-For is ignored. With TRUSTED_PROXIES (addresses or networks) the chain
    X-Forwarded-For + peer is read from the right, skipping trusted hops; with NUM_PROXIES = n the
    n-th entry from the right of X-Forwarded-For is taken (each proxy appends the address it saw)."""
    meta = getattr(request, "META", {})
    remote = meta.get("REMOTE_ADDR", "") or ""
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    trusted = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if trusted:
        chain = [*forwarded, remote]
        for hop in reversed(chain):
            if not _is_trusted(hop, trusted):
                return hop
        return chain[0]
    num_proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    if num_proxies > 0 and forwarded:
        return forwarded[-min(num_proxies, len(forwarded))]
    return remote


class WindowRateThrottle(BaseThrottle):
    """At most `n` requests per period per key, counted atomically in the shared cache."""

    scope: str
    parse_rate = SimpleRateThrottle.parse_rate

    def __init__(self) -> None:
        self._wait: float | None = None

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request: Any) -> str:
        return client_address(request)

    def get_key(self, request: Any, view: Any) -> str | None:  # pragma: no cover - every subclass has one
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        rate = self.get_rate()
        ident = self.get_key(request, view) if rate else None
        return True if ident is None else self.hit(ident)

    def hit(self, ident: str) -> bool:
        """Count one request of `ident`; False once it is over the limit."""
        rate = self.get_rate()
        if rate is None:
            return True
        limit, period = self.parse_rate(rate)
        count, left = _count(f"throttle:{self.scope}:{ident}", period)
        if count <= limit:
            return True
        self._wait = max(1.0, left)
        return False

    def wait(self) -> float | None:
        return self._wait


class UserThrottle(WindowRateThrottle):
    """A person (JWT or session), keyed by user id. API-key requests are left to ApiKeyThrottle."""

    scope = "user"

    def get_key(self, request: Any, view: Any) -> str | None:
        if not request.user or not request.user.is_authenticated or isinstance(request.auth, AbstractAPIKey):
            return None
        return str(request.user.pk)


class ApiKeyThrottle(WindowRateThrottle):
    """An integration, keyed by its API key."""

    scope = "api_key"

    def get_key(self, request: Any, view: Any) -> str | None:
        if not isinstance(request.auth, AbstractAPIKey):
            return None
        return str(request.auth.prefix)


class AnonThrottle(WindowRateThrottle):
    """Unauthenticated callers (token endpoints, bad credentials), keyed by client address."""

    scope = "anon"

    def get_key(self, request: Any, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.get_ident(request)


class LoginAddressThrottle(WindowRateThrottle):
    """Token (and refresh) requests per client address, whoever they name."""

    scope = "login_address"

    def get_key(self, request: Any, view: Any) -> str:
        return self.get_ident(request)


class LoginAccountThrottle(WindowRateThrottle):
    """Token requests per account named in the body, from whatever address: a password guessed from
    many addresses is still limited. The key is a digest, so no address is stored in the cache."""

    scope = "login_account"

    def get_key(self, request: Any, view: Any) -> str | None:
        data = request.data
        email = data.get("email") if hasattr(data, "get") else None
        return account_key(email) if isinstance(email, str) else None


def _count(key: str, period: int) -> tuple[int, float]:
    """This request's number in the window of `key`, and the seconds the window has left. On Redis
    one round trip (a MULTI of SET NX EX, INCR and TTL: the window opens with the first request and
    the count cannot race); on other caches (local memory: one process) the cache API."""
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):  # django-redis
        name = client.make_key(key)
        pipe = client.get_client(write=True).pipeline(transaction=True)
        pipe.set(name, 0, ex=period, nx=True)
        pipe.incr(name)
        pipe.ttl(name)
        _, count, ttl = pipe.execute()
        return int(count), float(ttl if ttl > 0 else period)
    now = time.time()
    cache.add(f"{key}:count", 0, timeout=period)  # atomic: a no-op while the window is open
    cache.add(f"{key}:start", now, timeout=period)
    try:
        count = cache.incr(f"{key}:count")
    except ValueError:  # the window expired between the two calls: this request opens a new one
        cache.add(f"{key}:count", 0, timeout=period)
        count = cache.incr(f"{key}:count")
    started = cache.get(f"{key}:start") or now
    return count, started + period - now


def account_key(email: str) -> str | None:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest() if email.strip() else None


def login_attempt_allowed(request: Any, email: str | None) -> bool:
    """For login forms outside DRF (the admin's): one attempt counted against the same per-address
    and per-account limits as `/api/v1/auth/token/`."""
    if not LoginAddressThrottle().hit(client_address(request)):
        return False
    key = account_key(email or "")
    return key is None or LoginAccountThrottle().hit(key)
