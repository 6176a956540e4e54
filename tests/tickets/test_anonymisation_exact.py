"""tickets_anonymise stated exactly (tickets/anonymisation.py): which fields of the ticket, its comments,
its events, its attachments and its inbound mail are blanked, which are kept, the counts it returns,
and that another ticket is left as it was. Expected rows are written out by hand."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from freezegun import freeze_time
from model_bakery import baker

from tickets.anonymisation import tickets_anonymise
from tickets.models import Attachment, Comment, InboundMessage, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

CREATED = datetime.fromisoformat("2026-05-01T09:00:00+00:00")
ERASED = datetime.fromisoformat("2026-06-01T12:00:00+00:00")


def _ticket(customer, **fields) -> Ticket:
    return baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer,
        organization=customer.organization,
        status="pending",
        priority="high",
        tags=["vpn"],
        **fields,
    )


def _event(ticket, kind, field="", old=None, new=None, note="") -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, field=field, old_value=old, new_value=new, note=note, created_at=CREATED
    )


@pytest.fixture
def history(customer_a):
    """Ticket `hers` with text everywhere anonymisation looks; ticket `kept` with the same, untouched."""
    with freeze_time(CREATED):
        hers = _ticket(
            customer_a,
            title="Alice's VPN",
            description="My password is hunter2",
            metadata={"crm": "alice"},
            external_id="ext-1",
            version=3,
        )
        kept = _ticket(
            customer_a, title="Kept", description="Kept text", metadata={"k": 1}, external_id="ext-2", version=5
        )
        for ticket in (hers, kept):
            baker.make_recipe(
                "tests.tickets.comment", ticket=ticket, customer=customer_a, body="From Alice", email_message_id="<c@x>"
            )
            baker.make_recipe("tests.tickets.comment", ticket=ticket, body="Agent note", is_internal=True)
            for field in ("title", "description", "metadata", "external_id", "status", "priority"):
                _event(ticket, "updated", field=field, old=f"old {field}", new=f"new {field}")
            _event(ticket, "attached", old="a.pdf", new={"skipped": "a.pdf", "size": 9}, note="Email attachment")
            _event(ticket, "status_changed", field="status", old="open", new="pending", note="By Alice")
            _event(ticket, "commented", note="")
            name = default_storage.save(f"attachments/{ticket.pk}.txt", ContentFile(b"data"))
            baker.make(Attachment, ticket=ticket, file=name, filename="a.txt", size=4)
            raw = default_storage.save(f"inbound/{ticket.pk}.eml", ContentFile(b"From: alice"))
            baker.make(
                InboundMessage,
                message_id=f"<m{ticket.pk}@x>",
                ticket=ticket,
                status="ticket",
                sender="alice@acme.example",
                subject="VPN",
                body_html="<p>VPN</p>",
                reason="a note",
                raw=raw,
            )
    return {"hers": hers, "kept": kept}


def _events(ticket) -> list[tuple]:
    return list(
        TicketEvent.objects.filter(ticket=ticket)
        .order_by("pk")
        .values_list("kind", "field", "old_value", "new_value", "note")
    )


KEPT_EVENTS = [
    ("updated", "title", "old title", "new title", ""),
    ("updated", "description", "old description", "new description", ""),
    ("updated", "metadata", "old metadata", "new metadata", ""),
    ("updated", "external_id", "old external_id", "new external_id", ""),
    ("updated", "status", "old status", "new status", ""),
    ("updated", "priority", "old priority", "new priority", ""),
    ("attached", "", "a.pdf", {"skipped": "a.pdf", "size": 9}, "Email attachment"),
    ("status_changed", "status", "open", "pending", "By Alice"),
    ("commented", "", None, None, ""),
]


@freeze_time(ERASED)
def test_the_ticket_text_goes_and_its_statistics_stay(history, django_capture_on_commit_callbacks):
    hers = history["hers"]
    files = [Attachment.objects.get(ticket=hers).file.name, InboundMessage.objects.get(ticket=hers).raw.name]

    with django_capture_on_commit_callbacks(execute=True):
        changed = tickets_anonymise(ticket_ids=[hers.pk])

    assert changed == {"tickets": 1, "comments": 2, "attachments": 1, "inbound_messages": 1}
    row = Ticket.objects.filter(pk=hers.pk).values(
        "title",
        "description",
        "metadata",
        "external_id",
        "anonymized_at",
        "updated_at",
        "version",
        "status",
        "priority",
        "tags",
        "created_at",
        "customer_id",
    )[0]
    assert row == {
        "title": "[anonymised]",
        "description": "",
        "metadata": {},
        "external_id": None,
        "anonymized_at": ERASED,
        "updated_at": ERASED,
        "version": 4,
        "status": "pending",
        "priority": "high",
        "tags": ["vpn"],
        "created_at": CREATED,
        "customer_id": hers.customer_id,
    }
    assert sorted(Comment.objects.filter(ticket=hers).values_list("body", "email_message_id", "is_internal")) == [
        ("[removed]", "", False),
        ("[removed]", "", True),
    ]
    assert _events(hers) == [
        ("updated", "title", None, None, ""),
        ("updated", "description", None, None, ""),
        ("updated", "metadata", None, None, ""),
        ("updated", "external_id", None, None, ""),
        ("updated", "status", "old status", "new status", ""),  # not free text: kept
        ("updated", "priority", "old priority", "new priority", ""),
        ("attached", "", None, None, ""),  # the file's name and the note go
        ("status_changed", "status", "open", "pending", ""),  # the values stay, the note goes
        ("commented", "", None, None, ""),
    ]
    assert not Attachment.objects.filter(ticket=hers).exists()
    inbound = InboundMessage.objects.get(ticket=hers)
    assert (inbound.sender, inbound.subject, inbound.body_html, inbound.reason, inbound.raw.name) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert (inbound.message_id, inbound.status) == (f"<m{hers.pk}@x>", "ticket")
    assert [default_storage.exists(name) for name in files] == [False, False]


@freeze_time(ERASED)
def test_another_ticket_is_left_exactly_as_it_was(history, django_capture_on_commit_callbacks):
    kept = history["kept"]

    with django_capture_on_commit_callbacks(execute=True):
        tickets_anonymise(ticket_ids=[history["hers"].pk])

    row = Ticket.objects.filter(pk=kept.pk).values(
        "title", "description", "metadata", "external_id", "anonymized_at", "updated_at", "version"
    )[0]
    assert row == {
        "title": "Kept",
        "description": "Kept text",
        "metadata": {"k": 1},
        "external_id": "ext-2",
        "anonymized_at": None,
        "updated_at": CREATED,
        "version": 5,
    }
    assert sorted(Comment.objects.filter(ticket=kept).values_list("body", "email_message_id")) == [
        ("Agent note", ""),
        ("From Alice", "<c@x>"),
    ]
    assert _events(kept) == KEPT_EVENTS
    attachment = Attachment.objects.get(ticket=kept)
    assert default_storage.exists(attachment.file.name)
    inbound = InboundMessage.objects.get(ticket=kept)
    assert (inbound.sender, inbound.subject, inbound.body_html, inbound.reason) == (
        "alice@acme.example",
        "VPN",
        "<p>VPN</p>",
        "a note",
    )
    assert default_storage.exists(inbound.raw.name)


@freeze_time(ERASED)
def test_the_erasure_texts_are_the_callers(history):
    hers = history["hers"]

    tickets_anonymise(ticket_ids=[hers.pk], title="Erased title", body="Erased body")

    hers.refresh_from_db()
    assert (hers.title, hers.description) == ("Erased title", "")
    assert set(Comment.objects.filter(ticket=hers).values_list("body", flat=True)) == {"Erased body"}


@freeze_time(ERASED)
def test_several_tickets_at_once_are_counted_together(history, django_capture_on_commit_callbacks):
    ids = [history["hers"].pk, history["kept"].pk]

    with django_capture_on_commit_callbacks(execute=True):
        changed = tickets_anonymise(ticket_ids=ids)

    assert changed == {"tickets": 2, "comments": 4, "attachments": 2, "inbound_messages": 2}
    assert list(Ticket.objects.filter(pk__in=ids).order_by("pk").values_list("version", flat=True)) == [4, 6]


def test_no_tickets_changes_nothing(history):
    assert tickets_anonymise(ticket_ids=[]) == {"tickets": 0, "comments": 0, "attachments": 0, "inbound_messages": 0}
    assert Ticket.objects.filter(anonymized_at__isnull=False).count() == 0


def test_a_rolled_back_anonymisation_keeps_the_files(history, django_capture_on_commit_callbacks):
    hers = history["hers"]
    name = Attachment.objects.get(ticket=hers).file.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tickets_anonymise(ticket_ids=[hers.pk])

    assert default_storage.exists(name)  # deleted only once the transaction commits
    assert len(callbacks) == 2  # the attachments' files, the raw .eml files


@pytest.mark.parametrize("note", ["By Alice", "XXXX", " "], ids=["words", "placeholder-like", "a-space"])
def test_every_event_note_of_the_ticket_is_cleared_whatever_it_says(ticket, note):
    event = _event(ticket, "commented", note=note)

    tickets_anonymise(ticket_ids=[ticket.pk])

    event.refresh_from_db()
    assert event.note == ""
