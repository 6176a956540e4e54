"""Every API list follows one rule for its query parameters: the ones it understands (filters,
`ordering`, `search`, `cursor`, `page_size`) work, and any other is a 400 naming it, so a typo
(`?stauts=open`) or another API's habit (`?page=2`) never looks like "no filter". `?ordering=`
takes only the listed values (the schema shows them). This module must not import DRF's generic
views: they import the default pagination class, which builds on it."""

from __future__ import annotations

from functools import cache
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination

QUERY_PARAM_HINTS = {
    "page": "Lists are paged by cursor: follow the `next` link (or send its `cursor`); `page_size` sets the size.",
    "offset": "Lists are paged by cursor: follow the `next` link (or send its `cursor`).",
    "limit": "Use `page_size` (1-100).",
    "sort": "Use `ordering`.",
    "order_by": "Use `ordering`.",
    "q": "Use `search`.",
}


def list_query_params(request: Any, view: Any, paginator: Any) -> set[str]:
    """Every query parameter a list view understands: its filters, ordering and search, the
    paginator's, DRF's `format`, and any the view declares in `extra_query_params`."""
    names = {"format", *getattr(view, "extra_query_params", ())}
    names.update(
        name for name in (paginator.cursor_query_param, getattr(paginator, "page_size_query_param", None)) if name
    )
    queryset = None
    for backend_class in getattr(view, "filter_backends", ()):
        backend = backend_class()
        for attribute in ("ordering_param", "search_param"):
            if hasattr(backend, attribute):
                names.add(getattr(backend, attribute))
        if hasattr(backend, "get_filterset_class"):
            filterset_class = getattr(view, "filterset_class", None)
            if filterset_class is None:  # built from the view's `filterset_fields`
                queryset = queryset if queryset is not None else view.get_queryset()
                filterset_class = backend.get_filterset_class(view, queryset)
            if filterset_class is not None:
                names.update(filterset_params(filterset_class))
    return names


@cache
def filterset_params(filterset_class: type) -> frozenset[str]:
    """The query parameters a filter set reads (a range filter's `<name>_min`/`_max`), from its
    form's fields: the same for every request, so built once per class rather than per request."""
    model = filterset_class._meta.model
    names: set[str] = set()
    for name, field in filterset_class(queryset=model._default_manager.none()).form.fields.items():
        suffixes = getattr(field.widget, "suffixes", None)
        names.update([f"{name}_{suffix}" for suffix in suffixes] if suffixes else [name])
    return frozenset(names)


def check_list_query_params(request: Any, view: Any, paginator: Any) -> None:
    """400 naming each query parameter the list does not know (with a hint, and what it accepts)."""
    if view is None or not request.query_params:
        return  # nothing to check (and the filter set's form is not built for the busiest request)
    allowed = list_query_params(request, view, paginator)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        accepted = ", ".join(sorted(allowed - {"format"}))
        raise ValidationError(
            {
                name: [
                    " ".join(filter(None, ["Unknown query parameter.", QUERY_PARAM_HINTS.get(name)]))
                    + f" This list accepts: {accepted}."
                ]
                for name in unknown
            }
        )


class StrictQueryParamsCursorPagination(CursorPagination):
    """Cursor pagination (`cursor`, `page_size` 1-100, `next`/`previous`/`results`) that refuses
    unknown query parameters; every list in the API pages through a subclass of it."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        check_list_query_params(request, view, self)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Any) -> int:
        """`page_size` from 1 to `max_page_size`; anything else (`0`, `500`, `ten`) is a 400 naming
        it rather than quietly the default or the maximum."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]})
        return size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` from the view's `ordering_fields` (`-` for descending, comma-separated), plus
    public names for internal columns in `ordering_aliases` ({"priority": "priority_rank"}).
    Anything else is a 400 naming it and listing the allowed values, which the schema lists too.
    The id breaks ties (in the first term's direction), so pages are stable."""

    def allowed(self, view: Any) -> dict[str, str]:
        """public name -> model field, in the order the view declares them."""
        fields = {name: name for name in getattr(view, "ordering_fields", ()) if isinstance(name, str)}
        return {**getattr(view, "ordering_aliases", {}), **fields}

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> list[str]:
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return list(self.get_default_ordering(view) or ())
        allowed = self.allowed(view)
        terms = [term.strip() for term in raw.split(",")]
        unknown = [term for term in terms if term.removeprefix("-") not in allowed]
        if unknown or not terms:
            choices = ", ".join(self.choices(view))
            bad = ", ".join(repr(term) for term in unknown)
            raise ValidationError({self.ordering_param: [f"Unknown ordering {bad}. Use one of: {choices}."]})
        ordering = [("-" if term.startswith("-") else "") + allowed[term.removeprefix("-")] for term in terms]
        if not {"id", "pk"} & {term.removeprefix("-") for term in ordering}:
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering

    def choices(self, view: Any) -> list[str]:
        return [value for name in self.allowed(view) for value in (name, f"-{name}")]

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        default = ", ".join(self.get_default_ordering(view) or ()) or "the list's own"
        aliases = getattr(view, "ordering_aliases", {})
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by one or more of these, comma-separated; `-` means descending"
                + "".join(f" (`{name}`: {field.replace('_', ' ')})" for name, field in aliases.items())
                + f". Default: `{default}`. Anything else is a 400.",
                "schema": {"type": "array", "items": {"type": "string", "enum": self.choices(view)}},
                "style": "form",
                "explode": False,
            }
        ]
