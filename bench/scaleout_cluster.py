"""The scale-out rehearsal's moving parts (bench/scaleout.py): a webhook receiver on loopback that
counts every receipt by webhook-id, the cluster of web servers, workers and beat it starts, kills and
restarts, and the bounded mixed API load it drives through every web server."""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUEUES = "celery,sla,outbox,webhooks,email,jobs"
CELERY_DEPTH = 'helpdesk_celery_queue_length{queue="celery"}'
PASSWORD = "scaleout-rehearsal-password"
TOKEN = "scaleout-metrics-token"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- a webhook receiver on loopback: counts every receipt by webhook-id ------------------------------


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fail_ratio: float) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.lock = threading.Lock()
        self.receipts: Counter[str] = Counter()  # webhook-id -> 2xx answers given
        self.event_ids: dict[str, set[str]] = {}  # outbox event id -> webhook-ids seen
        self.refused = 0
        self.rng = random.Random(7)
        self.fail_ratio = fail_ratio


class ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server: Receiver = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        webhook_id = self.headers.get("webhook-id", "")
        with server.lock:
            if server.rng.random() < server.fail_ratio:
                server.refused += 1
                status = 503
            else:
                status = 200
                server.receipts[webhook_id] += 1
                event_id = str(json.loads(body or b"{}").get("event_id", ""))
                server.event_ids.setdefault(event_id, set()).add(webhook_id)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


# --- processes -------------------------------------------------------------------------------------


class Cluster:
    def __init__(self, args: argparse.Namespace, env: dict[str, str], logs: Path) -> None:
        self.args, self.env, self.logs = args, env, logs
        self.web_ports = [args.base_port + i for i in range(args.web)]
        self.webs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.beat: subprocess.Popen | None = None
        self.restarts = 0

    def _spawn(self, name: str, argv: list[str], extra: dict[str, str] | None = None) -> subprocess.Popen:
        env = {**self.env, **(extra or {})}
        if "PROMETHEUS_MULTIPROC_DIR" in env:
            Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
        out = (self.logs / f"{name}.log").open("ab")
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def start_worker(self, i: int) -> subprocess.Popen:
        argv = [str(BIN / "celery"), "-A", "config", "worker", "--queues", QUEUES, "--hostname", f"w{i}@%h"]
        argv += [
            "--concurrency",
            str(self.args.concurrency),
            "--loglevel",
            "INFO",
            "--without-mingle",
            "--without-gossip",
        ]
        return self._spawn(f"worker{i}", argv, {"PROMETHEUS_MULTIPROC_DIR": str(self.logs / f"prom-worker{i}")})

    def start(self) -> None:
        for i, port in enumerate(self.web_ports):
            argv = [str(BIN / "gunicorn"), "config.wsgi", "--config", "python:config.gunicorn_conf"]
            extra = {
                "PORT": str(port),
                "WEB_CONCURRENCY": "2",
                "PROMETHEUS_MULTIPROC_DIR": str(self.logs / f"prom-web{i}"),
            }
            self.webs.append(self._spawn(f"web{i}", argv, extra))
        self.workers = [self.start_worker(i) for i in range(self.args.workers)]
        beat = [str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO", "--pidfile="]
        self.beat = self._spawn("beat", [*beat, "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"])

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        for port in self.web_ports:
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=3).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"web on {port} never became ready; see {self.logs}")
                time.sleep(0.5)

    def kill_workers(self) -> int:
        killed = 0
        for proc in self.workers:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the worker and every pool process, no warning
                killed += 1
            except ProcessLookupError:
                pass
            proc.wait()
        return killed

    def restart_workers(self) -> None:
        self.workers = [self.start_worker(i) for i in range(self.args.workers)]
        self.restarts += 1

    def stop(self) -> None:
        for proc in [*self.webs, *self.workers, *([self.beat] if self.beat else [])]:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in [*self.webs, *self.workers, *([self.beat] if self.beat else [])]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


# --- load ------------------------------------------------------------------------------------------


class Load:
    def __init__(self, ports: list[int], max_requests: int, seconds: float, clients: int) -> None:
        self.ports, self.max_requests, self.seconds, self.clients = ports, max_requests, seconds, clients
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.lock = threading.Lock()
        self.sent = 0

    def _take(self) -> bool:
        with self.lock:
            if self.sent >= self.max_requests:
                return False
            self.sent += 1
            return True

    def _record(self, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(seconds)

    def client(self, n: int, deadline: float) -> None:
        rng = random.Random(n)
        port = self.ports[n % len(self.ports)]
        base = f"http://127.0.0.1:{port}/api/v1"
        session = requests.Session()
        token = session.post(f"{base}/auth/token/", json={"email": "admin@helpdesk.local", "password": PASSWORD})
        session.headers["Authorization"] = f"Bearer {token.json()['access']}"
        mine: list[int] = []
        while time.monotonic() < deadline and self._take():
            port = self.ports[rng.randrange(len(self.ports))]
            base = f"http://127.0.0.1:{port}/api/v1"
            roll = rng.random()
            started = time.monotonic()
            try:
                if roll < 0.30 or not mine:
                    body = {"title": f"Load ticket {n}-{len(mine)}", "customer_email": f"load{n}@customer.example"}
                    body["priority"] = rng.choice(["low", "medium", "high", "critical"])
                    response = session.post(f"{base}/tickets/", json=body, timeout=30)
                    if response.status_code == 201:
                        mine.append(response.json()["id"])
                elif roll < 0.55:
                    response = session.get(f"{base}/tickets/", params={"page_size": 25}, timeout=30)
                elif roll < 0.70:
                    response = session.get(f"{base}/tickets/{rng.choice(mine)}/", timeout=30)
                elif roll < 0.85:
                    body = {"body": "We are looking into it.", "is_internal": rng.random() < 0.3}
                    response = session.post(f"{base}/tickets/{rng.choice(mine)}/comments/", json=body, timeout=30)
                else:
                    body = {"priority": rng.choice(["low", "medium", "high"])}
                    response = session.patch(f"{base}/tickets/{rng.choice(mine)}/", json=body, timeout=30)
                self._record(response.status_code, time.monotonic() - started)
            except requests.RequestException as exc:
                with self.lock:
                    self.errors[exc.__class__.__name__] += 1

    def run(self) -> list[threading.Thread]:
        deadline = time.monotonic() + self.seconds
        threads = [threading.Thread(target=self.client, args=(n, deadline), daemon=True) for n in range(self.clients)]
        for thread in threads:
            thread.start()
        return threads
