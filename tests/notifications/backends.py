"""Real Django email backends for tests (no mocks): they fail the way providers fail."""

from __future__ import annotations

import smtplib

from anymail.exceptions import AnymailRecipientsRefused
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class WorkerDied(BaseException):
    """Raised where a worker would be killed (BaseException: nothing catches it)."""


class BrokenBackend(BaseEmailBackend):
    """A provider that is down: every send is a transient failure."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")


class RefusingBackend(BaseEmailBackend):
    """A provider that refuses the recipient: a permanent failure."""

    def send_messages(self, email_messages):
        raise AnymailRecipientsRefused("recipient refused")


class FlakyBackend(LocmemBackend):
    """Fails the first `failures` sends (transiently), then delivers to the locmem outbox."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).failures > 0:
            type(self).failures -= 1
            raise smtplib.SMTPServerDisconnected("try again later")
        return super().send_messages(messages)


class CountingBackend(LocmemBackend):
    """The locmem outbox, counting connections opened."""

    opened = 0

    def open(self):
        type(self).opened += 1
        return True


class DyingBackend(BaseEmailBackend):
    """The worker is killed while sending."""

    def send_messages(self, email_messages):
        raise WorkerDied
