"""Helpers every app's services share (HackSoft's "common services").

`model_update` is the one implementation of "set the fields that changed and save just those": the
services validate first, then hand the cleaned values here, and use the returned changes for their
audit events and outbox payloads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

M = TypeVar("M", bound=models.Model)


def fields_refuse_unknown(data: Mapping[str, object], allowed: Iterable[str], *, verb: str = "changed") -> None:
    """A 400 naming every field of `data` outside `allowed` ("This field cannot be changed.")."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({field: [f"This field cannot be {verb}."] for field in sorted(unknown)})


def model_update(*, instance: M, data: Mapping[str, Any], save: bool = True) -> tuple[M, dict[str, tuple[Any, Any]]]:
    """Set each field of `data` whose value differs from the instance's; return the instance and the
    changes as `{field: (old, new)}`, in `data`'s order. With `save`, only the changed fields are
    written (with the model's `auto_now` fields such as `updated_at`), and nothing at all when nothing
    changed; without it, the caller saves (it may add fields of its own)."""
    changes: dict[str, tuple[Any, Any]] = {}
    for field, new in data.items():
        old = getattr(instance, field)
        if old != new:
            setattr(instance, field, new)
            changes[field] = (old, new)
    if save and changes:
        auto_now = [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]
        instance.save(update_fields=[*changes, *(name for name in auto_now if name not in changes)])
    return instance, changes
