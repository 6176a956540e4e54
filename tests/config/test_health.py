"""Liveness and readiness probes. "Down" is simulated by pointing a client at a loopback port
nothing listens on; "back" by pointing it at the real server again."""

import socket

import pytest
from django.db import connections

from config import health
from config.celery import app as celery_app

REDIS_URL = "redis://127.0.0.1:6379/4"
ALL_OK = {"database": "ok", "migrations": "ok", "broker": "ok", "cache": "ok"}


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_url():
    """Point the Celery app's broker somewhere for one test, then back to the test broker."""
    original = celery_app.conf.broker_url

    def _set(url: str) -> None:
        celery_app.conf.broker_url = url

    yield _set
    celery_app.conf.broker_url = original


@pytest.fixture
def fresh_migration_check(monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)


def test_healthz_answers_without_touching_database_or_broker(client, broker_url):
    broker_url(f"redis://127.0.0.1:{closed_port()}/0")  # no django_db mark: any query would fail

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_all_checks_pass(client, fresh_migration_check):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": ALL_OK}


@pytest.mark.django_db
def test_readyz_503_while_redis_broker_is_down_and_200_when_back(client, broker_url):
    broker_url(f"redis://127.0.0.1:{closed_port()}/4")
    down = client.get("/readyz")
    broker_url(REDIS_URL)
    back = client.get("/readyz")

    assert down.status_code == 503
    assert down.json() == {"status": "error", "checks": {**ALL_OK, "broker": "error"}}
    assert back.status_code == 200
    assert back.json() == {"status": "ok", "checks": ALL_OK}


@pytest.mark.django_db
def test_readyz_503_while_redis_cache_is_down_and_200_when_back(client, settings):
    backend = "django_redis.cache.RedisCache"
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": f"redis://127.0.0.1:{closed_port()}/4"}}
    down = client.get("/readyz")
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": REDIS_URL}}
    back = client.get("/readyz")

    assert down.status_code == 503
    assert down.json() == {"status": "error", "checks": {**ALL_OK, "cache": "error"}}
    assert back.status_code == 200
    assert back.json() == {"status": "ok", "checks": ALL_OK}


@pytest.mark.postgres
@pytest.mark.django_db
def test_readyz_503_while_postgresql_is_down_and_200_when_back(client, monkeypatch, fresh_migration_check):
    real = connections["default"]
    unreachable = real.__class__({**real.settings_dict, "PORT": closed_port(), "CONN_MAX_AGE": 0}, alias="default")
    monkeypatch.setattr(health, "connections", {"default": unreachable})
    down = client.get("/readyz")
    monkeypatch.setattr(health, "connections", connections)
    back = client.get("/readyz")
    unreachable.close()

    assert down.status_code == 503
    # No migration check against a database that does not answer.
    assert down.json() == {"status": "error", "checks": {**ALL_OK, "database": "error", "migrations": "error"}}
    assert back.status_code == 200
    assert back.json() == {"status": "ok", "checks": ALL_OK}


@pytest.mark.django_db
def test_readyz_503_while_a_migration_is_unapplied(client, monkeypatch, fresh_migration_check):
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [("tickets.0099_future", False)]
    )

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {**ALL_OK, "migrations": "error"}}


@pytest.mark.django_db
def test_readyz_failure_reason_goes_to_the_log_not_the_response(client, broker_url, caplog):
    port = closed_port()
    broker_url(f"redis://127.0.0.1:{port}/4")

    response = client.get("/readyz")

    assert str(port) not in response.content.decode()
    assert "readiness check broker failed" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_a_kubelet_on_plain_http_with_the_pod_address_as_host(client, settings, path):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["support.example.com"]

    response = client.get(path, HTTP_HOST="10.244.1.17:8000")

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_reject_post(client, path):
    assert client.post(path).status_code == 405
