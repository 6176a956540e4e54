"""Filter plumbing (django-filter) shared by every app's API: strict ids, booleans, date-times
and comma-separated choices, each a 400 naming the parameter on a bad value."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField


class ChoiceInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """`status=open,pending`: comma-separated, each value checked against the choices."""


class IdFilter(django_filters.NumberFilter):
    """An integer id (NumberFilter would accept decimals)."""

    field_class = forms.IntegerField


class SafeIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 with an offset; a moment that cannot be expressed in UTC (year 1 at +05:00) is a
    validation error, not an OverflowError deep in the database adapter."""

    def to_python(self, value: Any) -> Any:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            parsed.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError("Date and time out of range.", code="out_of_range") from exc
        return parsed


class SafeIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = SafeIsoDateTimeField


class StrictBooleanField(forms.NullBooleanField):
    """`true`/`false` (or 1/0); anything else is an error rather than silently ignored."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
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
