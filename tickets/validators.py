"""Ticket-field rules, shared by the admin, the API and inbound email. Each function returns the
normalised value or raises Django's ValidationError with a message a person can act on."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError

from config.text_input import validate_clean_text
from tickets.file_types import detect_content_type, safe_filename
from tickets.models import ALLOWED_TRANSITIONS, Priority, Status

TITLE_MIN = 3
TITLE_MAX = 200
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,49}$")
MAX_TAGS = 20


def validate_title(value: str) -> str:
    validate_clean_text(value)
    title = (value or "").strip()
    if any(ch in "\r\n" for ch in title):
        raise ValidationError("The title must be a single line (no newlines).", code="invalid_chars")
    if any(unicodedata.category(ch) == "Cc" for ch in title):
        raise ValidationError("The title must not contain control characters.", code="invalid_chars")
    if nh3.is_html(title):
        raise ValidationError("The title must be plain text: HTML markup is not allowed.", code="markup")
    if len(title) < TITLE_MIN:
        raise ValidationError(f"The title must be at least {TITLE_MIN} characters.", code="min_length")
    if len(title) > TITLE_MAX:
        raise ValidationError(f"The title must be at most {TITLE_MAX} characters.", code="max_length")
    return title


def validate_priority(value: str) -> str:
    """Exact lower-case values only: `LOW` is not `low`."""
    if value not in Priority.values:
        raise ValidationError(
            f"'{value}' is not a valid priority; use one of: {', '.join(Priority.values)}.", code="invalid_choice"
        )
    return value


def validate_status(value: str) -> str:
    if value not in Status.values:
        raise ValidationError(
            f"'{value}' is not a valid status; use one of: {', '.join(Status.values)}.", code="invalid_choice"
        )
    return value


def normalize_tags(value: Any) -> list[str]:
    """A list of short lower-case slugs, de-duplicated, order kept."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError("Tags must be a list of strings.", code="invalid")
    tags: list[str] = []
    for raw in value:
        if not isinstance(raw, str):
            raise ValidationError("Tags must be a list of strings.", code="invalid")
        tag = raw.strip().lower()
        if not TAG_RE.match(tag):
            raise ValidationError(
                f"'{raw}' is not a valid tag: use 1-50 letters, digits, '-' or '_'.", code="invalid_tag"
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags.", code="max_tags")
    return tags


def validate_metadata(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError("Metadata must be a JSON object.", code="invalid")
    validate_clean_text(value)
    return value


def validate_body(value: str) -> str:
    validate_clean_text(value)
    body = normalize_text(value)
    if not body:
        raise ValidationError("The message must not be empty.", code="required")
    return body


def normalize_text(value: str | None) -> str:
    """Multi-line text as stored: line endings as `\n` (browsers post `\r\n`), outer whitespace
    trimmed. Comparing normalised values is what keeps an untouched save from writing a change."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def validate_attachment(*, size: int, content_type: str) -> None:
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            f"The file is {size} bytes; the limit is {settings.ATTACHMENT_MAX_BYTES} bytes.", code="file_too_large"
        )
    if content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
        raise ValidationError(f"Files of type '{content_type}' are not accepted.", code="file_type")


def validate_transition(old: str, new: str) -> str:
    """`new` must be reachable from `old` (models.ALLOWED_TRANSITIONS); the same status is a no-op.
    One message for the service, the admin form and the API alike."""
    validate_status(new)
    if new != old and new not in ALLOWED_TRANSITIONS[old]:
        allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[old]))
        raise ValidationError(
            f"Cannot change status from '{old}' to '{new}'; allowed: {allowed}.", code="invalid_transition"
        )
    return new


def validate_attachments(files: Any) -> None:
    """Every file within the limits, or one error naming each bad file (field `files`)."""
    errors = []
    for upload in files:
        content_type = detect_content_type(upload)
        try:
            validate_attachment(size=upload.size or 0, content_type=content_type)
        except ValidationError as exc:
            errors.append(f"{safe_filename(upload.name)}: {' '.join(exc.messages)}")
    if errors:
        raise ValidationError({"files": errors}, code="invalid_file")
