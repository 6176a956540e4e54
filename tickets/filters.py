"""The ticket list filters (django-filter), one definition for the API, exports, bulk jobs and
the admin: `tickets.selectors.ticket_list(user=..., filters=...)` applies them without a request.
Bad values are errors naming the parameter (a 400 in the API)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from agents.permissions import request_role
from agents.selectors import CUSTOMER_ROLE, user_role
from config.api.filters import ChoiceInFilter, IdFilter, SafeIsoDateTimeFilter, StrictBooleanFilter
from config.api.ids import id_or_none
from tickets.models import Priority, Status, Ticket, urgent_q
from tickets.search import ticket_search
from tickets.sla import rules


def filter_tag(queryset: QuerySet[Ticket], tag: str) -> QuerySet[Ticket]:
    """Tickets whose JSON `tags` list holds `tag`: `@>` (GIN-friendly) on PostgreSQL, json_each on SQLite."""
    tag = tag.strip().lower()
    if connection.vendor == "postgresql":
        return queryset.filter(tags__contains=[tag])
    table = Ticket._meta.db_table
    has_tag = RawSQL(  # noqa: S611 - the tag is a bound parameter
        f'EXISTS (SELECT 1 FROM json_each("{table}"."tags") WHERE json_each.value = %s)',  # noqa: S608
        (tag,),
        output_field=BooleanField(),
    )
    return queryset.alias(_has_tag=has_tag).filter(_has_tag=True)


class TicketFilter(django_filters.FilterSet):
    status = ChoiceInFilter(choices=Status.choices, help_text="One or more statuses, comma-separated.")
    priority = ChoiceInFilter(choices=Priority.choices, help_text="One or more priorities, comma-separated.")
    category = django_filters.CharFilter(field_name="category__slug", help_text="Category slug.")
    type = django_filters.CharFilter(
        method="filter_type", max_length=50, help_text="Ticket type slug (question, incident, ...), or `none`."
    )
    team = IdFilter(field_name="team_id")
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="A user id, `me` or `none`.")
    customer = IdFilter(field_name="customer_id")
    organization = IdFilter(field_name="organization_id")
    tag = django_filters.CharFilter(method="filter_tag", max_length=50)
    escalated = StrictBooleanFilter()
    urgent = StrictBooleanFilter(method="filter_urgent", help_text="Open or pending, unassigned, high or critical.")
    breached = StrictBooleanFilter(
        method="filter_breached",
        help_text="true: a target passed unmet now, or the breach scan stamped the ticket; false: neither.",
    )
    at_risk = StrictBooleanFilter(
        method="filter_at_risk", help_text="true: past the warning point of a running target, not breached."
    )
    created_after = SafeIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = SafeIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = SafeIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    search = django_filters.CharFilter(
        method="filter_search", max_length=200, help_text="Full text over title, description and comments."
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Ticket] | None = None,
        *,
        request: Any = None,
        user: AbstractBaseUser | None = None,
        role: str | None = None,
        **kwargs: Any,
    ) -> None:
        """From the API, `request` gives the caller; elsewhere pass `user` (and their role)."""
        super().__init__(data, queryset, request=request, **kwargs)
        self.user = user if user is not None else getattr(request, "user", None)
        if role is None:
            role = request_role(request) if request is not None else user_role(self.user)
        self.role = role

    def filter_assignee(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        value = value.strip().lower()
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            return queryset.filter(assignee_id=getattr(self.user, "pk", None))
        if (user_id := id_or_none(value)) is not None:
            return queryset.filter(assignee_id=user_id)
        raise ValidationError({"assignee": ["Use a user id, 'me' or 'none'."]})

    def filter_type(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        value = value.strip().lower()
        if value == "none":
            return queryset.filter(ticket_type__isnull=True)
        return queryset.filter(ticket_type__slug=value)

    def filter_tag(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        return filter_tag(queryset, value)

    def filter_urgent(self, queryset: QuerySet[Ticket], name: str, value: bool) -> QuerySet[Ticket]:
        return queryset.filter(urgent_q()) if value else queryset.exclude(urgent_q())

    def filter_breached(self, queryset: QuerySet[Ticket], name: str, value: bool) -> QuerySet[Ticket]:
        condition = rules.breached_q(timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_at_risk(self, queryset: QuerySet[Ticket], name: str, value: bool) -> QuerySet[Ticket]:
        condition = rules.at_risk_q(timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_search(self, queryset: QuerySet[Ticket], name: str, value: Any) -> QuerySet[Ticket]:
        return ticket_search(queryset, value, include_internal=self.role != CUSTOMER_ROLE)
