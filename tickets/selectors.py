"""Every non-trivial read of tickets: scoped to the caller and already joined, so the API and
the admin share one N+1-free path."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet

from agents.selectors import CUSTOMER_ROLE, user_role
from tickets.models import Comment, Ticket, TicketEvent


def ticket_base_queryset() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("customer", "organization", "team", "assignee", "category")


def ticket_visible_to(user: AbstractBaseUser | None) -> QuerySet[Ticket]:
    """Tickets the user may see at all: agents every ticket; a customer their organisation's
    (their own when they have none); anybody else nothing."""
    qs = ticket_base_queryset()
    role = user_role(user)
    if role is None:
        return qs.none()
    if role != CUSTOMER_ROLE:
        return qs
    try:
        customer = user.customer  # type: ignore[union-attr]
    except ObjectDoesNotExist:
        return qs.none()
    if customer.organization_id:
        return qs.filter(organization_id=customer.organization_id)
    return qs.filter(customer_id=customer.pk)


def ticket_list(*, user: AbstractBaseUser | None) -> QuerySet[Ticket]:
    return ticket_visible_to(user)


def ticket_get(*, user: AbstractBaseUser | None, pk: int) -> Ticket | None:
    return ticket_visible_to(user).filter(pk=pk).first()


def comment_list(*, ticket: Ticket, user: AbstractBaseUser | None) -> QuerySet[Comment]:
    """A ticket's conversation; customers never see internal notes."""
    qs = (
        Comment.objects.filter(ticket=ticket)
        .select_related("author", "customer")
        .prefetch_related(Prefetch("attachments"))
    )
    if user_role(user) in (None, CUSTOMER_ROLE):
        qs = qs.filter(is_internal=False)
    return qs


def event_list(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return TicketEvent.objects.filter(ticket=ticket).select_related("actor")
