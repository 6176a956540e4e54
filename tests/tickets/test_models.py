"""Ticket models: the invariants the database guarantees, and the small properties."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from model_bakery import baker

from tickets.models import ALLOWED_TRANSITIONS, PRIORITY_RANK, Comment, Priority, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "priority", "assigned", "urgent"),
    [
        pytest.param(Status.OPEN, Priority.HIGH, False, True, id="open-high-unassigned"),
        pytest.param(Status.OPEN, Priority.CRITICAL, False, True, id="open-critical-unassigned"),
        pytest.param(Status.PENDING, Priority.CRITICAL, False, True, id="pending-critical-unassigned"),
        pytest.param(Status.OPEN, Priority.HIGH, True, False, id="assigned"),
        pytest.param(Status.OPEN, Priority.MEDIUM, False, False, id="medium"),
        pytest.param(Status.OPEN, Priority.LOW, False, False, id="low"),
        pytest.param(Status.IN_PROGRESS, Priority.CRITICAL, False, False, id="in-progress"),
        pytest.param(Status.ON_HOLD, Priority.CRITICAL, False, False, id="on-hold"),
        pytest.param(Status.RESOLVED, Priority.CRITICAL, False, False, id="resolved-never-urgent"),
        pytest.param(Status.CLOSED, Priority.CRITICAL, False, False, id="closed-never-urgent"),
    ],
)
def test_is_urgent(status, priority, assigned, urgent, agent):
    ticket = Ticket(status=status, priority=priority, assignee=agent.user if assigned else None)
    assert ticket.is_urgent is urgent


def test_every_status_can_be_left_and_reopened():
    for status in Status.values:
        assert ALLOWED_TRANSITIONS[status], status
    assert Status.OPEN in ALLOWED_TRANSITIONS[Status.CLOSED]
    assert Status.OPEN in ALLOWED_TRANSITIONS[Status.RESOLVED]


@pytest.mark.parametrize("priority", Priority.values)
def test_priority_rank_is_kept_by_the_database(priority):
    ticket = baker.make_recipe("tests.tickets.ticket", priority=priority)
    ticket.refresh_from_db()
    assert ticket.priority_rank == PRIORITY_RANK[priority]
    Ticket.objects.filter(pk=ticket.pk).update(priority=Priority.CRITICAL)  # set-based, as escalation does
    ticket.refresh_from_db()
    assert ticket.priority_rank == 4


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"status": "archived"}, id="status-not-a-choice"),
        pytest.param({"priority": "LOW"}, id="priority-wrong-case"),
        pytest.param({"channel": "fax"}, id="channel-not-a-choice"),
        pytest.param({"status": Status.RESOLVED, "resolved_at": None}, id="resolved-without-resolved-at"),
        pytest.param({"status": Status.CLOSED, "closed_at": None}, id="closed-without-closed-at"),
        pytest.param({"escalated": True, "escalated_at": None}, id="escalated-without-escalated-at"),
    ],
)
def test_check_constraints_refuse_impossible_rows(fields, customer_a):
    before = Ticket.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        baker.make_recipe("tests.tickets.ticket", customer=customer_a, **fields)
    assert Ticket.objects.count() == before


def test_external_id_is_unique_but_nullable(customer_a):
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=2)  # two NULLs are fine
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, external_id="EXT-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        baker.make_recipe("tests.tickets.ticket", customer=customer_a, external_id="EXT-1")
    assert Ticket.objects.filter(external_id="EXT-1").count() == 1


def test_customer_cannot_write_internal_notes_at_the_database_level(ticket, customer_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(ticket=ticket, customer=customer_a, body="x", is_internal=True)


def test_customer_with_tickets_cannot_be_deleted(ticket):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        ticket.customer.delete()


def test_bulk_insert_100_tickets_in_one_transaction(customer_a):
    tickets = [Ticket(title=f"Bulk ticket {i}", customer=customer_a, priority=Priority.MEDIUM) for i in range(100)]
    with transaction.atomic():
        Ticket.objects.bulk_create(tickets)
    assert Ticket.objects.filter(customer=customer_a).count() == 100
    assert set(Ticket.objects.values_list("priority_rank", flat=True)) == {2}


def test_savepoint_rolls_back_only_the_inner_block(customer_a):
    with transaction.atomic():
        first = Ticket.objects.create(title="First ticket", customer=customer_a)
        try:
            with transaction.atomic():  # a savepoint
                Ticket.objects.create(title="Second ticket", customer=customer_a, priority="invalid_priority")
        except IntegrityError:
            pass
        Ticket.objects.create(title="Third ticket", customer=customer_a)
    assert list(Ticket.objects.order_by("id").values_list("title", flat=True)) == ["First ticket", "Third ticket"]
    assert Ticket.objects.filter(pk=first.pk).exists()


def test_customer_tickets_newest_first(customer_a):
    now = timezone.now()
    old = baker.make_recipe("tests.tickets.ticket", customer=customer_a, created_at=now - timedelta(days=2))
    new = baker.make_recipe("tests.tickets.ticket", customer=customer_a, created_at=now)
    middle = baker.make_recipe("tests.tickets.ticket", customer=customer_a, created_at=now - timedelta(days=1))
    assert list(customer_a.tickets.all()) == [new, middle, old]


def test_ticket_comments_in_conversation_order(ticket):
    now = timezone.now()
    second = baker.make_recipe("tests.tickets.comment", ticket=ticket, created_at=now)
    first = baker.make_recipe("tests.tickets.comment", ticket=ticket, created_at=now - timedelta(minutes=5))
    assert list(ticket.comments.all()) == [first, second]


def test_string_forms(ticket, customer_a):
    comment = baker.make_recipe("tests.tickets.comment", ticket=ticket)
    note = baker.make_recipe("tests.tickets.comment", ticket=ticket, is_internal=True)
    assert str(ticket) == f"#{ticket.pk} {ticket.title}"
    assert ticket.reference == f"#{ticket.pk}"
    assert str(comment) == f"Reply on #{ticket.pk}"
    assert str(note) == f"Note on #{ticket.pk}"
    assert comment.is_from_customer is False
    assert ticket.is_active is True
