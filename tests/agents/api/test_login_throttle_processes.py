"""The login limit holds across web processes: two gunicorn workers on loopback share the Redis
cache, so 40 wrong passwords with forged X-Forwarded-For headers reach the password check 5
times in all (a 401), not 5 per process; the rest are 429s."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

REDIS_URL = os.environ.get("THROTTLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url: str, body: bytes, forwarded: str) -> int:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.integration
@pytest.mark.postgres(reason="gunicorn's workers cannot see the SQLite in-memory test database")
@pytest.mark.django_db(transaction=True)
def test_forty_guesses_across_two_gunicorn_workers_reach_the_password_check_five_times(tmp_path, agent):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {REDIS_URL} (the shared cache under test)")
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.agents.api.gunicorn_settings",
        "PYTHONPATH": str(settings.BASE_DIR),
        "THROTTLE_TEST_DB_NAME": connection.settings_dict["NAME"],
        "THROTTLE_TEST_REDIS_URL": REDIS_URL,
        "THROTTLE_TEST_KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "config.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        url = f"http://127.0.0.1:{port}/api/v1/auth/token/"
        body = json.dumps({"email": agent.user.email, "password": "wrong"}).encode()
        with ThreadPoolExecutor(max_workers=8) as pool:  # concurrent, so both workers answer
            statuses = list(pool.map(lambda n: _status(url, body, f"203.0.113.{n}"), range(40)))
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert sorted(statuses) == [401] * 5 + [429] * 35, log.read_text()[-3000:]
