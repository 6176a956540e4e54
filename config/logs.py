"""Logging: plain lines in development, one JSON object per line in production (LOG_FORMAT=json),
email addresses masked in both.

structlog (through django-structlog) renders every record, Django's and the libraries' included.
django-structlog's middleware binds a `request_id` (the `X-Request-ID` header when the proxy sets
one, else a new UUID) and `user_id` to everything logged while the request runs; its Celery
integration carries them in the message headers of every task the request enqueues, and binds them
again in the worker, so a webhook delivery's log line names the request that caused it.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

import structlog

EMAIL_RE = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")


def mask_emails(text: str) -> str:
    """`jane.doe@example.com` -> `j***@example.com`: enough to tell domains apart, not the person."""
    return EMAIL_RE.sub(r"\1***@\2", text)


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_emails(value)
    if isinstance(value, dict):
        return {key: _mask(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_mask(item) for item in value)
    return value


def mask_emails_processor(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> Any:
    """structlog processor: mask every email address in the event and its values."""
    return {key: _mask(value) for key, value in event_dict.items()}


SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
]


def build_logging(*, level: str, fmt: str) -> dict[str, Any]:
    """The LOGGING dict for `LOG_FORMAT` (`json` or `plain`); configures structlog alongside."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    if fmt == "json":
        renderer: Any = structlog.processors.JSONRenderer()
        tail: list[Any] = [structlog.processors.dict_tracebacks]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        tail = []
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": SHARED_PROCESSORS,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *tail,
                    mask_emails_processor,
                    renderer,
                ],
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            # django-structlog's per-request start/finish lines: the access log of the web process.
            "django_structlog": {"level": level},
        },
    }
