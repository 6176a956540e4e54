"""The settings refuse to start misconfigured, and production passes `check --deploy`."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check(settings_module: str, extra_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CACHE_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": settings_module, **extra_env})
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.integration
def test_production_check_deploy_has_no_warnings():
    result = _check(
        "config.settings.production",
        {
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "support.example.com",
            "CACHE_URL": "redis://127.0.0.1:6379/3",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.integration
@pytest.mark.parametrize(
    ("settings_module", "extra_env", "message"),
    [
        pytest.param("config.settings.production", {"ALLOWED_HOSTS": "x"}, "SECRET_KEY", id="production-no-secret"),
        pytest.param(
            "config.settings.production",
            {"ALLOWED_HOSTS": "x", "SECRET_KEY": "too-short"},
            "at least 50 characters",
            id="production-weak-secret",
        ),
        pytest.param("config.settings.local", {"DEBUG": "false"}, "set SECRET_KEY", id="local-debug-off-dev-secret"),
        pytest.param(
            "config.settings.production",
            {"ALLOWED_HOSTS": "x", "SECRET_KEY": "s" * 60, "CACHE_URL": "locmemcache://"},
            "CACHE_URL must name a shared Redis cache",
            id="production-per-process-cache",
        ),
    ],
)
def test_refuses_to_start_without_a_real_secret(settings_module, extra_env, message):
    result = _check(settings_module, extra_env)

    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.integration
@pytest.mark.parametrize(
    ("extra_env", "engine"),
    [
        pytest.param(
            {"CACHE_URL": "redis://127.0.0.1:6379/4"}, "django.contrib.sessions.backends.cached_db", id="redis-cache"
        ),
        pytest.param(
            {"CACHE_URL": "redis://127.0.0.1:6379/4", "SESSION_ENGINE": "django.contrib.sessions.backends.cache"},
            "django.contrib.sessions.backends.cache",
            id="explicit-engine",
        ),
    ],
)
def test_production_sessions_are_read_from_a_shared_cache(extra_env, engine):
    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "SESSION_ENGINE"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "support.example.com",
            **extra_env,
        }
    )
    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == engine
