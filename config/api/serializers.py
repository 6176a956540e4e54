"""Serializer plumbing shared by every app's API."""

from __future__ import annotations

import copy
from typing import Any

from django.http import QueryDict
from rest_framework import serializers


def json_type_errors(fields: Any, data: Any) -> dict[str, list[str]]:
    """In a JSON body, text is a string and a flag is true or false: DRF would take `0` for the
    name "0" and for false, which the schema (and so a client generated from it) says is wrong."""
    if isinstance(data, QueryDict):  # form fields are all text: DRF's conversions apply
        return {}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None or field.read_only or value is None:
            continue
        if isinstance(field, serializers.BooleanField) and not isinstance(value, bool):
            errors[name] = ["Must be true or false."]
        elif isinstance(field, serializers.CharField) and not isinstance(value, str):
            errors[name] = ["Must be a string."]
    return errors


class StrictFieldsMixin:
    """Refuse fields the serializer does not declare as writable (400 naming each one), in the same
    400 as every other bad field: all fields are validated, then all errors reported together."""

    def to_internal_value(self, data: Any) -> Any:
        errors: dict[str, Any] = {}
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}  # type: ignore[attr-defined]
            message = "This field is not writable here (unknown or not allowed for your role)."
            errors.update({name: [message] for name in sorted(set(data) - writable)})
            errors.update(json_type_errors(self.fields, data))  # type: ignore[attr-defined]
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            errors = {**exc.detail, **errors}
            value = None
        errors.update(self.cross_field_errors(data) if isinstance(data, dict) else {})
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def cross_field_errors(self, data: dict[str, Any]) -> dict[str, list[str]]:
        """Rules about several fields, reported beside the per-field errors (DRF's validate() runs
        only once every field is valid, so its errors would come one round-trip later)."""
        return {}


class CachedFieldsMixin:
    """A read-only ModelSerializer whose fields are built from the model once per class instead of
    on every instance (DRF introspects the model for each response, and for a list's child once per
    request). Each instance still gets its own copies, as DRF's declared fields do: a field is bound
    to one serializer, and `Field.__deepcopy__` re-creates it from its arguments. Only for
    serializers whose fields do not depend on the instance or the context."""

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._built_fields = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)
