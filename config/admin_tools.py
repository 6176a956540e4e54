"""Shared pieces of the agents' UI (the Django admin): read-only mixins, the one mixin that turns a
service's refusal into an admin message, one comma-separated list field, and a paginator that
never counts a million rows."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, lru_cache
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import display, helpers
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import escape
from django.utils.safestring import mark_safe
from unfold.admin import checkbox as unfold_checkbox
from unfold.templatetags import unfold_list

from config.db import queryset_row_estimate, table_row_estimate
from config.exceptions import ApplicationError


class ReadOnlyAdminMixin:
    """A log or record: listed and viewed, never added or edited by hand (deletion follows the
    user's delete permission unless `deletable = False`)."""

    deletable = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.deletable and super().has_delete_permission(request, obj)  # type: ignore[misc]


class ReadOnlyInlineMixin:
    """An inline shown for context only: no add, change or delete rows."""

    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


SERVICE_ERRORS = (ValidationError, ApplicationError)


def service_error_text(exc: Exception) -> str:
    """A service's refusal as one line: `field: message; ...`, or the message alone."""
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(getattr(exc, "messages", [str(exc)]))


class ServiceErrorsMixin:
    """A rule only the service checks (a concurrent change, a duplicate email, a second default
    team) rolls the whole save back and comes back as an error message (field-level or not)."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except SERVICE_ERRORS as exc:
            self.message_user(request, f"Not saved: {service_error_text(exc)}", messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path())


class CommaSeparatedListField(forms.CharField):
    """A list edited as "billing, vip": split on commas, blanks dropped, then `normalize`d (by
    default lower-cased without duplicates)."""

    def __init__(self, *, normalize: Callable[[list[str]], list[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.normalize = normalize or (lambda items: list(dict.fromkeys(item.lower() for item in items)))

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value)
        return self.normalize([item for item in (part.strip() for part in text.split(",")) if item])


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


# --- a changelist's rendering cost per row (the ticket queue shows 50 rows x 11 columns) ------


class FastActionCheckboxMixin:
    """unfold renders each row's action checkbox through the template engine (a widget render per
    row, a tenth of a queue page's time); the markup differs only by the row's id, so it is rendered
    once and the escaped id put in it."""

    @display(description=mark_safe(unfold_checkbox.render("action_toggle_all", 1)))  # noqa: S308 (unfold's own markup)
    def action_checkbox(self, obj: Any) -> str:
        before, after = _checkbox_halves()
        return mark_safe(before + escape(str(obj.pk)) + after)  # noqa: S308 (the widget's markup, the id escaped)


@lru_cache(maxsize=1)
def _checkbox_halves() -> tuple[str, str]:
    marker = "ROW-ID-MARKER"
    before, after = str(unfold_checkbox.render(helpers.ACTION_CHECKBOX_NAME, marker)).split(marker)
    return before, after


def memoize_changelist_headers() -> None:
    """unfold's `items_for_result` recomputes every column header (sort links and all) for every
    cell's row: 50 rows x 11 headers of query-string building per queue page, about a third of its
    rendering. The headers depend on the changelist only, so they are computed once per changelist
    and shared (read-only) by its rows. Called once from TicketsConfig.ready()."""
    if getattr(unfold_list.result_headers, "memoized", False):
        return
    original = unfold_list.result_headers

    def result_headers(cl: Any) -> Any:
        headers = cl.__dict__.get("_unfold_result_headers")
        if headers is None:
            headers = cl.__dict__["_unfold_result_headers"] = list(original(cl))
        return iter(headers)

    result_headers.memoized = True  # type: ignore[attr-defined]
    unfold_list.result_headers = result_headers
