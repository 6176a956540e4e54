"""The API's default pagination: cursors (stable under writes, no COUNT(*) on big tables).

`page_size` (1-100, default 25) sets the page size; responses carry `next`, `previous` and
`results`. The ordering comes from `?ordering=` when the view has an OrderingFilter, else from the
view's `ordering`, else from the model's Meta.ordering (first field), else `-pk`, so any list
view in the project can use this class without declaring anything. A query parameter the list
does not know is a 400 naming it (config.api.lists)."""

from __future__ import annotations

from typing import Any

from config.api.lists import StrictQueryParamsCursorPagination


class DefaultCursorPagination(StrictQueryParamsCursorPagination):
    ordering = None  # type: ignore[assignment]

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        if any(hasattr(backend, "get_ordering") for backend in getattr(view, "filter_backends", [])):
            self.ordering = getattr(view, "ordering", None) or self._model_ordering(queryset)
            return super().get_ordering(request, queryset, view)
        ordering = getattr(view, "ordering", None) or self._model_ordering(queryset)
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    @staticmethod
    def _model_ordering(queryset: Any) -> tuple[str, ...]:
        ordering = [o for o in (queryset.model._meta.ordering or []) if isinstance(o, str) and "__" not in o]
        return tuple(ordering) or ("-pk",)
