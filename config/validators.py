"""Validators with no domain: shared by every app."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email


def normalize_email(value: str) -> str:
    """Trimmed, lower-cased, and valid per Django's EmailValidator."""
    email = (value or "").strip().lower()
    if not email:
        raise ValidationError("An email address is required.", code="required")
    django_validate_email(email)
    return email


def is_id(value: object) -> bool:
    """A primary-key-sized positive integer (a larger one would overflow the database column)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
