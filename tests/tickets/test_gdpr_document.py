"""The GDPR export document, key by key, and the anonymisation helpers' exact effects (the
expected documents are written out by hand from the rows the test creates)."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from freezegun import freeze_time
from model_bakery import baker

from tickets import anonymisation
from tickets.anonymisation import attachments_purge, inbound_messages_forget
from tickets.gdpr import _actor, customer_gdpr_document
from tickets.models import Attachment, InboundMessage

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-12-01T10:00:00+00:00")
ISO = "2026-12-01T10:00:00+00:00"


@freeze_time(NOW)
def test_the_export_document_key_by_key(make_agent, org_a, django_user_model):
    agent = make_agent(email="agent@helpdesk.test")
    agent.user.name = "Agent Smith"
    agent.user.save(update_fields=["name"])
    login = django_user_model.objects.create_user(email="dora@acme.example", password="x-Secret-123", name="Dora")
    dora = baker.make_recipe(
        "tests.customers.customer",
        email="dora@acme.example",
        name="Dora",
        company="Acme",
        phone="+14155550100",
        tier="premium",
        organization=org_a,
        crm_id="crm-7",
        metadata={"plan": "x"},
        email_opt_out=True,
        user=login,
    )
    category = baker.make_recipe("tests.tickets.category", slug="billing")
    ticket = baker.make_recipe(
        "tests.tickets.ticket",
        customer=dora,
        organization=org_a,
        title="Invoice wrong",
        description="Line 3",
        status="resolved",
        priority="high",
        category=category,
        tags=["vat"],
        metadata={"order": 7},
        channel="email",
        resolved_at=NOW,
    )
    plain = baker.make_recipe("tests.tickets.ticket", customer=dora, organization=org_a, title="Second one")
    mine = baker.make_recipe("tests.tickets.comment", ticket=ticket, customer=dora, body="From Dora", channel="email")
    note = baker.make_recipe(
        "tests.tickets.comment", ticket=ticket, author=agent.user, body="Internal", is_internal=True
    )
    attachment = baker.make(
        Attachment, ticket=ticket, file="attachments/x.pdf", filename="x.pdf", content_type="application/pdf", size=9
    )
    other = baker.make_recipe("tests.tickets.ticket", title="Someone else's")
    elsewhere = baker.make_recipe("tests.tickets.comment", ticket=other, customer=dora, body="Me too")

    document = customer_gdpr_document(dora)

    assert document == {
        "generated_at": ISO,
        "customer": {
            "id": dora.pk,
            "email": "dora@acme.example",
            "name": "Dora",
            "company": "Acme",
            "phone": "+14155550100",
            "tier": "premium",
            "organization": {"id": org_a.pk, "name": "Acme Corp"},
            "crm_id": "crm-7",
            "metadata": {"plan": "x"},
            "email_opt_out": True,
            "has_portal_login": True,
            "erased_at": None,
            "created_at": ISO,
            "updated_at": ISO,
        },
        "tickets": [
            {
                "id": ticket.pk,
                "title": "Invoice wrong",
                "description": "Line 3",
                "status": "resolved",
                "priority": "high",
                "category": "billing",
                "tags": ["vat"],
                "metadata": {"order": 7},
                "channel": "email",
                "created_at": ISO,
                "updated_at": ISO,
                "resolved_at": ISO,
                "closed_at": None,
                "comments": [
                    {
                        "id": mine.pk,
                        "ticket_id": ticket.pk,
                        "body": "From Dora",
                        "is_internal": False,
                        "from_customer": True,
                        "author": None,
                        "channel": "email",
                        "created_at": ISO,
                    },
                    {
                        "id": note.pk,
                        "ticket_id": ticket.pk,
                        "body": "Internal",
                        "is_internal": True,
                        "from_customer": False,
                        "author": "Agent Smith",
                        "channel": "web",
                        "created_at": ISO,
                    },
                ],
                "attachments": [
                    {
                        "id": attachment.pk,
                        "filename": "x.pdf",
                        "content_type": "application/pdf",
                        "size": 9,
                        "created_at": ISO,
                    }
                ],
            },
            {
                "id": plain.pk,
                "title": "Second one",
                "description": "Something does not work.",
                "status": "open",
                "priority": "medium",
                "category": None,
                "tags": [],
                "metadata": {},
                "channel": "web",
                "created_at": ISO,
                "updated_at": ISO,
                "resolved_at": None,
                "closed_at": None,
                "comments": [],
                "attachments": [],
            },
        ],
        "comments_on_other_tickets": [
            {
                "id": elsewhere.pk,
                "ticket_id": other.pk,
                "body": "Me too",
                "is_internal": False,
                "from_customer": True,
                "author": None,
                "channel": "web",
                "created_at": ISO,
            }
        ],
    }


def test_a_customer_without_organisation_or_login():
    customer = baker.make_recipe("tests.customers.customer", organization=None, user=None)

    document = customer_gdpr_document(customer)

    assert (document["customer"]["organization"], document["customer"]["has_portal_login"]) == (None, False)
    assert (document["tickets"], document["comments_on_other_tickets"]) == ([], [])


def test_the_recorded_actor_is_an_authenticated_user_or_nobody(agent):
    from django.contrib.auth.models import AnonymousUser

    assert _actor(agent.user) == agent.user
    assert _actor(AnonymousUser()) is None
    assert _actor(None) is None


# --- anonymisation helpers -------------------------------------------------------------------


def _stored(name: str) -> str:
    return default_storage.save(name, ContentFile(b"data"))


def test_attachments_purge_deletes_rows_now_and_files_on_commit(ticket, django_capture_on_commit_callbacks):
    kept = baker.make_recipe("tests.tickets.ticket")
    names = [_stored("attachments/a.txt"), _stored("attachments/b.txt")]
    for name in names:
        baker.make(Attachment, ticket=ticket, file=name, filename=name, size=4)
    other = baker.make(Attachment, ticket=kept, file=_stored("attachments/c.txt"), filename="c", size=4)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert attachments_purge(ticket_ids=[ticket.pk]) == 2
    assert [default_storage.exists(n) for n in names] == [True, True]  # not before the commit
    for callback in callbacks:
        callback()

    assert [default_storage.exists(n) for n in names] == [False, False]
    assert list(Attachment.objects.values_list("pk", flat=True)) == [other.pk]
    assert default_storage.exists(other.file.name)


def test_nothing_to_delete_registers_no_callback(ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert attachments_purge(ticket_ids=[ticket.pk]) == 0

    assert callbacks == []


def test_a_file_that_cannot_be_deleted_is_logged_and_the_others_still_go(
    ticket, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    names = [_stored("attachments/a.txt"), _stored("attachments/b.txt")]
    for name in names:
        baker.make(Attachment, ticket=ticket, file=name, filename=name, size=4)
    real_delete = default_storage.delete

    def delete(name):
        if name == names[0]:
            raise OSError("read-only")
        real_delete(name)

    monkeypatch.setattr(anonymisation.default_storage, "delete", delete)

    with (
        caplog.at_level(logging.ERROR, logger="tickets.anonymisation"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        attachments_purge(ticket_ids=[ticket.pk])

    assert [default_storage.exists(n) for n in names] == [True, False]
    assert caplog.record_tuples == [
        ("tickets.anonymisation", logging.ERROR, f"could not delete stored file {names[0]}")
    ]


def test_inbound_messages_forget_clears_the_person_and_keeps_the_position(ticket, django_capture_on_commit_callbacks):
    raw = _stored("inbound/m1.eml")
    baker.make(
        InboundMessage,
        message_id="<m1@x>",
        ticket=ticket,
        status="ticket",
        sender="alice@acme.example",
        subject="Help",
        body_html="<p>Help</p>",
        reason="note",
        raw=raw,
        uid=5,
        uidvalidity=1,
    )
    baker.make(InboundMessage, message_id="<m2@x>", ticket=ticket, status="ignored", sender="a@b.example")
    baker.make(InboundMessage, message_id="<m3@x>", status="ticket", sender="bob@globex.example", subject="Mine")

    with django_capture_on_commit_callbacks(execute=True):
        changed = inbound_messages_forget(messages=InboundMessage.objects.filter(ticket=ticket))

    assert changed == 2
    rows = {
        r.message_id: (r.sender, r.subject, r.body_html, r.reason, r.raw.name, r.uid, r.uidvalidity, r.status)
        for r in InboundMessage.objects.all()
    }
    assert rows == {
        "<m1@x>": ("", "", "", "", "", 5, 1, "ticket"),
        "<m2@x>": ("", "", "", "", "", None, None, "ignored"),
        "<m3@x>": ("bob@globex.example", "Mine", "", "", "", None, None, "ticket"),
    }
    assert not default_storage.exists(raw)
