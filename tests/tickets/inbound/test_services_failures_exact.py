"""A message that fails (tickets/inbound/services.py) stated exactly: where its raw source is stored,
what the log says, and which position of a failed record a later attempt overwrites."""

from __future__ import annotations

import logging

import pytest
from django.db import IntegrityError
from freezegun import freeze_time

from tests.tickets.inbound.messages import NOW, compose, make_mailbox
from tickets.inbound import services
from tickets.inbound.services import inbound_email_process
from tickets.models import InboundMessage, Ticket

pytestmark = pytest.mark.django_db


def _fail(monkeypatch, message: str = "down") -> None:
    def fail(**kwargs):
        raise RuntimeError(message)

    monkeypatch.setattr(services, "ticket_create", fail)


@freeze_time(NOW)
def test_an_unparseable_message_is_stored_as_message_eml_and_logged(monkeypatch, caplog):
    def broken(raw):
        raise ValueError("bad bytes")

    monkeypatch.setattr(services, "message_parse_full", broken)

    with caplog.at_level(logging.ERROR, logger="tickets.inbound.services"):
        inbound_email_process(raw=b"junk")

    assert InboundMessage.objects.get().raw.name == "inbound/2026/12/message.eml"
    assert caplog.record_tuples == [("tickets.inbound.services", logging.ERROR, "inbound message could not be parsed")]


@freeze_time(NOW)
def test_a_message_that_fails_is_stored_as_message_eml_and_logged_with_its_id(monkeypatch, caplog):
    _fail(monkeypatch)

    with caplog.at_level(logging.ERROR, logger="tickets.inbound.services"):
        result = inbound_email_process(raw=compose(message_id="<f1@new.example>"))

    record = InboundMessage.objects.get()
    assert (result.action, result.record_id, record.raw.read()) == (
        "failed",
        record.pk,
        compose(message_id="<f1@new.example>"),
    )
    assert record.raw.name == "inbound/2026/12/message.eml"  # the copy written before the failure is gone
    assert caplog.record_tuples == [
        ("tickets.inbound.services", logging.ERROR, "inbound message <f1@new.example> failed")
    ]


@freeze_time(NOW)
def test_a_processed_message_is_stored_as_message_eml():  # from the pipe by default
    inbound_email_process(raw=compose())

    assert list(InboundMessage.objects.values_list("raw", "source")) == [("inbound/2026/12/message.eml", "pipe")]


def test_a_second_failure_keeps_the_first_stored_source(monkeypatch):
    _fail(monkeypatch)
    inbound_email_process(raw=compose())
    first = InboundMessage.objects.get().raw.name

    inbound_email_process(raw=compose())

    record = InboundMessage.objects.get()
    assert (record.raw.name, record.attempts) == (first, 2)


def test_a_repeated_failure_the_database_refuses_to_record_deletes_no_stored_file(monkeypatch, caplog):
    """The record already points to its raw file; a refused update must not delete it (or any other)."""
    _fail(monkeypatch)
    inbound_email_process(raw=compose())
    stored = InboundMessage.objects.get().raw.name
    deleted: list[str] = []
    monkeypatch.setattr(InboundMessage.raw.field.storage, "delete", deleted.append)

    def refused(self, *args, **kwargs):
        raise IntegrityError("could not serialize access")

    monkeypatch.setattr(InboundMessage, "save", refused)
    with caplog.at_level(logging.WARNING, logger="tickets.inbound.services"):
        result = inbound_email_process(raw=compose())

    assert (result.action, result.reason, deleted) == ("failed", "RuntimeError: down", [])
    assert InboundMessage.raw.field.storage.exists(stored)
    assert caplog.record_tuples[-1] == (
        "tickets.inbound.services",
        logging.WARNING,
        "inbound message <p1@new.example>: could not record the failure: RuntimeError: down",
    )


def test_a_later_failure_overwrites_the_position_with_zeros_but_not_with_nothing(monkeypatch):
    """UID 0 and UIDVALIDITY 0 are positions; None means the caller has none."""
    mailbox = make_mailbox("support@helpdesk.test")
    _fail(monkeypatch)
    inbound_email_process(raw=compose(), mailbox=mailbox, uidvalidity=5, uid=6, source="imap")

    inbound_email_process(raw=compose(), uidvalidity=0, uid=0, source="webhook")

    record = InboundMessage.objects.get()
    assert (record.mailbox_id, record.uidvalidity, record.uid, record.source, record.attempts) == (
        mailbox.pk,
        0,
        0,
        "webhook",
        2,
    )


def test_a_later_failure_with_another_mailbox_moves_the_record(monkeypatch):
    first = make_mailbox("support@helpdesk.test")
    second = make_mailbox("billing@helpdesk.test")
    _fail(monkeypatch)
    inbound_email_process(raw=compose(), mailbox=first, uidvalidity=1, uid=1, source="imap")

    inbound_email_process(raw=compose(), mailbox=second, uidvalidity=2, uid=3, source="imap")

    record = InboundMessage.objects.get()
    assert (record.mailbox_id, record.uidvalidity, record.uid) == (second.pk, 2, 3)


@freeze_time(NOW)
def test_a_failed_message_processed_again_is_complete_and_keeps_no_reason(monkeypatch):
    _fail(monkeypatch, "down")
    inbound_email_process(raw=compose(), uidvalidity=4, uid=5, source="imap")
    monkeypatch.undo()

    result = inbound_email_process(raw=compose(), source="pipe")

    record = InboundMessage.objects.get()
    ticket = Ticket.objects.get()
    assert (result.action, result.ticket_id, result.record_id) == ("ticket", ticket.pk, record.pk)
    assert (
        record.status,
        record.reason,
        record.ticket_id,
        record.uidvalidity,
        record.uid,
        record.source,
        record.sender,
        record.subject,
        record.attempts,
        record.processed_at,
    ) == ("ticket", "", ticket.pk, None, None, "pipe", "carol@new.example", "Printer jammed", 2, NOW)
