import pytest
from django.core.exceptions import ValidationError

from tickets import comments, services
from tickets.models import EventKind, Status, TicketEvent


@pytest.mark.django_db
def test_create_update_comment_resolve_lifecycle(agent, customer_a):
    ticket = services.ticket_create(
        actor=agent.user, title="Cannot log in", customer_email="alice@acme.example", priority="high"
    )
    assert ticket.status == Status.OPEN
    assert ticket.organization_id == customer_a.organization_id
    assert ticket.priority_rank == 3

    ticket = services.ticket_update(
        ticket=ticket, actor=agent.user, data={"priority": "critical", "title": "Locked out"}
    )
    comments.comment_add(ticket=ticket, actor=agent.user, body="Looking into it.")
    ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.RESOLVED)

    ticket.refresh_from_db()
    assert ticket.priority_rank == 4
    assert ticket.resolved_at is not None
    assert ticket.first_responded_at is not None
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", "field"))
    assert kinds == [
        (EventKind.CREATED, ""),
        (EventKind.UPDATED, "priority"),
        (EventKind.UPDATED, "title"),
        (EventKind.COMMENTED, ""),
        (EventKind.STATUS_CHANGED, "status"),
    ]


@pytest.mark.django_db
def test_forbidden_transition_names_status(agent, ticket):
    ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.CLOSED)

    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)

    assert "status" in exc.value.message_dict
