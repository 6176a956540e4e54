"""The ticket-field rules' exact words and limits: every message a person reads, written out in full,
and each limit tried on both sides (found by mutation testing: substring matches let a changed
message or an off-by-one limit through)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets import validators

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


def _error(function, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        function(*args, **kwargs)
    return exc.value


@pytest.mark.parametrize(
    ("title", "message", "code"),
    [
        ("Two\nlines", "The title must be a single line (no newlines).", "invalid_chars"),
        ("Carriage\rreturn", "The title must be a single line (no newlines).", "invalid_chars"),
        ("Bell\x07 rings", "The title must not contain control characters.", "invalid_chars"),
        ("A <b>bold</b> title", "The title must be plain text: HTML markup is not allowed.", "markup"),
        ("ab", "The title must be at least 3 characters.", "min_length"),
        ("a" * 201, "The title must be at most 200 characters.", "max_length"),
    ],
)
def test_title_messages(title, message, code):
    error = _error(validators.validate_title, title)
    assert (error.messages, error.code) == ([message], code)


@pytest.mark.parametrize("title", ["XXL shirts missing", "Order #3 never arrived", "Café crème"])
def test_ordinary_titles_pass_unchanged(title):
    assert validators.validate_title(title) == title


def test_a_title_with_a_nul_is_refused_before_anything_else():
    assert _error(validators.validate_title, "Nul\x00 here").code == "bad_text"


def test_priority_message_lists_every_priority():
    error = _error(validators.validate_priority, "LOW")
    assert (error.messages, error.code) == (
        ["'LOW' is not a valid priority; use one of: low, medium, high, critical."],
        "invalid_choice",
    )


def test_status_message_lists_every_status():
    error = _error(validators.validate_status, "done")
    assert (error.messages, error.code) == (
        ["'done' is not a valid status; use one of: open, in_progress, pending, on_hold, resolved, closed."],
        "invalid_choice",
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("closed", "pending", "Cannot change status from 'closed' to 'pending'; allowed: open."),
        (
            "resolved",
            "on_hold",
            "Cannot change status from 'resolved' to 'on_hold'; allowed: closed, in_progress, open.",
        ),
    ],
)
def test_transition_message_names_both_statuses_and_the_allowed_ones(old, new, message):
    error = _error(validators.validate_transition, old, new)
    assert (error.messages, error.code) == ([message], "invalid_transition")


@pytest.mark.parametrize(
    ("tags", "message", "code"),
    [
        ("vip", "Tags must be a list of strings.", "invalid"),
        (["vip", 7], "Tags must be a list of strings.", "invalid"),
        (["has space"], "'has space' is not a valid tag: use 1-50 letters, digits, '-' or '_'.", "invalid_tag"),
        ([f"t{n}" for n in range(21)], "At most 20 tags.", "max_tags"),
    ],
)
def test_tag_messages(tags, message, code):
    error = _error(validators.normalize_tags, tags)
    assert (error.messages, error.code) == ([message], code)


def test_twenty_tags_are_allowed_and_duplicates_count_once():
    twenty = [f"t{n}" for n in range(20)]
    assert validators.normalize_tags(twenty) == twenty
    assert validators.normalize_tags([*twenty, "T0", " t1 "]) == twenty


@pytest.mark.parametrize(
    ("tag", "expected"), [("a", "a"), ("0", "0"), ("x" * 50, "x" * 50), (" Mixed-Case_1 ", "mixed-case_1")]
)
def test_tag_shapes_accepted(tag, expected):
    assert validators.normalize_tags([tag]) == [expected]


def test_metadata_messages():
    error = _error(validators.validate_metadata, ["a"])
    assert (error.messages, error.code) == (["Metadata must be a JSON object."], "invalid")
    assert _error(validators.validate_metadata, {"note": "nul\x00"}).code == "bad_text"


def test_body_is_normalised_and_must_not_be_empty():
    assert validators.validate_body("  first\r\nsecond\rthird  ") == "first\nsecond\nthird"
    error = _error(validators.validate_body, " \r\n ")
    assert (error.messages, error.code) == (["The message must not be empty."], "required")
    assert _error(validators.validate_body, "nul\x00").code == "bad_text"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), ("", ""), ("a\r\nb", "a\nb"), ("a\rb", "a\nb"), ("a\n\nb", "a\n\nb"), ("\t x \n", "x")],
)
def test_normalize_text(value, expected):
    assert validators.normalize_text(value) == expected


def test_attachment_size_limit_is_inclusive_and_the_message_names_both_sizes(settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    assert validators.validate_attachment(size=100, content_type="image/png") is None
    error = _error(validators.validate_attachment, size=101, content_type="image/png")
    assert (error.messages, error.code) == (["The file is 101 bytes; the limit is 100 bytes."], "file_too_large")


def test_attachment_type_message():
    error = _error(validators.validate_attachment, size=1, content_type="application/x-msdownload")
    assert (error.messages, error.code) == (["Files of type 'application/x-msdownload' are not accepted."], "file_type")


def test_attachments_name_each_bad_file_and_only_those(settings):
    settings.ATTACHMENT_MAX_BYTES = 40
    files = [
        SimpleUploadedFile("ok.png", PNG, content_type="image/png"),
        SimpleUploadedFile("setup.pdf", EXE, content_type="application/pdf"),
        SimpleUploadedFile("../big.png", PNG + b"\x00" * 9, content_type="image/png"),
    ]

    error = _error(validators.validate_attachments, files)

    assert error.message_dict == {
        "files": [
            "setup.pdf: Files of type 'application/x-msdownload' are not accepted.",
            "big.png: The file is 49 bytes; the limit is 40 bytes.",
        ]
    }


def test_attachments_within_the_limits_pass():
    assert validators.validate_attachments([SimpleUploadedFile("ok.png", PNG, content_type="image/png")]) is None
    assert validators.validate_attachments([]) is None


def test_an_empty_file_is_zero_bytes(settings):
    settings.ATTACHMENT_MAX_BYTES = 0
    assert validators.validate_attachments([SimpleUploadedFile("empty.txt", b"", content_type="text/plain")]) is None
