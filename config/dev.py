#!/usr/bin/env python3
"""The README's two commands, needing nothing but Python 3.11+ (standard library only):

    python3 config/dev.py up      # venv, install, migrate, demo data, then web + worker + beat
    python3 config/dev.py test    # venv, install, the whole test suite (pytest args pass through)

Both use SQLite and no broker server unless DATABASE_URL / CELERY_BROKER_URL are set."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
REQUIREMENTS = ROOT / "requirements" / "dev.txt"


def _say(message: str) -> None:
    print(f"==> {message}", flush=True)


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
        _say("installing requirements (first run takes a minute)")
        subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "-r", REQUIREMENTS], check=True)
        stamp.write_text(digest)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=_env(), check=True)


def up() -> int:
    ensure_venv()
    (ROOT / "var" / "broker" / "queue").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "broker" / "processed").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "broker" / "control").mkdir(parents=True, exist_ok=True)
    _say("migrating the database")
    manage("migrate", "--noinput")
    manage("setup_periodic_tasks")
    _say("loading demo data")
    manage("seed_demo")
    _say("starting web (http://127.0.0.1:8000/admin/), Celery worker and beat; Ctrl-C stops all")
    honcho = [str(BIN / "honcho"), "-f", str(ROOT / "config" / "Procfile.dev"), "-d", str(ROOT), "start"]
    # Become honcho, so Ctrl-C reaches it alone and it stops web, worker and beat in order (a
    # parent Python would kill it mid-shutdown on KeyboardInterrupt and orphan the worker).
    os.chdir(ROOT)
    os.execve(honcho[0], honcho, _env())  # noqa: S606


def test(args: list[str]) -> int:
    ensure_venv()
    env = _env()
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    database = env.get("DATABASE_URL", "SQLite (DATABASE_URL unset)")
    if not any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in args):
        args = ["-n", "auto", *args]  # pytest-xdist: one test process per core
    _say(f"running the test suite on {database}")
    return subprocess.run([PYTHON, "-m", "pytest", *args], cwd=ROOT, env=env, check=False).returncode


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    if command == "up":
        return up()
    if command == "test":
        return test(argv[1:])
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
