"""A Django email backend that tries several providers in order.

``EMAIL_BACKEND = "notifications.backends.FailoverEmailBackend"`` with
``EMAIL_FAILOVER_BACKENDS = ["anymail.backends.sendgrid.EmailBackend",
"django.core.mail.backends.smtp.EmailBackend"]`` (settings build the list from ``EMAIL_PROVIDERS``).

Each message goes to the first provider; if that raises, to the next, and so on. A provider's
connection is opened once and reused for the whole batch. Each message gets two attributes the
caller may read: ``sent_via`` (the provider that took it) and ``send_error`` (the last exception
when every provider failed). Errors that are about the recipient (the address is refused) are
permanent: another provider would refuse it too, so they are not failed over."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from typing import Any

from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

logger = logging.getLogger(__name__)

PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    AnymailRecipientsRefused,
    AnymailInvalidAddress,
    smtplib.SMTPRecipientsRefused,
)


def is_permanent(exc: BaseException) -> bool:
    return isinstance(exc, PERMANENT_ERRORS)


def provider_name(backend: Any) -> str:
    """A short name for a backend instance: ``sendgrid``, ``smtp``, ``locmem``..."""
    label = getattr(type(backend), "provider_label", None)
    return label or type(backend).__module__.rsplit(".", 1)[-1]


class FailoverEmailBackend(BaseEmailBackend):
    provider_label = "failover"

    def __init__(self, backends: Sequence[str | dict] | None = None, fail_silently: bool = False, **kwargs: Any):
        super().__init__(fail_silently=fail_silently)
        specs = backends if backends is not None else getattr(settings, "EMAIL_FAILOVER_BACKENDS", [])
        if not specs:
            raise ValueError("FailoverEmailBackend needs EMAIL_FAILOVER_BACKENDS.")
        self._specs = list(specs)
        self._connections: list[BaseEmailBackend | None] = [None] * len(self._specs)

    def _connection(self, index: int) -> BaseEmailBackend:
        if self._connections[index] is None:
            spec = self._specs[index]
            if isinstance(spec, dict):
                options = dict(spec)
                path = options.pop("backend")
            else:
                path, options = spec, {}
            connection = get_connection(path, fail_silently=False, **options)
            connection.open()
            self._connections[index] = connection
        return self._connections[index]  # type: ignore[return-value]

    def open(self) -> bool:
        self._connection(0)
        return True

    def close(self) -> None:
        for index, connection in enumerate(self._connections):
            if connection is not None:
                try:
                    connection.close()
                except Exception:
                    logger.exception("closing email provider %s failed", self._specs[index])
                self._connections[index] = None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        last_error: BaseException | None = None
        for message in email_messages:
            message.sent_via = None  # type: ignore[attr-defined]
            message.send_error = None  # type: ignore[attr-defined]
            for index in range(len(self._specs)):
                try:
                    connection = self._connection(index)
                    if connection.send_messages([message]):
                        message.sent_via = provider_name(connection)  # type: ignore[attr-defined]
                        sent += 1
                        break
                except Exception as exc:
                    message.send_error = exc  # type: ignore[attr-defined]
                    last_error = exc
                    logger.warning("email provider %s failed: %s", self._specs[index], exc)
                    if is_permanent(exc):
                        break
        if last_error is not None and sent < len(email_messages) and not self.fail_silently:
            raise last_error
        return sent


class CompactConsoleEmailBackend(BaseEmailBackend):
    """Development mail: one log line per message (recipients and subject), never the body.

    Django's console backend prints whole MIME messages to stdout, which a Celery worker re-logs
    line by line and which buries everything else in the quick start's log. The full message is
    in the admin's email log (Notifications → Email log)."""

    provider_label = "console"

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            recipients = message.recipients()
            if not recipients:
                continue
            logger.info("console email to %s: %s", ", ".join(recipients), _one_line(message.subject))
            sent += 1
        return sent


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
