"""Contact-data rules, shared by the admin (model/form clean), the API (serializers) and inbound
email. Each function returns the normalised value or raises Django's ValidationError."""

from __future__ import annotations

from typing import Any

import nh3
import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError

from config.text_input import validate_clean_text
from customers.models import Tier


def normalize_phone(value: str, *, region: str | None = None) -> str:
    """Any human-written phone number -> E.164 (`+14155550132`); '' stays ''. Numbers without
    a country code are read in `region` (default: settings.PHONE_DEFAULT_REGION)."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"Enter a valid phone number ({exc}).", code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("Enter a valid phone number.", code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_metadata(value: Any) -> dict[str, Any]:
    """A JSON object of the integration's own keys, with no text PostgreSQL cannot store."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError("Metadata must be a JSON object.", code="invalid")
    validate_clean_text(value)
    return value


def clean_plain_text(value: str, *, max_length: int = 200) -> str:
    """A name or company: markup stripped (nh3), whitespace collapsed, length bounded."""
    text = nh3.clean(value or "", tags=set()) if nh3.is_html(value or "") else (value or "")
    text = " ".join(text.replace("&amp;", "&").split())
    if len(text) > max_length:
        raise ValidationError(f"Ensure this value has at most {max_length} characters.", code="max_length")
    return text


def validate_tier(value: str) -> str:
    if value not in Tier.values:
        raise ValidationError(
            f"'{value}' is not a valid tier; use one of: {', '.join(Tier.values)}.", code="invalid_choice"
        )
    return value


def normalize_domain(value: str) -> str:
    domain = (value or "").strip().lower().lstrip("@")
    if not domain or "." not in domain or any(ch.isspace() for ch in domain) or "@" in domain:
        raise ValidationError("Enter a domain such as example.com.", code="invalid_domain")
    return domain
