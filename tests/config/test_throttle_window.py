"""The rate-limit window (config/api/throttling.py): the n-th request of a window is refused after
`limit`, with the seconds the window has left, on the local-memory cache (tests, quick start) and on
Redis (production: one round trip per request)."""

from __future__ import annotations

import time
import uuid

import pytest
import redis.connection

from config.api.throttling import UserThrottle

REDIS_URL = "redis://127.0.0.1:6379/5"
CACHES = {
    "locmem": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    "redis": {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}},
}


@pytest.fixture(params=sorted(CACHES))
def backend(request, settings):
    settings.CACHES = CACHES[request.param]
    return request.param


def _rate(settings, rate: str) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": rate}}


def test_three_per_minute_admits_three_then_refuses_with_the_window_left(backend, settings):
    _rate(settings, "3/min")
    ident = uuid.uuid4().hex
    throttle = UserThrottle()

    answers = [throttle.hit(ident) for _ in range(5)]

    assert answers == [True, True, True, False, False]
    assert 58.0 <= throttle.wait() <= 60.0


def test_each_identity_counts_on_its_own(backend, settings):
    _rate(settings, "2/min")
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    throttle = UserThrottle()

    assert [throttle.hit(first) for _ in range(3)] == [True, True, False]
    assert [throttle.hit(second) for _ in range(2)] == [True, True]


@pytest.mark.slow
def test_a_new_window_opens_when_the_last_one_ends(backend, settings):
    _rate(settings, "1/s")
    ident = uuid.uuid4().hex
    throttle = UserThrottle()

    assert [throttle.hit(ident), throttle.hit(ident)] == [True, False]
    time.sleep(1.2)
    assert throttle.hit(ident) is True


def test_on_redis_a_request_is_one_round_trip(settings, monkeypatch):
    settings.CACHES = CACHES["redis"]
    _rate(settings, "5/min")
    throttle, ident = UserThrottle(), uuid.uuid4().hex
    throttle.hit(ident)  # connects
    sent = []
    real = redis.connection.Connection.send_packed_command
    monkeypatch.setattr(
        redis.connection.Connection,
        "send_packed_command",
        lambda self, command, check_health=True: sent.append(command) or real(self, command, check_health),
    )

    assert throttle.hit(ident) is True

    assert len(sent) == 1
