"""Structured logs: JSON lines in production, email addresses masked, and the request id of an
HTTP request carried into the Celery tasks it enqueues."""

import json
import logging

import pytest
import structlog
from kombu import Connection

from config.celery import app as celery_app
from config.logs import build_logging, mask_emails
from tests.config.test_metrics import QUEUES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("email to jane.doe@example.com sent", "email to j***@example.com sent", id="plain"),
        pytest.param("<Jane <jane+tag@mail.example.co.uk>>", "<Jane <j***@mail.example.co.uk>>", id="tagged"),
        pytest.param("a@b.io, bob@x.org", "a***@b.io, b***@x.org", id="two"),
        pytest.param("ticket #12 updated", "ticket #12 updated", id="none"),
        pytest.param("user@localhost", "user@localhost", id="no-tld-left-alone"),
    ],
)
def test_mask_emails(text, expected):
    assert mask_emails(text) == expected


def _formatter(fmt: str) -> logging.Formatter:
    config = build_logging(level="INFO", fmt=fmt)["formatters"]["structured"]
    factory = config.pop("()")
    return factory(**config)


def test_production_lines_are_json_with_request_id_and_masked_emails():
    record = logging.LogRecord(
        "notifications.services",
        logging.INFO,
        __file__,
        1,
        "email %s to %s: %s",
        ("welcome", "jane@example.com", "sent"),
        None,
    )
    structlog.contextvars.bind_contextvars(request_id="req-42", user_id=7)
    try:
        line = _formatter("json").format(record)
    finally:
        structlog.contextvars.clear_contextvars()

    entry = json.loads(line)
    assert entry["event"] == "email welcome to j***@example.com: sent"
    assert (entry["level"], entry["logger"], entry["request_id"], entry["user_id"]) == (
        "info",
        "notifications.services",
        "req-42",
        7,
    )
    assert entry["timestamp"].endswith("Z")


def test_structlog_values_are_masked_too():
    logger = structlog.get_logger("tests")
    record = logging.LogRecord("tests", logging.INFO, __file__, 1, {}, None, None)
    record.msg = {"event": "customer merged", "from_email": "old@example.com", "ids": ["x@example.com"]}
    record._logger = logger
    record._name = "info"

    entry = json.loads(_formatter("json").format(record))

    assert (entry["from_email"], entry["ids"]) == ("o***@example.com", ["x***@example.com"])


def test_development_lines_are_plain_and_masked():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "bounce from %s", ("kim@example.org",), None)

    line = _formatter("plain").format(record)

    assert "bounce from k***@example.org" in line
    assert "{" not in line


def _drain() -> list:
    messages = []
    with Connection("memory://") as conn:
        for name in QUEUES:
            queue = conn.SimpleQueue(name)
            while True:
                try:
                    message = queue.get_nowait()
                except queue.Empty:
                    break
                messages.append(message)
                message.ack()
            queue.close()
    return messages


@pytest.mark.django_db(transaction=True)
def test_request_id_travels_into_the_tasks_the_request_enqueues(api_agent, settings):
    settings.DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True  # the proxy sets X-Request-ID
    _drain()
    celery_app.conf.task_always_eager = False  # publish to the (in-memory) broker, as in production
    try:
        response = api_agent.post(
            "/api/v1/tickets/",
            {"title": "Printer on fire", "customer_email": "dana@example.org"},
            format="json",
            HTTP_X_REQUEST_ID="req-from-the-proxy-1",
        )
    finally:
        celery_app.conf.task_always_eager = True
    messages = _drain()

    assert response.status_code == 201
    assert messages, "the ticket's outbox event was not enqueued"
    assert {m.headers["__django_structlog__"]["request_id"] for m in messages} == {"req-from-the-proxy-1"}
