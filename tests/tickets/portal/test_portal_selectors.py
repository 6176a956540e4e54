"""tickets/portal/selectors.py: which tickets a customer's portal lists (their own, or their
organisation's where it shares them; active or done), in which order, and which messages and
files of a ticket the portal shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from model_bakery import baker

from tickets.models import Attachment, Comment, Ticket
from tickets.portal.selectors import portal_conversation, portal_ticket_files, portal_ticket_list

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def desk(customer_a, customer_b, org_a, django_user_model):
    org_a.share_tickets = True
    org_a.save()
    user = django_user_model.objects.create_user(email="carol@acme.example", password="x")
    carol = baker.make_recipe("tests.customers.customer", email="carol@acme.example", organization=org_a, user=user)
    rows = [
        ("mine open", customer_a, "open", 3),
        ("mine pending", customer_a, "pending", 1),
        ("mine resolved", customer_a, "resolved", 4),
        ("mine closed", customer_a, "closed", 2),
        ("carol's open", carol, "open", 5),
        ("bob's open", customer_b, "open", 6),
    ]
    for title, customer, status, hours in rows:
        stamps = {"resolved_at": T0} if status == "resolved" else {}
        stamps = {"resolved_at": T0, "closed_at": T0} if status == "closed" else stamps
        ticket = baker.make_recipe(
            "tests.tickets.ticket",
            title=title,
            customer=customer,
            organization=customer.organization,
            status=status,
            **stamps,
        )
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=T0 + timedelta(hours=hours))
    return carol


def titles(qs) -> list[str]:
    return list(qs.values_list("title", flat=True))


@pytest.mark.parametrize(
    ("scope", "status", "expected"),
    [
        ("mine", "", ["mine resolved", "mine open", "mine closed", "mine pending"]),
        ("mine", "active", ["mine open", "mine pending"]),
        ("mine", "done", ["mine resolved", "mine closed"]),
        ("organization", "", ["carol's open", "mine resolved", "mine open", "mine closed", "mine pending"]),
        ("organization", "active", ["carol's open", "mine open", "mine pending"]),
        ("organization", "done", ["mine resolved", "mine closed"]),
        ("anything else", "anything", ["mine resolved", "mine open", "mine closed", "mine pending"]),
    ],
)
def test_portal_ticket_list(desk, customer_a, scope, status, expected):
    assert titles(portal_ticket_list(user=customer_a.user, scope=scope, status=status)) == expected


def test_the_default_is_my_tickets_of_any_status(desk, customer_a):
    assert titles(portal_ticket_list(user=customer_a.user)) == [
        "mine resolved",
        "mine open",
        "mine closed",
        "mine pending",
    ]


def test_an_organisation_that_does_not_share_shows_only_mine(desk, customer_a, org_a):
    org_a.share_tickets = False
    org_a.save()
    assert titles(portal_ticket_list(user=desk.user, scope="organization")) == ["carol's open"]


def test_ties_in_time_go_newest_ticket_first(desk, customer_a):
    Ticket.objects.update(updated_at=T0)
    pks = list(portal_ticket_list(user=customer_a.user).values_list("pk", flat=True))
    assert pks == sorted(pks, reverse=True)


def test_the_list_joins_customer_and_category(desk, customer_a, django_assert_num_queries):
    queryset = portal_ticket_list(user=customer_a.user)
    with django_assert_num_queries(1):
        rows = [(t.customer.email, t.category) for t in queryset]
    assert rows[0] == ("alice@acme.example", None)


def test_the_conversation_is_the_public_messages_oldest_first_with_their_files(
    ticket, agent, customer_a, django_assert_num_queries
):
    other = baker.make_recipe("tests.tickets.ticket", customer=customer_a)
    second = baker.make(
        Comment, ticket=ticket, customer=customer_a, body="second", created_at=T0 + timedelta(minutes=2)
    )
    first = baker.make(Comment, ticket=ticket, author=agent.user, body="first", created_at=T0 + timedelta(minutes=1))
    baker.make(Comment, ticket=ticket, author=agent.user, body="note", is_internal=True, created_at=T0)
    baker.make(Comment, ticket=other, author=agent.user, body="elsewhere", created_at=T0)
    late = baker.make(
        Attachment, ticket=ticket, comment=first, filename="late.txt", created_at=T0 + timedelta(minutes=5)
    )
    early = baker.make(
        Attachment, ticket=ticket, comment=first, filename="early.txt", created_at=T0 + timedelta(minutes=4)
    )
    tie = baker.make(Comment, ticket=ticket, customer=customer_a, body="tie", created_at=T0 + timedelta(minutes=2))

    queryset = portal_conversation(ticket=ticket)
    with django_assert_num_queries(2):
        rows = [
            (
                c.body,
                c.author and c.author.email,
                c.customer and c.customer.email,
                [a.filename for a in c.attachments.all()],
            )
            for c in queryset
        ]

    assert rows == [
        ("first", agent.user.email, None, ["early.txt", "late.txt"]),
        ("second", None, "alice@acme.example", []),
        ("tie", None, "alice@acme.example", []),
    ]
    assert second.pk < tie.pk
    assert early.pk > late.pk


def test_the_requests_own_files_oldest_first(ticket, agent):
    reply = baker.make(Comment, ticket=ticket, author=agent.user, body="with a file")
    baker.make(Attachment, ticket=ticket, comment=reply, filename="reply.txt", created_at=T0)
    b = baker.make(Attachment, ticket=ticket, filename="b.txt", created_at=T0 + timedelta(minutes=2))
    a = baker.make(Attachment, ticket=ticket, filename="a.txt", created_at=T0 + timedelta(minutes=1))
    tie = baker.make(Attachment, ticket=ticket, filename="c.txt", created_at=T0 + timedelta(minutes=2))
    baker.make(
        Attachment, ticket=baker.make_recipe("tests.tickets.ticket", customer=ticket.customer), filename="other.txt"
    )
    assert [f.filename for f in portal_ticket_files(ticket=ticket)] == ["a.txt", "b.txt", "c.txt"]
    assert a.pk > b.pk
    assert tie.pk > b.pk


def test_the_list_joins_the_category_too(customer_a, django_assert_num_queries):
    hardware = baker.make_recipe("tests.tickets.category", name="Hardware")
    baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, category=hardware
    )

    queryset = portal_ticket_list(user=customer_a.user)
    with django_assert_num_queries(1):
        assert [(t.customer.email, t.category.name) for t in queryset] == [("alice@acme.example", "Hardware")]


@pytest.mark.postgres(reason="PostgreSQL returns rows in insertion order, SQLite in id order")
def test_ties_in_time_go_by_id_whatever_the_insertion_order(ticket, customer_a):
    """Rows stored with the higher id first: only the id in the ordering puts them back."""
    second = baker.make(Comment, pk=900_002, ticket=ticket, customer=customer_a, body="second", created_at=T0)
    first = baker.make(Comment, pk=900_001, ticket=ticket, customer=customer_a, body="first", created_at=T0)
    for pk, name in ((900_002, "reply-2.txt"), (900_001, "reply-1.txt")):
        baker.make(Attachment, pk=pk, ticket=ticket, comment=first, filename=name, created_at=T0)
    for pk, name in ((900_004, "request-2.txt"), (900_003, "request-1.txt")):
        baker.make(Attachment, pk=pk, ticket=ticket, filename=name, created_at=T0)

    assert [(c.body, [a.filename for a in c.attachments.all()]) for c in portal_conversation(ticket=ticket)] == [
        ("first", ["reply-1.txt", "reply-2.txt"]),
        ("second", []),
    ]
    assert second.pk > first.pk
    assert [f.filename for f in portal_ticket_files(ticket=ticket)] == ["request-1.txt", "request-2.txt"]
