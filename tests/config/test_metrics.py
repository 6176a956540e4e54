"""/metrics: token protection, the exposition format, request metrics by view, Celery queue depth
and task instrumentation."""

import pytest
from kombu import Connection

from config import metrics
from config.celery import app as celery_app
from tests.config.test_health import REDIS_URL, closed_port
from tests.prometheus import TOKEN, scrape, value

QUEUES = ["celery", "email", "jobs", "outbox", "sla", "webhooks"]


@pytest.mark.parametrize(
    ("configured", "header"),
    [
        pytest.param("", "", id="unset-token-no-header"),
        pytest.param("", "Bearer ", id="unset-token-empty-bearer"),
        pytest.param(TOKEN, "", id="no-header"),
        pytest.param(TOKEN, "Bearer wrong", id="wrong-token"),
        pytest.param(TOKEN, f"Basic {TOKEN}", id="wrong-scheme"),
        pytest.param(TOKEN, f"Bearer {TOKEN}x", id="longer-token"),
    ],
)
def test_metrics_refuses_without_the_token(client, settings, configured, header):
    settings.METRICS_TOKEN = configured
    extra = {"HTTP_AUTHORIZATION": header} if header else {}

    response = client.get("/metrics", **extra)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"helpdesk_" not in response.content


@pytest.mark.django_db
def test_metrics_page_parses_and_names_every_queue(client, settings):
    samples = scrape(client, settings)

    assert value(samples, "helpdesk_celery_broker_up") == 1
    assert sorted(labels[0][1] for name, labels in samples if name == "helpdesk_celery_queue_length") == QUEUES


@pytest.mark.django_db
def test_request_rate_and_latency_by_view(client, settings):
    before = scrape(client, settings)
    client.get("/healthz")  # answered before the view middleware: not a view
    client.get("/api/v1/me/")
    client.get("/api/v1/me/")
    after = scrape(client, settings)

    name = "django_http_requests_latency_seconds_by_view_method_count"
    labels = {"view": "me", "method": "GET"}
    assert (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0) == 2


@pytest.mark.parametrize("broker", ["memory://", REDIS_URL], ids=["memory", "redis"])
@pytest.mark.django_db
def test_queue_depth_per_queue(client, settings, broker):
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = broker
    try:
        with Connection(broker) as conn:
            sla, email = conn.SimpleQueue("sla"), conn.SimpleQueue("email")
            sla.clear()
            email.clear()
            for n in range(3):
                sla.put({"n": n})
            email.put({"n": 0})
            samples = scrape(client, settings)
            sla.clear()
            email.clear()
            sla.close()
            email.close()
    finally:
        celery_app.conf.broker_url = original

    assert value(samples, "helpdesk_celery_queue_length", queue="sla") == 3
    assert value(samples, "helpdesk_celery_queue_length", queue="email") == 1
    assert value(samples, "helpdesk_celery_queue_length", queue="jobs") == 0


@pytest.mark.django_db
def test_broker_down_is_a_gauge_not_an_error(client, settings):
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/4"
    try:
        samples = scrape(client, settings)
    finally:
        celery_app.conf.broker_url = original

    assert value(samples, "helpdesk_celery_broker_up") == 0
    assert not [name for name, _ in samples if name == "helpdesk_celery_queue_length"]


@celery_app.task(name="tests.metrics_probe")
def metrics_probe(fail: bool = False) -> str:
    if fail:
        raise ValueError("boom")
    return "ok"


@pytest.mark.django_db
def test_task_runtime_and_failures_by_task(client, settings):
    before = scrape(client, settings)
    metrics_probe.delay()
    metrics_probe.delay()
    celery_app.conf.task_eager_propagates = False  # as in a worker: the failure is recorded, not raised
    try:
        failed = metrics_probe.delay(fail=True)
    finally:
        celery_app.conf.task_eager_propagates = True
    after = scrape(client, settings)

    def delta(name, **labels):
        return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)

    assert failed.state == "FAILURE"
    runtime = "helpdesk_celery_task_runtime_seconds_count"
    assert delta(runtime, task="tests.metrics_probe", state="SUCCESS") == 2
    assert delta(runtime, task="tests.metrics_probe", state="FAILURE") == 1
    assert delta("helpdesk_celery_task_failures_total", task="tests.metrics_probe") == 1


def test_published_at_header_is_read_back_from_the_task_request():
    class Request:
        helpdesk_published_at = "1764547200.5"

    class HeadersOnly:
        headers = {"helpdesk_published_at": 1764547200.5}

    class Garbage:
        helpdesk_published_at = "soon"

    assert metrics.published_at(Request()) == 1764547200.5
    assert metrics.published_at(HeadersOnly()) == 1764547200.5
    assert metrics.published_at(Garbage()) is None
    assert metrics.published_at(object()) is None


def test_publishing_stamps_the_header():
    headers = {}

    metrics._stamp_published_at(headers=headers)

    assert isinstance(headers["helpdesk_published_at"], float)


@pytest.mark.django_db
def test_prometheus_can_scrape_a_pod_address_over_plain_http(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["support.example.com"]

    response = client.get("/metrics", HTTP_HOST="10.244.1.17:8000", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    refused = client.get("/metrics", HTTP_HOST="10.244.1.17:8000")

    assert response.status_code == 200
    assert refused.status_code == 401


@pytest.mark.django_db
def test_multiprocess_mode_adds_up_the_processes_files(client, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # no process has written yet

    samples = scrape(client, settings)

    assert value(samples, "helpdesk_outbox_pending_events") == 0
    assert not [name for name, _ in samples if name.startswith("django_http")]


def test_worker_serves_its_task_metrics_on_its_own_port(settings):
    import urllib.request

    port = closed_port()
    settings.CELERY_METRICS_PORT = port
    settings.CELERY_METRICS_ADDR = "127.0.0.1"
    metrics._worker_ready()
    metrics_probe.delay()

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        page = response.read().decode()

    assert 'helpdesk_celery_task_runtime_seconds_count{state="SUCCESS",task="tests.metrics_probe"}' in page
    assert "helpdesk_outbox_pending_events" not in page  # database gauges stay on the web page


def test_worker_metrics_server_is_off_by_default(settings, monkeypatch):
    started = []
    monkeypatch.setattr(metrics, "start_worker_metrics_server", started.append)
    settings.CELERY_METRICS_PORT = 0

    metrics._worker_ready()

    assert started == []
