"""comment_add (replies, internal notes, reopening) and customer_merge."""

import pytest
from django.core.exceptions import ValidationError
from model_bakery import baker

from config.exceptions import ApplicationError
from customers.models import Customer
from notifications.models import OutboxEvent
from tickets import comments, merge, services
from tickets.models import Channel, Comment, EventKind, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_agent_reply_sets_first_response_once(agent, ticket):
    first = comments.comment_add(ticket=ticket, actor=agent.user, body="Looking into it.")
    comments.comment_add(ticket=ticket, actor=agent.user, body="Still looking.")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == first.created_at
    assert first.author == agent.user
    assert first.is_from_customer is False
    event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.COMMENTED).first()
    assert event.new_value == {"comment_id": first.pk, "is_internal": False}


def test_internal_note_is_not_a_first_response(agent, ticket):
    note = comments.comment_add(ticket=ticket, actor=agent.user, body="Customer is VIP.", is_internal=True)
    ticket.refresh_from_db()
    assert note.is_internal is True
    assert ticket.first_responded_at is None
    payload = OutboxEvent.objects.get(event="ticket.comment_added").payload
    assert payload["comment"]["is_internal"] is True  # receivers filter notes out for customers


def test_customer_cannot_write_internal_notes(customer_a, ticket):
    with pytest.raises(ValidationError) as exc:
        comments.comment_add(ticket=ticket, customer=customer_a, actor=customer_a.user, body="x", is_internal=True)
    assert "is_internal" in exc.value.message_dict
    assert not Comment.objects.exists()


def test_nobody_else_may_comment(ticket, django_user_model):
    stranger = django_user_model.objects.create_user(email="stranger@example.com", password="x")
    with pytest.raises(ApplicationError) as exc:
        comments.comment_add(ticket=ticket, actor=stranger, body="Hello")
    assert exc.value.http_status == 403


def test_empty_body_names_body(agent, ticket):
    with pytest.raises(ValidationError) as exc:
        comments.comment_add(ticket=ticket, actor=agent.user, body="   ")
    assert "body" in exc.value.message_dict


@pytest.mark.parametrize(
    ("status", "reopens"),
    [
        pytest.param(Status.PENDING, True, id="pending-reopens"),
        pytest.param(Status.RESOLVED, True, id="resolved-reopens"),
        pytest.param(Status.IN_PROGRESS, False, id="in-progress-stays"),
        pytest.param(Status.ON_HOLD, False, id="on-hold-stays"),
        pytest.param(Status.CLOSED, False, id="closed-stays-closed"),
    ],
)
def test_customer_reply_reopens_pending_or_resolved(agent, customer_a, ticket, status, reopens):
    ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=status)
    comments.comment_add(ticket=ticket, customer=customer_a, body="Still broken.", channel=Channel.EMAIL)
    ticket.refresh_from_db()
    assert ticket.status == (Status.OPEN if reopens else status)
    if reopens:
        event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).last()
        assert (event.old_value, event.new_value) == (status, Status.OPEN)
        assert ticket.resolved_at is None


def test_agent_reply_does_not_reopen(agent, ticket):
    ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    comments.comment_add(ticket=ticket, actor=agent.user, body="Waiting for you.")
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING


def test_customer_merge_moves_tickets_and_comments(agent, org_b, ticket, customer_a):
    target = baker.make_recipe("tests.customers.customer", email="alice2@globex.example", organization=org_b, phone="")
    customer_a.phone = "+14155550132"
    customer_a.metadata = {"crm": 1}
    customer_a.save()
    comments.comment_add(ticket=ticket, customer=customer_a, body="From the old address.")
    other = baker.make_recipe("tests.tickets.ticket", customer=customer_a)

    merged = merge.customer_merge(source=customer_a, target=target, actor=agent.user)

    assert not Customer.objects.filter(pk=customer_a.pk).exists()
    assert set(merged.tickets.values_list("pk", flat=True)) == {ticket.pk, other.pk}
    assert set(Ticket.objects.filter(customer=target).values_list("organization", flat=True)) == {org_b.pk}
    assert Comment.objects.get().customer == target
    assert merged.phone == "+14155550132"
    assert merged.metadata == {"crm": 1}
    events = TicketEvent.objects.filter(kind=EventKind.MERGED)
    assert events.count() == 2
    assert {e.new_value for e in events} == {target.pk}
    assert OutboxEvent.objects.filter(event="customer.merged").exists()


def test_customer_cannot_be_merged_into_itself(agent, customer_a):
    with pytest.raises(ValidationError) as exc:
        merge.customer_merge(source=customer_a, target=customer_a, actor=agent.user)
    assert "target" in exc.value.message_dict


def test_attachment_add_checks_type_and_size(agent, ticket, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    attachment = comments.attachment_add(
        ticket=ticket, actor=agent.user, file=SimpleUploadedFile("log.txt", b"hello", content_type="text/plain")
    )
    assert (attachment.size, attachment.content_type, attachment.filename) == (5, "text/plain", "log.txt")
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ATTACHED).exists()
    with pytest.raises(ValidationError) as exc:
        comments.attachment_add(
            ticket=ticket, actor=agent.user, file=SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-exe")
        )
    assert "file" in exc.value.message_dict
