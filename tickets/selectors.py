"""Every non-trivial read of tickets: scoped to the caller and already joined, so the API and
the admin share one N+1-free path."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import QueryDict
from rest_framework.exceptions import ValidationError as DRFValidationError

from agents.models import Agent, Role, TicketScope
from agents.selectors import CUSTOMER_ROLE, agent_for_user, user_role
from config.exceptions import ApplicationError
from config.validators import is_id
from tickets.custom_fields import FILTER_PREFIX as CUSTOM_FIELD_PREFIX
from tickets.custom_fields import custom_field_filter
from tickets.filters import TicketFilter
from tickets.models import REVERSE_KINDS, REVERSE_LABELS, Comment, LinkKind, Ticket, TicketEvent, TicketLink


def ticket_base_queryset() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("customer", "organization", "team", "assignee", "category", "ticket_type")


def agent_scope_q(user: AbstractBaseUser | None, role: str | None) -> Q:
    """The tickets an agent's `ticket_scope` lets them see: all (admins always); their teams' tickets
    and those assigned to them; or only those assigned to them. No extra query: the teams are a
    subquery and the profile is the one `user_role` loaded."""
    agent = agent_for_user(user)
    if agent is None or role == Role.ADMIN or agent.ticket_scope == TicketScope.ALL:
        return Q()
    mine = Q(assignee_id=agent.user_id)
    if agent.ticket_scope == TicketScope.ASSIGNED:
        return mine
    teams = Agent.teams.through.objects.filter(agent_id=agent.pk).values("team_id")
    return mine | Q(team_id__in=teams)


def ticket_visible_q(user: AbstractBaseUser | None) -> Q | None:
    """The condition on tickets the user may see at all, or None when they may see none: agents
    every ticket in their scope (`agent_scope_q`); a customer their own, and their organisation's
    when it shares tickets (`Organization.share_tickets`); anybody else nothing."""
    role = user_role(user)
    if role is None:
        return None
    if role != CUSTOMER_ROLE:
        return agent_scope_q(user, role)
    try:
        customer = user.customer  # type: ignore[union-attr]
    except ObjectDoesNotExist:
        return None
    if customer.organization_id:
        shared = Q(organization_id=customer.organization_id, organization__share_tickets=True)
        return shared | Q(customer_id=customer.pk)
    return Q(customer_id=customer.pk)


def ticket_visible_to(user: AbstractBaseUser | None) -> QuerySet[Ticket]:
    """Tickets the user may see at all (`ticket_visible_q`), joined."""
    visible = ticket_visible_q(user)
    qs = ticket_base_queryset()
    return qs.none() if visible is None else qs.filter(visible)


def _as_query_dict(filters: dict[str, Any]) -> QueryDict:
    """JSON filters as the query string the list endpoint reads: lists comma-joined
    (`{"status": ["open", "pending"]}` is `status=open,pending`), booleans as true/false."""

    def text(value: Any) -> str:
        return "true" if value is True else "false" if value is False else str(value)

    data = QueryDict(mutable=True)
    for key, value in filters.items():
        data[key] = ",".join(text(v) for v in value) if isinstance(value, list | tuple) else text(value)
    return data


def ticket_list(*, user: AbstractBaseUser | None, filters: dict[str, Any] | None = None) -> QuerySet[Ticket]:
    """The tickets `user` may see, joined, narrowed by the ticket list filters (tickets/filters.py;
    lists or comma-separated strings, booleans, and `ids`, a list of ticket ids), exactly as the
    API's `?status=open,pending&assignee=me` would. Unknown or invalid filters raise
    ApplicationError naming them under `filters`."""
    queryset = ticket_visible_to(user)
    if not filters:
        return queryset
    if not isinstance(filters, dict):
        raise ApplicationError("Invalid filters.", code="invalid_filters", extra={"filters": ["Must be an object."]})
    filters = dict(filters)
    ids = filters.pop("ids", None)
    if ids is not None:  # an explicit selection (the admin's export action), besides the list filters
        if not isinstance(ids, list) or not all(is_id(i) for i in ids):
            raise ApplicationError(
                "Invalid filters.", code="invalid_filters", extra={"filters": {"ids": ["A list of ticket ids."]}}
            )
        queryset = queryset.filter(pk__in=ids)
    by_custom_field = {key: filters.pop(key) for key in list(filters) if key.startswith(CUSTOM_FIELD_PREFIX)}
    errors: dict[str, Any] = {}
    try:
        # A customer filters by the fields shown to customers only, as in the API.
        queryset = custom_field_filter(queryset, by_custom_field, customer_only=user_role(user) == CUSTOMER_ROLE)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    data = _as_query_dict(filters)
    filterset = TicketFilter(data=data, queryset=queryset, user=user)
    errors.update({key: ["Unknown filter."] for key in sorted(set(filters) - set(filterset.filters))})
    if not filterset.is_valid():
        errors.update({key: list(messages) for key, messages in filterset.errors.items()})
    if not errors:
        try:
            return filterset.qs
        except DRFValidationError as exc:  # raised by filter methods (e.g. assignee=<junk>)
            errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    raise ApplicationError("Invalid filters.", code="invalid_filters", extra={"filters": errors})


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


def link_list(*, ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's links seen from it, oldest first: each with its kind as read from this ticket
    ("child_of", or "parent_of" for a link stored on the child), the label, and the other ticket
    (joined: one query)."""
    links = (
        TicketLink.objects.filter(Q(from_ticket=ticket) | Q(to_ticket=ticket))
        .select_related("from_ticket", "to_ticket")
        .order_by("created_at", "id")
    )
    rows = []
    for link in links:
        outgoing = link.from_ticket_id == ticket.pk
        other = link.to_ticket if outgoing else link.from_ticket
        rows.append(
            {
                "id": link.pk,
                "kind": link.kind if outgoing else REVERSE_KINDS[link.kind],
                "label": link.get_kind_display() if outgoing else REVERSE_LABELS[link.kind],
                "ticket": other,
                "created_at": link.created_at,
                "removable": link.kind not in (LinkKind.MERGED_INTO, LinkKind.SPLIT_FROM),
            }
        )
    return rows
