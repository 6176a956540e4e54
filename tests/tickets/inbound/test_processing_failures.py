"""Processing one message that cannot become a ticket or a reply: duplicates, unparseable messages,
failure reasons, attempts, and the retry of a failed message from its stored source."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from tests.tickets.inbound.messages import NOW, compose, make_mailbox
from tickets.inbound import services
from tickets.inbound.services import InboundResult, inbound_email_process, inbound_message_retry
from tickets.models import InboundMessage, Ticket

pytestmark = pytest.mark.django_db


# --- duplicates and failures -----------------------------------------------------------------


def test_a_duplicate_names_the_first_outcome():
    first = inbound_email_process(raw=compose())

    again = inbound_email_process(raw=compose())

    assert again == InboundResult(
        "duplicate", ticket_id=first.ticket_id, comment_id=None, reason="already processed", record_id=first.record_id
    )
    assert InboundMessage.objects.get().attempts == 1


@freeze_time(NOW)
def test_an_unparseable_message_is_recorded_as_failed(monkeypatch):
    mailbox = make_mailbox("support@helpdesk.test")

    def broken(raw):
        raise ValueError("bad bytes")

    monkeypatch.setattr(services, "message_parse_full", broken)

    result = inbound_email_process(raw=b"junk", mailbox=mailbox, uidvalidity=3, uid=4, source="imap")

    record = InboundMessage.objects.get()
    assert result == InboundResult("failed", reason="unparseable message: ValueError: bad bytes", record_id=record.pk)
    assert result.failed is True
    assert (
        record.message_id,
        record.mailbox_id,
        record.uidvalidity,
        record.uid,
        record.source,
        record.status,
        record.attempts,
        record.processed_at,
    ) == (
        "<sha256-ef875a1705a5fdac206be996f4dc1f726ea6b688@inbound.invalid>",
        mailbox.pk,
        3,
        4,
        "imap",
        "failed",
        1,
        None,
    )
    assert record.raw.read() == b"junk"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        pytest.param(RuntimeError("boom"), "RuntimeError: boom", id="any-exception"),
        pytest.param(ValidationError(["first", "second"]), "first; second", id="validation-list"),
        pytest.param(
            ValidationError({"title": ["too long", "markup"], "team": ["inactive"]}),
            "title: too long, markup; team: inactive",
            id="validation-dict",
        ),
    ],
)
def test_a_failure_reason_names_the_error(monkeypatch, error, reason):
    def fail(**kwargs):
        raise error

    monkeypatch.setattr(services, "ticket_create", fail)

    result = inbound_email_process(raw=compose())

    assert (result.action, result.reason) == ("failed", reason)
    assert (InboundMessage.objects.get().reason, Ticket.objects.count()) == (reason, 0)


def test_an_invalid_sender_address_fails_with_the_field_error():
    result = inbound_email_process(raw=compose(sender="x@-bad-.example"))

    assert result.reason == "customer_email: Enter a valid email address."


def test_a_failed_message_that_fails_again_counts_its_attempts_and_keeps_its_place(monkeypatch):
    mailbox = make_mailbox("support@helpdesk.test")

    def fail(**kwargs):
        raise RuntimeError("down")

    monkeypatch.setattr(services, "ticket_create", fail)
    inbound_email_process(raw=compose(), mailbox=mailbox, uidvalidity=5, uid=6, source="imap")

    result = inbound_email_process(raw=compose(), source="pipe")

    record = InboundMessage.objects.get()
    assert (result.action, result.record_id) == ("failed", record.pk)
    assert (record.attempts, record.mailbox_id, record.uidvalidity, record.uid, record.source) == (
        2,
        mailbox.pk,
        5,
        6,
        "pipe",
    )


def test_a_long_failure_reason_is_cut(monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("e" * 6000)

    monkeypatch.setattr(services, "ticket_create", fail)

    inbound_email_process(raw=compose())

    assert InboundMessage.objects.get().reason == "RuntimeError: " + "e" * (5000 - len("RuntimeError: "))


def test_a_uid_already_used_by_another_message_fails_without_a_record(caplog):
    mailbox = make_mailbox("support@helpdesk.test")
    inbound_email_process(raw=compose(message_id="<first@new.example>"), mailbox=mailbox, uidvalidity=1, uid=1)

    with caplog.at_level(logging.WARNING, logger="tickets.inbound.services"):
        result = inbound_email_process(
            raw=compose(message_id="<second@new.example>"), mailbox=mailbox, uidvalidity=1, uid=1
        )

    assert result == InboundResult("failed", reason="a database constraint refused the message", record_id=None)
    assert list(InboundMessage.objects.values_list("message_id", flat=True)) == ["<first@new.example>"]
    assert (
        "tickets.inbound.services",
        logging.WARNING,
        "inbound message <second@new.example>: could not record the failure: a database constraint refused the message",
    ) in caplog.record_tuples
    assert Ticket.objects.count() == 1


# --- retry -----------------------------------------------------------------------------------


@freeze_time(NOW)
def test_a_retry_processes_the_stored_source_in_the_same_place(monkeypatch):
    mailbox = make_mailbox("support@helpdesk.test")
    monkeypatch.setattr(services, "ticket_create", lambda **kwargs: (_ for _ in ()).throw(RuntimeError("down")))
    inbound_email_process(raw=compose(), mailbox=mailbox, uidvalidity=8, uid=9, source="imap")
    monkeypatch.undo()
    record = InboundMessage.objects.get()

    result = inbound_message_retry(record=record)

    record.refresh_from_db()
    assert result == InboundResult(
        "ticket", ticket_id=Ticket.objects.get().pk, comment_id=None, reason="", record_id=record.pk
    )
    assert (record.status, record.attempts, record.mailbox_id, record.uidvalidity, record.uid, record.source) == (
        "ticket",
        2,
        mailbox.pk,
        8,
        9,
        "imap",
    )
    assert record.processed_at == NOW


def test_only_a_failed_message_is_retried():
    inbound_email_process(raw=compose())

    with pytest.raises(ValidationError) as caught:
        inbound_message_retry(record=InboundMessage.objects.get())

    assert caught.value.message_dict == {"status": ["Only failed messages can be retried."]}


def test_a_failed_message_without_its_source_is_not_retried():
    record = baker.make(InboundMessage, message_id="<gone@x>", status="failed", raw="")

    with pytest.raises(ValidationError) as caught:
        inbound_message_retry(record=record)

    assert caught.value.message_dict == {"raw": ["The raw message is no longer stored (retention)."]}
