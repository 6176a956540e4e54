"""Adding and removing ticket followers. Who may follow: a customer of the ticket's organisation,
an agent, or an address an admin allowed (AllowedFollowerAddress: the address or its @domain)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from agents.selectors import is_agent
from config.db import email_matches
from customers.models import Customer
from tickets.models import EventKind, Ticket, TicketEvent
from tickets.models.followers import AllowedFollowerAddress, FollowerSource, TicketFollower


def _allowed_external(email: str) -> bool:
    domain = "@" + email.rsplit("@", 1)[-1]
    return AllowedFollowerAddress.objects.filter(pattern__in=[email, domain]).exists()


def follower_check(*, ticket: Ticket, email: str) -> tuple[Customer | None, AbstractBaseUser | None]:
    """The customer or agent behind `email`, if it may follow `ticket`; ValidationError otherwise."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": [f"'{email}' is not a valid email address."]}) from exc
    user = get_user_model().objects.filter(email_matches(email), is_active=True).first()
    if user is not None and is_agent(user):
        return None, user
    customer = Customer.objects.filter(email=email).first()
    if customer is not None and ticket.organization_id and customer.organization_id == ticket.organization_id:
        return customer, None
    if _allowed_external(email):
        return customer, None
    raise ValidationError(
        {"email": [f"{email} is neither a customer of this ticket's organisation nor an allowed external address."]}
    )


@transaction.atomic
def follower_add(
    *,
    ticket: Ticket,
    email: str,
    actor: AbstractBaseUser | None,
    source: str = FollowerSource.MANUAL,
    note: str = "",
) -> TicketFollower:
    """Add a follower (idempotent: an existing one is returned). The ticket's own customer is not a follower."""
    customer, user = follower_check(ticket=ticket, email=email)
    email = email.strip().lower()
    if customer is not None and customer.pk == ticket.customer_id:
        raise ValidationError({"email": ["The ticket's customer already receives its replies."]})
    follower, created = TicketFollower.objects.get_or_create(
        ticket=ticket,
        email=email,
        defaults={
            "customer": customer,
            "user": user,
            "source": source,
            "added_by": actor if actor is not None and actor.is_authenticated else None,
        },
    )
    if created:
        TicketEvent.objects.create(
            ticket=ticket,
            actor=actor if actor is not None and actor.is_authenticated else None,
            kind=EventKind.UPDATED,
            field="followers",
            new_value=email,
            note=note or f"Follower added ({follower.get_source_display()}).",
        )
    return follower


@transaction.atomic
def follower_remove(*, follower: TicketFollower, actor: AbstractBaseUser | None) -> None:
    TicketEvent.objects.create(
        ticket_id=follower.ticket_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=EventKind.UPDATED,
        field="followers",
        old_value=follower.email,
        note="Follower removed.",
    )
    follower.delete()


def ticket_follow(*, ticket: Ticket, user: AbstractBaseUser) -> TicketFollower:
    """The agent `user` follows `ticket` (idempotent): emailed about its updates, as their
    notification preferences say (tickets/recipients.py)."""
    if not is_agent(user):
        raise ValidationError({"user": ["Only agents follow tickets this way."]})
    return follower_add(ticket=ticket, email=user.email, actor=user, note="Started following.")


@transaction.atomic
def ticket_unfollow(*, ticket: Ticket, user: AbstractBaseUser) -> bool:
    """`user` stops following `ticket`; False when they did not follow it."""
    follower = TicketFollower.objects.filter(ticket=ticket, user=user).first()
    if follower is None:
        return False
    follower_remove(follower=follower, actor=user)
    return True
