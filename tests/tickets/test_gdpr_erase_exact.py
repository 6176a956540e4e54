"""GDPR erasure and export (tickets/gdpr.py) stated exactly: the customer.erased event, the audit
entry's actor and counts, what happens to comments written elsewhere, and that the export reads the
customer fresh from the database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from freezegun import freeze_time
from model_bakery import baker

from customers.models import GdprAuditEntry
from notifications.models import OutboxEvent
from tickets.gdpr import customer_erase, customer_gdpr_export
from tickets.models import Comment, InboundMessage, Ticket, TicketFollower

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-12-01T10:00:00+00:00")


def _erased_event(customer) -> dict:
    return OutboxEvent.objects.get(event="customer.erased").payload


@pytest.mark.parametrize("who", ["admin", "anonymous", "none"])
def test_the_erased_event_and_the_audit_name_an_authenticated_actor_only(admin_agent, customer_a, who):
    actor = {"admin": admin_agent.user, "anonymous": AnonymousUser(), "none": None}[who]
    expected_actor = admin_agent.user.pk if who == "admin" else None

    customer_erase(customer=customer_a, actor=actor)

    assert _erased_event(customer_a) == {"id": customer_a.pk, "actor_id": expected_actor}
    entry = GdprAuditEntry.objects.get()
    assert (entry.action, entry.customer_id, entry.customer_ref, entry.actor_id) == (
        "erase",
        customer_a.pk,
        customer_a.pk,
        expected_actor,
    )
    assert entry.details == {"tickets": 0, "comments": 0, "attachments": 0, "inbound_messages": 0, "followers": 0}


@freeze_time(NOW)
def test_an_erased_customer_is_returned_as_it_is_and_nothing_more_is_recorded(customer_a):
    first = customer_erase(customer=customer_a, actor=None)

    again = customer_erase(customer=customer_a, actor=None)

    assert (again.pk, again.email, again.erased_at) == (customer_a.pk, f"erased-{customer_a.pk}@erased.invalid", NOW)
    assert first.erased_at == NOW
    assert GdprAuditEntry.objects.count() == 1
    assert OutboxEvent.objects.filter(event="customer.erased").count() == 1


def test_comments_elsewhere_lose_their_text_and_message_id_and_are_counted_once(customer_a, customer_b):
    hers = baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)
    bobs = baker.make_recipe("tests.tickets.ticket", customer=customer_b, organization=customer_b.organization)
    on_hers = baker.make_recipe(
        "tests.tickets.comment", ticket=hers, customer=customer_a, body="Mine", email_message_id="<a@x>"
    )
    on_bobs = baker.make_recipe(
        "tests.tickets.comment", ticket=bobs, customer=customer_a, body="Me too", email_message_id="<b@x>"
    )
    bobs_own = baker.make_recipe(
        "tests.tickets.comment", ticket=bobs, customer=customer_b, body="Bob's", email_message_id="<c@x>"
    )

    customer_erase(customer=customer_a, actor=None)

    rows = dict(Comment.objects.values_list("pk", "body"))
    ids = dict(Comment.objects.values_list("pk", "email_message_id"))
    assert (rows[on_hers.pk], rows[on_bobs.pk], rows[bobs_own.pk]) == ("[erased]", "[erased]", "Bob's")
    assert (ids[on_hers.pk], ids[on_bobs.pk], ids[bobs_own.pk]) == ("", "", "<c@x>")
    assert GdprAuditEntry.objects.get().details == {
        "tickets": 1,
        "comments": 2,
        "attachments": 0,
        "inbound_messages": 0,
        "followers": 0,
    }
    assert Ticket.objects.get(pk=bobs.pk).anonymized_at is None


def test_her_mail_is_matched_by_her_address_in_lower_case_and_counted_once(customer_a, customer_b):
    """The inbound log stores senders in lower case; her address is compared the same way."""
    customer_a.email = "Alice@Acme.example"
    customer_a.save(update_fields=["email"])
    hers = baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)
    bobs = baker.make_recipe("tests.tickets.ticket", customer=customer_b, organization=customer_b.organization)
    baker.make(InboundMessage, message_id="<1@x>", ticket=hers, status="ticket", sender="alice@acme.example")
    baker.make(InboundMessage, message_id="<2@x>", ticket=None, status="bounce", sender="alice@acme.example")
    baker.make(InboundMessage, message_id="<3@x>", ticket=bobs, status="ignored", sender="alice@acme.example")
    baker.make(InboundMessage, message_id="<4@x>", ticket=bobs, status="ticket", sender="bob@globex.example")
    TicketFollower.objects.create(ticket=bobs, email="alice@acme.example", customer=customer_a)
    TicketFollower.objects.create(ticket=hers, email="carol@acme.example")

    customer_erase(customer=customer_a, actor=None)

    assert dict(InboundMessage.objects.values_list("message_id", "sender")) == {
        "<1@x>": "",
        "<2@x>": "",
        "<3@x>": "",
        "<4@x>": "bob@globex.example",
    }
    assert list(TicketFollower.objects.values_list("email", flat=True)) == ["carol@acme.example"]
    details = GdprAuditEntry.objects.get().details
    assert (details["inbound_messages"], details["followers"]) == (3, 1)


def test_the_export_reads_the_customer_from_the_database(admin_agent, customer_a):
    stale = type(customer_a).objects.get(pk=customer_a.pk)
    type(customer_a).objects.filter(pk=customer_a.pk).update(name="Alice Renamed", phone="+14155550100")

    document = customer_gdpr_export(customer=stale, actor=AnonymousUser())

    assert (document["customer"]["name"], document["customer"]["phone"]) == ("Alice Renamed", "+14155550100")
    assert document["customer"]["organization"] == {"id": customer_a.organization_id, "name": "Acme Corp"}
    entry = GdprAuditEntry.objects.get()
    assert (entry.action, entry.actor_id, entry.details) == (
        "export",
        None,
        {"tickets": 0, "comments": 0, "attachments": 0},
    )


def test_tickets_and_comments_elsewhere_are_in_creation_order_not_id_order(customer_a, customer_b):
    later = baker.make_recipe("tests.tickets.ticket", customer=customer_a, created_at=datetime(2026, 3, 1, tzinfo=UTC))
    earlier = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, created_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    bobs = baker.make_recipe("tests.tickets.ticket", customer=customer_b)
    second = baker.make_recipe(
        "tests.tickets.comment", ticket=bobs, customer=customer_a, created_at=datetime(2026, 5, 1, tzinfo=UTC)
    )
    first = baker.make_recipe(
        "tests.tickets.comment", ticket=bobs, customer=customer_a, created_at=datetime(2026, 4, 1, tzinfo=UTC)
    )

    document = customer_gdpr_export(customer=customer_a, actor=None)

    assert [t["id"] for t in document["tickets"]] == [earlier.pk, later.pk]
    assert [c["id"] for c in document["comments_on_other_tickets"]] == [first.pk, second.pk]


def test_the_export_is_a_fixed_number_of_queries_with_categories_and_an_organisation(
    customer_a, customer_b, agent, django_assert_num_queries
):
    """SAVEPOINT; the customer joined with the organisation; the tickets joined with their category;
    their comments, the comments' authors, their attachments (prefetched); the comments elsewhere
    joined with their authors; the audit INSERT; RELEASE SAVEPOINT."""
    for _ in range(3):
        category = baker.make_recipe("tests.tickets.category")
        ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, category=category)
        baker.make_recipe("tests.tickets.comment", ticket=ticket, author=agent.user)
    bobs = baker.make_recipe("tests.tickets.ticket", customer=customer_b)
    baker.make_recipe("tests.tickets.comment", ticket=bobs, customer=customer_a, author=customer_a.user)
    stale = type(customer_a).objects.get(pk=customer_a.pk)

    with django_assert_num_queries(9):
        document = customer_gdpr_export(customer=stale, actor=None)

    assert len({t["category"] for t in document["tickets"]}) == 3
    assert document["customer"]["organization"]["name"] == "Acme Corp"
    assert document["comments_on_other_tickets"][0]["author"] == "Alice"


@freeze_time(NOW)
def test_an_erased_customer_and_a_closed_ticket_export_their_timestamps(customer_a):
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, status="closed", closed_at=NOW)
    customer_erase(customer=customer_a, actor=None)

    document = customer_gdpr_export(customer=customer_a, actor=None)

    assert document["customer"]["erased_at"] == "2026-12-01T10:00:00+00:00"
    assert document["tickets"][0]["closed_at"] == "2026-12-01T10:00:00+00:00"
