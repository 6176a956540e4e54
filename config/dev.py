#!/usr/bin/env python3
"""The README's two commands, needing nothing but Python 3.11+ (standard library only):

    python3 config/dev.py up      # venv, install, migrate, demo data, then web + worker + beat
    python3 config/dev.py test    # venv, install, the whole test suite (pytest args pass through)
    python3 config/dev.py mutate tickets/sla/clock.py   # mutation testing of a module (README)
    python3 config/dev.py mutate --report               # config/mutation/REPORT.md from the results

Both use SQLite and no broker server unless DATABASE_URL / CELERY_BROKER_URL are set."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
REQUIREMENTS = ROOT / "requirements" / "dev.txt"


def _say(message: str) -> None:
    print(f"==> {message}", flush=True)


def _config_module(name: str):
    """config/<name>.py (standard library only), loaded by path: the config package needs Django."""
    spec = importlib.util.spec_from_file_location(f"_quick_start_{name}", ROOT / "config" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _requirements_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "requirements").glob("*.txt")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create .venv and install requirements/dev.txt; skipped when nothing changed since last time."""
    if sys.version_info < (3, 11):  # noqa: UP036  (this script may be started by an older python3)
        sys.exit("Python 3.11 or newer is required.")
    if not PYTHON.exists():
        _say(f"creating virtualenv in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".requirements.sha256"
    digest = _requirements_digest()
    if not stamp.exists() or stamp.read_text() != digest:
        _say("installing requirements (the first run takes a minute or two)")
        started = time.monotonic()
        _pip_with_progress(["install", "--quiet", "--upgrade", "pip"], "pip")
        _pip_with_progress(["install", "--progress-bar", "off", "-r", str(REQUIREMENTS)], "requirements")
        _say(f"requirements installed in {time.monotonic() - started:.0f} s")
        stamp.write_text(digest)


def _pip_with_progress(args: list[str], what: str) -> None:
    """Run pip, showing one progress line (rewritten in place on a terminal, every 10 packages
    otherwise) instead of pip's own output; on failure, pip's output is shown whole."""
    process = subprocess.Popen(
        [str(PYTHON), "-m", "pip", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    tty = sys.stdout.isatty()
    output: list[str] = []
    collected = 0
    for line in process.stdout:  # type: ignore[union-attr]
        output.append(line)
        words = line.split()
        if line.startswith("Collecting ") and len(words) > 1:
            collected += 1
            status = f"    {what}: {collected} packages downloaded or cached ({words[1]})"
        elif line.startswith("Installing collected packages"):
            status = f"    {what}: installing {collected} packages"
        else:
            continue
        if tty:
            print(f"\r\033[K{status}", end="", flush=True)
        elif collected % 10 == 0 or "installing" in status:
            print(status, flush=True)
    if tty and collected:
        print(flush=True)
    if process.wait() != 0:
        sys.stdout.write("".join(output))
        sys.exit(f"pip failed installing {what} (exit code {process.returncode}); its output is above.")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def manage(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env or _env(), check=True)


# Celery warns when its worker runs as root (containers, CI); the banner says so once instead.
ROOT_WARNING_FILTER = "ignore:You're running the worker with superuser privileges"


def quick_start_env() -> dict[str, str]:
    """The environment of web, worker and beat: WEB_ADDRESS resolved once for all three (runserver
    binds to it, the banner and SITE_URL's default follow it), and Django's development-server notice off."""
    env = _env()
    web_address = _config_module("web_address")
    try:
        env["WEB_ADDRESS"] = web_address.bind(env.get("WEB_ADDRESS"))
    except ValueError as exc:
        sys.exit(str(exc))
    env["DJANGO_RUNSERVER_HIDE_WARNING"] = "true"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), ROOT_WARNING_FILTER]))
    return env


def up() -> int:
    ensure_venv()
    env = quick_start_env()
    (ROOT / "var" / "broker" / "queue").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "broker" / "processed").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "broker" / "control").mkdir(parents=True, exist_ok=True)
    _say("migrating the database")
    manage("migrate", "--noinput", env=env)
    manage("setup_periodic_tasks", env=env)
    _say("loading demo data (its notifications are delivered now: admin → Notifications → Email log)")
    manage("seed_demo", env={**env, "CELERY_TASK_ALWAYS_EAGER": "true", "LOG_LEVEL": "WARNING"})
    if "PYTHONWARNINGS" in env:
        _say("running as root: Celery's superuser warning is silenced here (never run it as root in production)")
    site = _config_module("web_address").public_url(env["WEB_ADDRESS"])
    _say(f"starting web ({site}/admin/, API docs {site}/api/v1/docs/), Celery worker and beat; Ctrl-C stops all")
    procs = _config_module("procs")
    return procs.main(ROOT / "config" / "Procfile.dev", cwd=ROOT, env=env)


def test(args: list[str]) -> int:
    ensure_venv()
    env = _env()
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    database = env.get("DATABASE_URL", "SQLite (DATABASE_URL unset)")
    if not any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in args):
        args = ["-n", "auto", *args]  # pytest-xdist: one test process per core
    _say(f"running the test suite on {database}")
    return subprocess.run([PYTHON, "-m", "pytest", *args], cwd=ROOT, env=env, check=False).returncode


def mutate(args: list[str]) -> int:
    """Mutation testing (mutmut), one module at a time with its tests: config/mutation/run.py."""
    ensure_venv()
    env = _env()
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    runner = ROOT / "config" / "mutation" / "run.py"
    return subprocess.run([PYTHON, runner, *args], cwd=ROOT, env=env, check=False).returncode


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    if command == "up":
        return up()
    if command == "test":
        return test(argv[1:])
    if command == "mutate":
        return mutate(argv[1:])
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
