"""Contact-data rules: tables of emails, phones per region, names, tiers and domains."""

import pytest
from django.core.exceptions import ValidationError

from customers import validators


@pytest.mark.parametrize(
    ("phone", "region", "expected"),
    [
        pytest.param("+1-415-555-0132", "US", "+14155550132", id="us-international"),
        pytest.param("(415) 555-0132", "US", "+14155550132", id="us-national"),
        pytest.param("+44 20 7946 0958", "US", "+442079460958", id="uk-international-from-us"),
        pytest.param("020 7946 0958", "GB", "+442079460958", id="uk-national"),
        pytest.param("030 901820", "DE", "+4930901820", id="de-national"),
        pytest.param("06 12 34 56 78", "FR", "+33612345678", id="fr-mobile"),
        pytest.param("", "US", "", id="empty-stays-empty"),
        pytest.param("   ", "US", "", id="blank-stays-empty"),
    ],
)
def test_normalize_phone_to_e164(phone, region, expected):
    assert validators.normalize_phone(phone, region=region) == expected


@pytest.mark.parametrize(
    ("phone", "region"),
    [
        pytest.param("invalid", "US", id="letters"),
        pytest.param("123", "US", id="too-short"),
        pytest.param("555-123-4567", "US", id="fictional-555-area"),
        pytest.param("+1 999 999 9999", "US", id="unassigned-area-code"),
        pytest.param("020 7946 0958", "US", id="uk-national-read-as-us"),
        pytest.param("12345678901234567890", "DE", id="too-long"),
    ],
)
def test_normalize_phone_rejects(phone, region):
    with pytest.raises(ValidationError) as exc:
        validators.normalize_phone(phone, region=region)
    assert exc.value.code == "invalid_phone"


def test_normalize_phone_uses_the_default_region_setting(settings):
    settings.PHONE_DEFAULT_REGION = "GB"
    assert validators.normalize_phone("020 7946 0958") == "+442079460958"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("Acme Corp", "Acme Corp", id="plain"),
        pytest.param("<script>alert('xss')</script>Acme", "Acme", id="script-stripped"),
        pytest.param("<b>Acme</b> &amp; Sons", "Acme & Sons", id="tags-stripped-entity-kept"),
        pytest.param("  Acme \n  Corp ", "Acme Corp", id="whitespace-collapsed"),
        pytest.param("", "", id="empty"),
    ],
)
def test_clean_plain_text(value, expected):
    assert validators.clean_plain_text(value) == expected


def test_clean_plain_text_too_long():
    with pytest.raises(ValidationError, match="at most 200"):
        validators.clean_plain_text("x" * 201)


@pytest.mark.parametrize("tier", ["free", "basic", "premium", "enterprise"])
def test_validate_tier_accepts(tier):
    assert validators.validate_tier(tier) == tier


@pytest.mark.parametrize("tier", ["FREE", "gold", ""])
def test_validate_tier_rejects(tier):
    with pytest.raises(ValidationError, match="not a valid tier"):
        validators.validate_tier(tier)


@pytest.mark.parametrize(
    ("value", "expected"),
    [pytest.param("Acme.COM", "acme.com", id="lower"), pytest.param("@acme.com ", "acme.com", id="at-stripped")],
)
def test_normalize_domain_accepts(value, expected):
    assert validators.normalize_domain(value) == expected


@pytest.mark.parametrize("value", ["", "acme", "acme .com", "a@acme.com"])
def test_normalize_domain_rejects(value):
    with pytest.raises(ValidationError, match="domain"):
        validators.normalize_domain(value)
