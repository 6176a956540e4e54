"""Serializer plumbing shared by every app's API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class StrictFieldsMixin:
    """Refuse fields the serializer does not declare as writable (400 naming each one)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                message = "This field is not writable here (unknown or not allowed for your role)."
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]
