"""Every non-trivial read of tickets: scoped to the caller and already joined, so the API and
the admin share one N+1-free path."""

from __future__ import annotations

import re

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower

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


# --- full-text search ---------------------------------------------------------------------------
# The GIN expression indexes in migrations (tickets 'add_search_indexes') index exactly these
# expressions; change one and the other together, or PostgreSQL stops using the index
# (tests/tickets/test_selectors.py checks the plan).
SEARCH_CONFIG = "english"
EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def ticket_search_vector() -> SearchVector:
    return SearchVector("title", "description", config=SEARCH_CONFIG)


def comment_search_vector() -> SearchVector:
    return SearchVector("body", config=SEARCH_CONFIG)


def ticket_search(queryset: QuerySet[Ticket], term: str, *, include_internal: bool = True) -> QuerySet[Ticket]:
    """Tickets of `queryset` matching `term`: full text over title, description and comments
    (internal notes too unless `include_internal=False`, e.g. for customers); a number also
    matches the ticket id, an email address the customer's email.

    PostgreSQL: `websearch_to_tsquery` against the GIN-indexed vectors; the matching ids are one
    UNION subquery so each branch is an index scan. SQLite: `icontains`."""
    term = (term or "").strip()
    if not term:
        return queryset
    comments = Comment.objects.all() if include_internal else Comment.objects.filter(is_internal=False)
    exact: list[QuerySet] = []
    if term.lstrip("#").isdigit() and len(term.lstrip("#")) < 19:
        exact.append(Ticket.objects.filter(pk=int(term.lstrip("#"))).order_by().values("pk"))
    if EMAIL_LIKE.match(term):
        exact.append(
            Ticket.objects.alias(customer_email=Lower("customer__email"))
            .filter(customer_email=term.lower())
            .order_by()
            .values("pk")
        )
    if connection.vendor != "postgresql":
        q = Q(title__icontains=term) | Q(description__icontains=term)
        q |= Q(pk__in=comments.filter(body__icontains=term).values("ticket_id"))
        for sub in exact:
            q |= Q(pk__in=sub)
        return queryset.filter(q)
    query = SearchQuery(term, config=SEARCH_CONFIG, search_type="websearch")
    ids = (
        Ticket.objects.annotate(search=ticket_search_vector())
        .filter(search=query)
        .order_by()
        .values("pk")
        .union(
            comments.annotate(search=comment_search_vector()).filter(search=query).order_by().values("ticket_id"),
            *exact,
        )
    )
    return queryset.filter(pk__in=ids)
