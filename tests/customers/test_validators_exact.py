"""Contact-data rules (customers/validators.py) stated exactly: each refusal's message and code, the
length bound at its boundary, the default region, and what each accepted value becomes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from customers import validators


def _refusal(function, *args, **kwargs) -> tuple[list[str], str]:
    with pytest.raises(ValidationError) as caught:
        function(*args, **kwargs)
    return caught.value.messages, caught.value.code


# --- phone numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        pytest.param(
            "invalid",
            "Enter a valid phone number ((1) The string supplied did not seem to be a phone number.).",
            id="not-a-number",
        ),
        pytest.param(
            "12345678901234567890",
            "Enter a valid phone number ((4) The string supplied is too long to be a phone number.).",
            id="too-long",
        ),
        pytest.param("123", "Enter a valid phone number.", id="parsed-but-not-valid"),
        pytest.param("555-123-4567", "Enter a valid phone number.", id="fictional-555"),
    ],
)
def test_a_bad_phone_number_is_refused_with_the_reason(phone, message):
    assert _refusal(validators.normalize_phone, phone, region="US") == ([message], "invalid_phone")


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        pytest.param("  +1 415 555 0132  ", "+14155550132", id="spaces-around"),
        pytest.param(None, "", id="none"),
        pytest.param("\t\n", "", id="only-whitespace"),
    ],
)
def test_a_phone_number_is_trimmed_and_nothing_stays_nothing(phone, expected):
    assert validators.normalize_phone(phone, region="US") == expected


def test_the_given_region_wins_over_the_default(settings):
    settings.PHONE_DEFAULT_REGION = "US"

    assert validators.normalize_phone("020 7946 0958", region="GB") == "+442079460958"
    assert validators.normalize_phone("(415) 555-0132") == "+14155550132"


def test_without_a_region_the_setting_reads_national_numbers(settings):
    settings.PHONE_DEFAULT_REGION = "DE"

    assert validators.normalize_phone("030 901820") == "+4930901820"
    assert validators.normalize_phone("030 901820", region=None) == "+4930901820"


# --- metadata ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, {}, id="none-is-empty"),
        pytest.param({}, {}, id="empty"),
        pytest.param({"plan": "gold", "seats": [1, 2]}, {"plan": "gold", "seats": [1, 2]}, id="kept"),
    ],
)
def test_metadata_accepted(value, expected):
    assert validators.validate_metadata(value) == expected


@pytest.mark.parametrize("value", [[], ["a"], "text", 3, ""], ids=["empty-list", "list", "string", "number", "blank"])
def test_metadata_that_is_not_an_object_is_refused(value):
    assert _refusal(validators.validate_metadata, value) == (["Metadata must be a JSON object."], "invalid")


def test_metadata_with_a_nul_is_refused_naming_the_path():
    assert _refusal(validators.validate_metadata, {"notes": {"a": "x\x00y"}}) == (
        ["Must not contain NUL characters or unpaired surrogates. (at notes.a)"],
        "bad_text",
    )


# --- names and companies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "max_length", "expected"),
    [
        pytest.param("x" * 200, 200, "x" * 200, id="exactly-200"),
        pytest.param("<b>" + "x" * 200 + "</b>", 200, "x" * 200, id="markup-not-counted"),
        pytest.param("abcde", 5, "abcde", id="exactly-the-given-bound"),
        pytest.param("Tom &amp; Jerry", 200, "Tom & Jerry", id="entity-without-markup"),
        pytest.param("Bits < Atoms > Ltd", 200, "Bits < Atoms > Ltd", id="angle-brackets-without-markup-kept"),
        pytest.param(None, 200, "", id="none"),
    ],
)
def test_clean_plain_text_within_the_bound(value, max_length, expected):
    assert validators.clean_plain_text(value, max_length=max_length) == expected


def test_the_default_bound_is_200():
    assert validators.clean_plain_text("y" * 200) == "y" * 200
    assert _refusal(validators.clean_plain_text, "y" * 201) == (
        ["Ensure this value has at most 200 characters."],
        "max_length",
    )


def test_one_over_the_given_bound_is_refused_naming_it():
    assert _refusal(validators.clean_plain_text, "abcdef", max_length=5) == (
        ["Ensure this value has at most 5 characters."],
        "max_length",
    )


# --- tiers and domains ------------------------------------------------------------------------


@pytest.mark.parametrize("tier", ["gold", "FREE", ""])
def test_an_unknown_tier_is_refused_listing_the_tiers(tier):
    assert _refusal(validators.validate_tier, tier) == (
        [f"'{tier}' is not a valid tier; use one of: free, basic, premium, enterprise."],
        "invalid_choice",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("  Acme.COM  ", "acme.com", id="trimmed-lowered"),
        pytest.param("@@mail.acme.com", "mail.acme.com", id="every-leading-at"),
        pytest.param("a.b", "a.b", id="shortest"),
    ],
)
def test_normalize_domain_exactly(value, expected):
    assert validators.normalize_domain(value) == expected


@pytest.mark.parametrize(
    "value",
    [None, "", "   ", "@", "acme", "acme\t.com", "acme.com\u00a0x", "a@acme.com", "acme.com@"],
    ids=["none", "empty", "blank", "only-at", "no-dot", "tab", "nbsp", "address", "trailing-at"],
)
def test_a_bad_domain_is_refused_with_the_example(value):
    assert _refusal(validators.normalize_domain, value) == (["Enter a domain such as example.com."], "invalid_domain")
