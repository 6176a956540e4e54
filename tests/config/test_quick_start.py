# ruff: noqa: S104 - wildcard addresses are test data here
"""The quick start's pieces that can run in the suite: WEB_ADDRESS, the settings that keep its log
readable (compact console mail, a broker URL kombu does not warn about, print() as INFO), and
config/dev.py's environment and install progress. The process runner: test_procs.py."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives, get_connection
from kombu import Connection

from config import web_address

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "bind", "url", "host"),
    [
        pytest.param(None, "127.0.0.1:8000", "http://127.0.0.1:8000", "127.0.0.1", id="unset"),
        pytest.param("", "127.0.0.1:8000", "http://127.0.0.1:8000", "127.0.0.1", id="empty"),
        pytest.param("8123", "127.0.0.1:8123", "http://127.0.0.1:8123", "127.0.0.1", id="port-only"),
        pytest.param("localhost:9000", "localhost:9000", "http://localhost:9000", "localhost", id="host-port"),
        pytest.param("0.0.0.0:8000", "0.0.0.0:8000", "http://127.0.0.1:8000", "0.0.0.0", id="wildcard-v4"),
        pytest.param("[::1]:8001", "[::1]:8001", "http://[::1]:8001", "[::1]", id="ipv6"),
        pytest.param("[::]:80", "[::]:80", "http://[::1]:80", "[::]", id="wildcard-v6"),
        pytest.param(" 10.0.0.5:8080 ", "10.0.0.5:8080", "http://10.0.0.5:8080", "10.0.0.5", id="spaces"),
    ],
)
def test_web_address_forms(value, bind, url, host):
    assert web_address.bind(value) == bind
    assert web_address.public_url(value) == url
    assert web_address.host(value) == host


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("::1:8000", "use PORT, HOST:PORT or [IPv6]:PORT", id="bare-ipv6"),
        pytest.param("localhost", "use PORT, HOST:PORT or [IPv6]:PORT", id="no-port"),
        pytest.param(":8000", "use PORT, HOST:PORT or [IPv6]:PORT", id="no-host"),
        pytest.param("[]:80", "use PORT, HOST:PORT or [IPv6]:PORT", id="empty-brackets"),
        pytest.param("host:http", "use PORT, HOST:PORT or [IPv6]:PORT", id="named-port"),
        pytest.param("host:0", "between 1 and 65535", id="port-zero"),
        pytest.param("70000", "between 1 and 65535", id="port-too-big"),
    ],
)
def test_web_address_refuses_malformed_values(value, message):
    with pytest.raises(ValueError, match=r"WEB_ADDRESS=.*") as excinfo:
        web_address.parse(value)
    assert message in str(excinfo.value)


def _local_settings(extra_env: dict[str, str], expression: str) -> subprocess.CompletedProcess[str]:
    """Evaluate `expression` under config.settings.local in a fresh interpreter with `extra_env`."""
    keep = {"PATH", "HOME", "LANG", "PYTHONPATH", "DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.local", **extra_env})
    code = f"import django; django.setup(); from django.conf import settings as s; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.integration
@pytest.mark.parametrize(
    ("extra_env", "expected"),
    [
        pytest.param(
            {},
            "http://127.0.0.1:8000 ['localhost', '127.0.0.1', '[::1]']",
            id="default",
        ),
        pytest.param(
            {"WEB_ADDRESS": "0.0.0.0:8712"},
            "http://127.0.0.1:8712 ['localhost', '127.0.0.1', '[::1]', '0.0.0.0']",
            id="wildcard-host-allowed",
        ),
        pytest.param(
            {"WEB_ADDRESS": "desk.local:9000"},
            "http://desk.local:9000 ['localhost', '127.0.0.1', '[::1]', 'desk.local']",
            id="named-host",
        ),
        pytest.param(
            {"WEB_ADDRESS": "9000", "SITE_URL": "https://support.example.com"},
            "https://support.example.com ['localhost', '127.0.0.1', '[::1]']",
            id="site-url-wins",
        ),
    ],
)
def test_site_url_and_allowed_hosts_follow_web_address(extra_env, expected):
    result = _local_settings(extra_env, "s.SITE_URL, s.ALLOWED_HOSTS")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.integration
def test_malformed_web_address_refuses_to_start():
    result = _local_settings({"WEB_ADDRESS": "localhost"}, "s.SITE_URL")

    assert result.returncode != 0
    assert "ImproperlyConfigured: WEB_ADDRESS='localhost': use PORT, HOST:PORT or [IPv6]:PORT" in result.stderr


@pytest.mark.integration
def test_quick_start_logging_settings():
    """What the quick start runs with when nothing is configured."""
    result = _local_settings(
        {},
        "s.EMAIL_BACKEND, s.CELERY_BROKER_URL, s.CELERY_WORKER_REDIRECT_STDOUTS_LEVEL, s.CELERY_TASK_ALWAYS_EAGER",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "notifications.backends.CompactConsoleEmailBackend",
        "filesystem://localhost/",
        "INFO",
        "False",
    ]


def test_console_provider_in_the_failover_list_is_the_compact_one(settings):
    assert settings.EMAIL_PROVIDER_BACKENDS["console"] == "notifications.backends.CompactConsoleEmailBackend"


def test_broker_url_gives_kombu_a_hostname(settings, caplog, tmp_path):
    """kombu warns "No hostname was supplied" for `filesystem://`; the default names localhost."""
    caplog.set_level(logging.WARNING, logger="kombu")
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}

    with Connection("filesystem://localhost/", transport_options=options) as connection:
        info = connection.info()

    assert info["hostname"] == "localhost"
    assert [r.getMessage() for r in caplog.records] == []


def test_compact_console_backend_logs_one_line_without_the_body(caplog, capsys):
    caplog.set_level(logging.INFO, logger="notifications.backends")
    message = EmailMultiAlternatives(
        subject="[#12] We received your request:\n  Charged twice",
        body="Hello Alice,\n\nsecret body text\n" * 50,
        to=["alice@acme.example"],
        cc=["bob@acme.example"],
    )
    message.attach_alternative("<p>secret html</p>", "text/html")
    nobody = EmailMultiAlternatives(subject="no recipients", body="x")

    sent = get_connection("notifications.backends.CompactConsoleEmailBackend").send_messages([message, nobody])

    assert sent == 1
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "INFO",
            "console email to alice@acme.example, bob@acme.example: [#12] We received your request: Charged twice",
        )
    ]
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "secret" not in captured.err
    assert mail.outbox == []


def test_compact_console_backend_shortens_long_subjects(caplog):
    caplog.set_level(logging.INFO, logger="notifications.backends")
    message = EmailMultiAlternatives(subject="x" * 300, body="b", to=["a@example.com"])

    get_connection("notifications.backends.CompactConsoleEmailBackend").send_messages([message])

    assert caplog.records[0].getMessage() == "console email to a@example.com: " + "x" * 159 + "…"


# --- config/dev.py: the environment and the install progress ---------------------------------


@pytest.fixture
def dev(monkeypatch):
    from config import dev

    monkeypatch.delenv("WEB_ADDRESS", raising=False)
    monkeypatch.delenv("PYTHONWARNINGS", raising=False)
    return dev


def test_quick_start_env_resolves_web_address_once_for_all_processes(dev, monkeypatch):
    monkeypatch.setenv("WEB_ADDRESS", "8712")
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
    monkeypatch.setattr(dev.os, "geteuid", lambda: 1000)

    env = dev.quick_start_env()

    assert env["WEB_ADDRESS"] == "127.0.0.1:8712"
    assert env["DJANGO_RUNSERVER_HIDE_WARNING"] == "true"
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.local"
    assert "PYTHONWARNINGS" not in env


def test_quick_start_env_as_root_silences_only_celerys_superuser_warning(dev, monkeypatch):
    monkeypatch.setenv("PYTHONWARNINGS", "default")
    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)

    env = dev.quick_start_env()

    assert env["WEB_ADDRESS"] == "127.0.0.1:8000"
    assert env["PYTHONWARNINGS"] == "default,ignore:You're running the worker with superuser privileges"


def test_quick_start_env_refuses_a_malformed_web_address(dev, monkeypatch):
    monkeypatch.setenv("WEB_ADDRESS", "localhost")

    with pytest.raises(SystemExit, match=r"WEB_ADDRESS='localhost': use PORT, HOST:PORT or \[IPv6\]:PORT"):
        dev.quick_start_env()


def _fake_pip(tmp_path: Path, output: str, code: int = 0) -> Path:
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\ncat <<'OUT'\n{output}\nOUT\nexit {code}\n")
    script.chmod(0o755)
    return script


def test_install_progress_shows_one_line_per_ten_packages_and_hides_pip_chatter(dev, monkeypatch, tmp_path, capsys):
    lines = [f"Collecting package{i}==1.0" for i in range(1, 24)]
    output = "\n".join([*lines, "WARNING: Location 'file:///x' is ignored", "Installing collected packages: a, b"])
    monkeypatch.setattr(dev, "PYTHON", _fake_pip(tmp_path, output))

    dev._pip_with_progress(["install", "-r", "requirements/dev.txt"], "requirements")

    assert capsys.readouterr().out.splitlines() == [
        "    requirements: 10 packages downloaded or cached (package10==1.0)",
        "    requirements: 20 packages downloaded or cached (package20==1.0)",
        "    requirements: installing 23 packages",
    ]


def test_install_failure_shows_pips_output(dev, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(dev, "PYTHON", _fake_pip(tmp_path, "ERROR: No matching distribution for nope==9", code=1))

    with pytest.raises(SystemExit, match=r"pip failed installing requirements \(exit code 1\)"):
        dev._pip_with_progress(["install", "nope==9"], "requirements")

    assert "ERROR: No matching distribution for nope==9" in capsys.readouterr().out


def test_no_module_of_config_shadows_the_standard_library():
    """`python3 config/dev.py` puts config/ first on sys.path: a config/locale.py (say) would be
    imported by the standard library in place of its own module and break the README's commands."""
    names = {path.stem for path in (Path(__file__).resolve().parents[2] / "config").glob("*.py")}
    assert names & set(sys.stdlib_module_names) == set()
