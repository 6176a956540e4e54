"""The ticket-field rules shared by the admin, the API and inbound email: tables of cases."""

import pytest
from django.core.exceptions import ValidationError

from tickets import validators
from tickets.models import Status


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        pytest.param("Valid ticket title", "Valid ticket title", id="valid"),
        pytest.param("  Padded title  ", "Padded title", id="trimmed"),
        pytest.param("abc", "abc", id="min-length-3"),
        pytest.param("a" * 200, "a" * 200, id="max-length-200"),
        pytest.param("Price < 5 and > 3", "Price < 5 and > 3", id="angle-brackets-not-markup"),
        pytest.param("Ünïcödé tïtlé ✓", "Ünïcödé tïtlé ✓", id="unicode"),
    ],
)
def test_validate_title_accepts(title, expected):
    assert validators.validate_title(title) == expected


@pytest.mark.parametrize(
    ("title", "code"),
    [
        pytest.param("", "min_length", id="empty"),
        pytest.param(None, "min_length", id="none"),
        pytest.param("ab", "min_length", id="too-short"),
        pytest.param("  ab  ", "min_length", id="too-short-after-trim"),
        pytest.param("a" * 201, "max_length", id="too-long"),
        pytest.param("a" * 300, "max_length", id="much-too-long"),
        pytest.param("<script>alert('xss')</script>", "markup", id="xss-script"),
        pytest.param('<img src=x onerror="alert(1)">', "markup", id="xss-img"),
        pytest.param("Hello <b>world</b>", "markup", id="inline-markup"),
        pytest.param("Title with\nnewline", "invalid_chars", id="newline"),
        pytest.param("Title with\r\nCRLF", "invalid_chars", id="crlf"),
        pytest.param("Bell\x07 character", "invalid_chars", id="control-char"),
        pytest.param("Tab\tinside", "invalid_chars", id="tab"),
    ],
)
def test_validate_title_rejects(title, code):
    with pytest.raises(ValidationError) as exc:
        validators.validate_title(title)
    assert exc.value.code == code
    assert exc.value.messages[0].startswith("The title")


@pytest.mark.parametrize("priority", ["low", "medium", "high", "critical"])
def test_validate_priority_accepts_exact_values(priority):
    assert validators.validate_priority(priority) == priority


@pytest.mark.parametrize(
    "priority",
    [
        pytest.param("LOW", id="upper-case"),
        pytest.param("High", id="capitalised"),
        pytest.param("urgent", id="unknown"),
        pytest.param("", id="empty"),
        pytest.param(None, id="none"),
        pytest.param(" low", id="leading-space"),
    ],
)
def test_validate_priority_rejects(priority):
    with pytest.raises(ValidationError, match="not a valid priority"):
        validators.validate_priority(priority)


@pytest.mark.parametrize("status", Status.values)
def test_validate_status_accepts(status):
    assert validators.validate_status(status) == status


@pytest.mark.parametrize("status", ["OPEN", "done", "", None])
def test_validate_status_rejects(status):
    with pytest.raises(ValidationError, match="not a valid status"):
        validators.validate_status(status)


def test_validate_transition_unknown_status():
    with pytest.raises(ValidationError, match="not a valid status"):
        validators.validate_transition(Status.OPEN, "archived")


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param(None, [], id="none"),
        pytest.param([], [], id="empty"),
        pytest.param(["VIP", " billing ", "vip"], ["vip", "billing"], id="normalised-deduplicated"),
        pytest.param(("a-b", "c_d"), ["a-b", "c_d"], id="tuple"),
    ],
)
def test_normalize_tags_accepts(tags, expected):
    assert validators.normalize_tags(tags) == expected


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        pytest.param("vip", "list of strings", id="not-a-list"),
        pytest.param([1], "list of strings", id="not-strings"),
        pytest.param(["has space"], "not a valid tag", id="space"),
        pytest.param(["-dash-first"], "not a valid tag", id="dash-first"),
        pytest.param(["x" * 51], "not a valid tag", id="too-long"),
        pytest.param([f"t{n}" for n in range(21)], "At most 20", id="too-many"),
    ],
)
def test_normalize_tags_rejects(tags, message):
    with pytest.raises(ValidationError, match=message):
        validators.normalize_tags(tags)


@pytest.mark.parametrize(
    ("value", "expected"), [pytest.param(None, {}, id="none"), pytest.param({"a": 1}, {"a": 1}, id="dict")]
)
def test_validate_metadata_accepts(value, expected):
    assert validators.validate_metadata(value) == expected


@pytest.mark.parametrize("value", [pytest.param([1], id="list"), pytest.param("x", id="string")])
def test_validate_metadata_rejects(value):
    with pytest.raises(ValidationError, match="JSON object"):
        validators.validate_metadata(value)


def test_validate_body():
    assert validators.validate_body("  hello \n") == "hello"
    with pytest.raises(ValidationError, match="must not be empty"):
        validators.validate_body("   ")


@pytest.mark.parametrize(
    ("size", "content_type", "code"),
    [
        pytest.param(10, "application/x-msdownload", "file_type", id="exe"),
        pytest.param(10 * 1024 * 1024 + 1, "image/png", "file_too_large", id="too-large"),
    ],
)
def test_validate_attachment_rejects(size, content_type, code):
    with pytest.raises(ValidationError) as exc:
        validators.validate_attachment(size=size, content_type=content_type)
    assert exc.value.code == code


def test_validate_attachment_accepts_within_limits(settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    assert validators.validate_attachment(size=100, content_type="image/png") is None
