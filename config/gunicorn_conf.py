"""gunicorn settings for the image's `web` role (`gunicorn config.wsgi -c python:config.gunicorn_conf`).

Graceful shutdown: on SIGTERM gunicorn stops accepting connections and gives in-flight requests
`graceful_timeout` seconds to finish; the orchestrator's grace period (Kubernetes
`terminationGracePeriodSeconds`, compose `stop_grace_period`) must be longer, and a short pre-stop
pause lets the load balancer stop routing to the pod first (config/deploy/k8s/web.yaml)."""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import multiprocess

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then (slow leaks), staggered so they never all restart at once.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
worker_tmp_dir = "/dev/shm"  # noqa: S108  (heartbeat files in memory, not on the container's disk)
# The proxy in front terminates TLS and sets X-Forwarded-*; django-structlog logs each request.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
accesslog = None
errorlog = "-"


def child_exit(server: Any, worker: Any) -> None:
    """Forget a dead worker's live gauges in the multi-process metrics folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
