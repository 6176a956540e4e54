"""The quick start's process runner: web, worker and beat from config/Procfile.dev in one terminal.

Standard library only (config/dev.py runs it). Each process runs in its own session, so the
terminal's Ctrl-C reaches this runner alone; the runner then sends SIGTERM to each process group
(runserver's autoreloader child stops with it), waits up to `SHUTDOWN_TIMEOUT` seconds for all of
them — a Celery worker finishes its running tasks first (a warm shutdown) — and only then
SIGKILLs what is left, saying so. A second Ctrl-C kills at once. When one process exits on its
own, the others are stopped the same way. Output lines are prefixed `HH:MM:SS name |`.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

SHUTDOWN_TIMEOUT = 30.0
_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


def read_procfile(path: Path) -> list[tuple[str, str]]:
    """`name: command` lines; blank lines and `#` comments are skipped."""
    entries = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"{path}: not a 'name: command' line: {raw!r}")
        entries.append((match.group(1), match.group(2)))
    return entries


@dataclass
class _Proc:
    name: str
    popen: subprocess.Popen[str]
    reader: threading.Thread = field(init=False)


class Runner:
    def __init__(
        self,
        entries: list[tuple[str, str]],
        *,
        cwd: Path,
        env: dict[str, str],
        out: IO[str] | None = None,
        shutdown_timeout: float = SHUTDOWN_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.entries = entries
        self.cwd = cwd
        self.env = env
        self.out = out or sys.stdout
        self.shutdown_timeout = shutdown_timeout
        self.clock = clock
        self.procs: list[_Proc] = []
        self._lock = threading.Lock()
        self._width = max([len("system"), *(len(name) for name, _ in entries)])
        self._stopping_since: float | None = None
        self._killed = False
        self._pending_signals: list[str] = []

    def say(self, name: str, text: str) -> None:
        with self._lock:
            print(f"{time.strftime('%H:%M:%S')} {name:<{self._width}} | {text}", file=self.out, flush=True)

    def _pump(self, proc: _Proc) -> None:
        assert proc.popen.stdout is not None
        for line in proc.popen.stdout:
            self.say(proc.name, line.rstrip("\n"))

    def start(self) -> None:
        for name, command in self.entries:
            popen = subprocess.Popen(  # noqa: S602 - Procfile lines are shell commands by definition
                command,
                shell=True,
                cwd=self.cwd,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                bufsize=1,
                start_new_session=True,
            )
            proc = _Proc(name, popen)
            proc.reader = threading.Thread(target=self._pump, args=(proc,), daemon=True)
            proc.reader.start()
            self.procs.append(proc)
            self.say("system", f"{name} started (pid {popen.pid})")

    def alive(self) -> list[_Proc]:
        return [proc for proc in self.procs if proc.popen.poll() is None]

    def _signal_groups(self, sig: signal.Signals) -> None:
        for proc in self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.popen.pid, sig)

    def stop(self, reason: str) -> None:
        """SIGTERM every process group (once); a second call kills what is left."""
        if self._stopping_since is None:
            self._stopping_since = self.clock()
            self.say("system", f"{reason}: stopping (waiting up to {self.shutdown_timeout:.0f} s; Ctrl-C again kills)")
            self._signal_groups(signal.SIGTERM)
        else:
            self.kill("stopped again")

    def kill(self, reason: str) -> None:
        if self._killed:
            return
        self._killed = True
        names = ", ".join(proc.name for proc in self.alive())
        if names:
            self.say("system", f"{reason}: sending SIGKILL to {names}")
        self._signal_groups(signal.SIGKILL)

    def _on_signal(self, signum: int, frame: Any) -> None:
        # Only noted here: the supervising loop acts on it (a handler that printed could deadlock
        # on the output lock the interrupted code holds).
        self._pending_signals.append(signal.Signals(signum).name)

    def run(self, *, handle_signals: bool = True) -> int:
        """Start everything, supervise until all processes ended; the first non-zero exit code (or 0).
        SIGINT and SIGTERM call stop() (handle_signals=False leaves them alone, for a caller's thread)."""
        signals = (signal.SIGINT, signal.SIGTERM) if handle_signals else ()
        previous = {sig: signal.signal(sig, self._on_signal) for sig in signals}
        try:
            self.start()
            reported: set[str] = set()
            code = 0
            while True:
                while self._pending_signals:
                    self.stop(self._pending_signals.pop(0))
                for proc in self.procs:
                    rc = proc.popen.poll()
                    if rc is not None and proc.name not in reported:
                        reported.add(proc.name)
                        proc.reader.join(timeout=2)
                        self.say("system", f"{proc.name} stopped (exit code {rc})")
                        if self._stopping_since is None:
                            code = code or (rc if rc > 0 else 1)
                            self.stop(f"{proc.name} exited")
                        elif rc not in (0, -signal.SIGTERM):
                            code = code or (rc if rc > 0 else 1)
                if len(reported) == len(self.procs):
                    return code
                if self._stopping_since is not None and self.clock() - self._stopping_since > self.shutdown_timeout:
                    self.kill(f"still running after {self.shutdown_timeout:.0f} s")
                time.sleep(0.1)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def main(procfile: Path, *, cwd: Path, env: dict[str, str]) -> int:
    return Runner(read_procfile(procfile), cwd=cwd, env=env).run()
