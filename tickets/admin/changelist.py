"""The queue's plumbing: a paginator that never counts a million rows, the filters agents use
(status with "active work" as the default, assignee) and the action bar's extra fields."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest

from agents.models import Agent
from tickets.models import ACTIVE_STATUSES, Priority, Status, Ticket
from tickets.selectors import queryset_row_estimate

# --- a changelist that does not count a million rows -----------------------------------------


class EstimatedCountPaginator(Paginator):
    """A paginator that never counts a million rows (PostgreSQL; SQLite and non-querysets are
    counted exactly, as Django does).

    - Unfiltered, a big table is counted from the planner's estimate (`pg_class.reltuples`, kept
      by autovacuum/ANALYZE) instead of a `COUNT(*)` that reads the whole table.
    - Filtered, rows are counted exactly up to `count_up_to` (`COUNT(*)` over a `LIMIT`, so at
      most that many rows are read); past it the count is the planner's estimate of the filtered
      query (EXPLAIN), never less than what was counted. Small results stay exact; big ones get
      an approximate page count, while every page still shows exactly the right rows.
    - Pages from `deferred_from` rows on are read in two steps ("deferred join"): the page's ids
      with OFFSET on the ordering index alone, then those rows with their joins, so a deep page
      does not fetch and join every row it skips."""

    exact_below = 50_000
    count_up_to = 1_000
    deferred_from = 500

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if not isinstance(qs, QuerySet) or connections[qs.db].vendor != "postgresql":
            return super().count
        if not qs.query.where:
            estimate = table_row_estimate(qs.model._meta.db_table, using=qs.db)
            if estimate is not None and estimate >= self.exact_below:
                return estimate
            return super().count
        counted = qs.order_by().values("pk")[: self.count_up_to + 1].count()
        if counted <= self.count_up_to:
            return counted
        return max(counted, queryset_row_estimate(qs.order_by().values("pk")))

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        qs = self.object_list
        if bottom < self.deferred_from or not isinstance(qs, QuerySet) or not qs.ordered:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(qs.values_list("pk", flat=True)[bottom:top])
        # Same ordering, so the rows come back in the page's order.
        return self._get_page(qs.filter(pk__in=ids), number, self)


def table_row_estimate(table: str, *, using: str = "default") -> int | None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


# --- filters ---------------------------------------------------------------------------------


class AssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assignee"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        # People only: API-key service users have an agent profile but no admin login.
        agents = (
            Agent.objects.select_related("user")
            .filter(user__is_active=True, user__is_staff=True)
            .order_by("user__email")
        )
        return [("me", "Mine"), ("none", "Unassigned"), *((str(a.user_id), str(a.user)) for a in agents)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class QueueStatusFilter(admin.SimpleListFilter):
    """Status, with the agent's active work (open, in progress, waiting, on hold) as the default:
    a queue shows what is left to do; "All" and each single status are one click away."""

    title = "status"
    parameter_name = "status"
    ACTIVE = "active"
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(self.ACTIVE, "Active work"), *Status.choices, (self.ALL, "All")]

    def value(self) -> str:
        # A saved view (?view=) brings its own statuses: this filter steps aside.
        if self.used_parameters.get(self.parameter_name) is None and "view" in self.request_params:
            return self.ALL
        return super().value() or self.ACTIVE

    def __init__(self, request: HttpRequest, params: dict, model: Any, model_admin: Any) -> None:
        self.request_params = dict(request.GET)
        super().__init__(request, params, model, model_admin)

    def choices(self, changelist: Any) -> Any:
        current = self.value()
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == str(lookup),
                "query_string": changelist.get_query_string(
                    remove=[self.parameter_name] if lookup == self.ACTIVE else [],
                    new_params={} if lookup == self.ACTIVE else {self.parameter_name: lookup},
                ),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        value = self.value()
        if value == self.ALL:
            return queryset
        if value in Status.values:
            return queryset.filter(status=value)
        return queryset.filter(status__in=sorted(ACTIVE_STATUSES))


# --- forms -----------------------------------------------------------------------------------


class TicketActionForm(helpers.ActionForm):
    """The action bar: pick an action and, for "change status/priority", the new value."""

    status = forms.ChoiceField(choices=[("", "— new status —"), *Status.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "— new priority —"), *Priority.choices], required=False)
