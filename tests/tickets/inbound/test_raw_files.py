"""A message's raw source is stored once: a message that fails leaves no unreferenced copy of its
.eml behind (a copy no row points to is personal data that neither retention nor GDPR erasure can
find)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from freezegun import freeze_time

from tests.tickets.inbound.messages import NOW, compose, make_mailbox
from tickets.inbound import services
from tickets.inbound.services import inbound_email_process
from tickets.models import InboundMessage

pytestmark = pytest.mark.django_db


def _stored_files() -> list[str]:
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.eml"))


def test_a_message_that_fails_leaves_exactly_its_record_copy(monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("down")

    monkeypatch.setattr(services, "ticket_create", fail)

    inbound_email_process(raw=compose())
    inbound_email_process(raw=compose())  # failing again stores nothing new

    assert _stored_files() == [InboundMessage.objects.get().raw.name]


def test_a_message_refused_by_a_constraint_leaves_no_copy_behind():
    mailbox = make_mailbox("support@helpdesk.test")
    inbound_email_process(raw=compose(message_id="<first@new.example>"), mailbox=mailbox, uidvalidity=1, uid=1)

    result = inbound_email_process(
        raw=compose(message_id="<second@new.example>"), mailbox=mailbox, uidvalidity=1, uid=1
    )

    assert (result.action, result.record_id) == ("failed", None)
    assert _stored_files() == [InboundMessage.objects.get(message_id="<first@new.example>").raw.name]


@freeze_time(NOW)
def test_a_copy_that_cannot_be_deleted_is_logged_and_the_failure_still_recorded(monkeypatch, caplog):
    def fail(**kwargs):
        raise RuntimeError("down")

    def read_only(name):
        raise OSError("read-only")

    monkeypatch.setattr(services, "ticket_create", fail)
    monkeypatch.setattr(InboundMessage.raw.field.storage, "delete", read_only)

    with caplog.at_level(logging.ERROR, logger="tickets.inbound.services"):
        result = inbound_email_process(raw=compose(message_id="<ro@new.example>"))

    assert (result.action, result.reason) == ("failed", "RuntimeError: down")
    assert [message for _, _, message in caplog.record_tuples] == [
        "could not delete the unreferenced raw message inbound/2026/12/message.eml",
        "inbound message <ro@new.example> failed",
    ]
    assert InboundMessage.objects.get().raw.name != "inbound/2026/12/message.eml"  # the copy left behind holds it
