"""Validators with no domain (config/validators.py): tables of emails."""

import pytest
from django.core.exceptions import ValidationError

from config.validators import normalize_email


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        pytest.param("user@example.com", "user@example.com", id="plain"),
        pytest.param("user.name@example.com", "user.name@example.com", id="dot"),
        pytest.param("user+tag@example.co.uk", "user+tag@example.co.uk", id="plus-tag"),
        pytest.param("user@subdomain.example.com", "user@subdomain.example.com", id="subdomain"),
        pytest.param("  User@Example.COM ", "user@example.com", id="trimmed-lower-cased"),
    ],
)
def test_normalize_email_accepts(email, expected):
    assert normalize_email(email) == expected


@pytest.mark.parametrize(
    "email",
    [
        pytest.param("invalid.email", id="no-at"),
        pytest.param("@example.com", id="no-local-part"),
        pytest.param("user@", id="no-domain"),
        pytest.param("user @example.com", id="space-in-local"),
        pytest.param("user@example .com", id="space-in-domain"),
        pytest.param("user@@example.com", id="double-at"),
        pytest.param("", id="empty"),
        pytest.param(None, id="none"),
    ],
)
def test_normalize_email_rejects(email):
    with pytest.raises(ValidationError):
        normalize_email(email)
