"""Filter plumbing (django-filter) shared by every app's API: strict ids, booleans, date-times
and comma-separated choices, each a 400 naming the parameter on a bad value."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from typing import Any

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError


class ChoiceInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """`status=open,pending`: comma-separated, each value checked against the choices."""


EMPTY_MESSAGE = "Give a value, or leave the parameter out."


class NotEmptyMixin:
    """A typed parameter sent empty (`?updated_after=`) is a 400 naming it, not "no filter"."""

    def to_python(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError(EMPTY_MESSAGE, code="required")
        return super().to_python(value)  # type: ignore[misc]


class IdField(NotEmptyMixin, forms.IntegerField):
    """Digits only: Django's IntegerField would also take `0.0` or `1e3`."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value and not re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
            raise forms.ValidationError("Enter a whole number.", code="invalid")
        return super().to_python(value)


class IdFilter(django_filters.NumberFilter):
    """An integer id (NumberFilter would accept decimals)."""

    field_class = IdField


# PostgreSQL's limit for a UTC offset (Python accepts up to 23:59).
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)


class SafeIsoDateTimeField(NotEmptyMixin, IsoDateTimeField):
    """ISO 8601 with an offset, handed on in UTC. A moment that cannot be expressed in UTC (year 1
    at +05:00) or an offset beyond ±15:59 is a validation error naming the parameter, not a
    DataError or OverflowError deep in the database adapter."""

    def to_python(self, value: Any) -> Any:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        offset = parsed.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError("The UTC offset must be within ±15:59.", code="out_of_range")
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError("Date and time out of range.", code="out_of_range") from exc


class SafeIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = SafeIsoDateTimeField


class StrictBooleanField(forms.NullBooleanField):
    """`true`/`false` (or 1/0); anything else is an error rather than silently ignored."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:
        if value is None:
            return None
        if value == "":
            raise forms.ValidationError(EMPTY_MESSAGE, code="required")
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")

    def validate(self, value: Any) -> None:
        return


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class FilterParamsOnlyBackend(DjangoFilterBackend):
    """django-filter, run only when the request carries one of the filter set's parameters: with
    none, every filter would be skipped anyway, so the FilterSet and its form are not built at all
    (the unfiltered list is the busiest request of the API)."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        names = filterset_class.base_filters
        if not any(param in names or param.rpartition("_")[0] in names for param in request.query_params):
            return queryset
        # `?status=` or `?team=` (sent empty), or an empty item in a list (`?status=open,`), is a
        # 400 naming it, not "no filter"; text filters (search, tag, ...) may be empty.
        empty = [
            param
            for param, value in request.query_params.items()
            if param in names
            and not isinstance(names[param], django_filters.CharFilter)
            and (value == "" or (isinstance(names[param], django_filters.BaseCSVFilter) and "" in value.split(",")))
        ]
        if empty:
            raise ValidationError({param: [EMPTY_MESSAGE] for param in empty})
        return super().filter_queryset(request, queryset, view)
