"""Standard Webhooks signing and the receivers' verify() helper."""

from __future__ import annotations

import base64

import pytest

from notifications import signing
from notifications.signing import WebhookVerificationError, sign, sign_headers, verify

# The reference vector from the Standard Webhooks / Svix documentation.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = '{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
NO_MATCH = "No matching signature."
TOO_FAR = "Timestamp outside the tolerance."


def _headers(**overrides):
    headers = {"webhook-id": MSG_ID, "webhook-timestamp": str(TIMESTAMP), "webhook-signature": EXPECTED}
    headers.update(overrides)
    return headers


def test_signature_matches_the_reference_vector():
    assert sign(secret=SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY) == EXPECTED


def test_verify_accepts_a_genuine_request_and_returns_the_body():
    assert verify(payload=BODY, headers=_headers(), secret=SECRET, now=TIMESTAMP + 10) == {"test": 2432232314}


def test_verify_header_names_are_case_insensitive():
    headers = {"Webhook-Id": MSG_ID, "Webhook-Timestamp": str(TIMESTAMP), "Webhook-Signature": EXPECTED}
    assert verify(payload=BODY.encode(), headers=headers, secret=SECRET, now=TIMESTAMP)


@pytest.mark.parametrize(
    ("payload", "headers", "secret", "now", "message"),
    [
        pytest.param(BODY.replace("2", "3"), _headers(), SECRET, TIMESTAMP, NO_MATCH, id="tampered-body"),
        pytest.param(BODY, _headers(**{"webhook-id": "msg_other"}), SECRET, TIMESTAMP, NO_MATCH, id="other-id"),
        pytest.param(
            BODY, _headers(**{"webhook-timestamp": str(TIMESTAMP + 1)}), SECRET, TIMESTAMP, NO_MATCH, id="ts-edit"
        ),
        pytest.param(BODY, _headers(), signing.generate_secret(), TIMESTAMP, NO_MATCH, id="wrong-secret"),
        pytest.param(BODY, _headers(), SECRET, TIMESTAMP + 301, TOO_FAR, id="too-old"),
        pytest.param(BODY, _headers(), SECRET, TIMESTAMP - 301, TOO_FAR, id="from-the-future"),
        pytest.param(
            BODY,
            _headers(**{"webhook-timestamp": "yesterday"}),
            SECRET,
            TIMESTAMP,
            "Invalid webhook-timestamp.",
            id="bad-ts",
        ),
        pytest.param(
            BODY, _headers(**{"webhook-signature": "v2," + EXPECTED[3:]}), SECRET, TIMESTAMP, NO_MATCH, id="v2"
        ),
        pytest.param(
            BODY, {"webhook-id": MSG_ID}, SECRET, TIMESTAMP, "Missing header webhook-timestamp.", id="missing-headers"
        ),
        pytest.param(
            BODY,
            {"webhook-id": MSG_ID, "webhook-timestamp": str(TIMESTAMP)},
            SECRET,
            TIMESTAMP,
            "Missing header webhook-signature.",
            id="missing-signature",
        ),
        pytest.param(
            BODY, _headers(), "whsec_***", TIMESTAMP, "The secret is not a valid whsec_<base64> value.", id="bad-secret"
        ),
    ],
)
def test_verify_rejects(payload, headers, secret, now, message):
    with pytest.raises(WebhookVerificationError) as exc:
        verify(payload=payload, headers=headers, secret=secret, now=now)
    assert str(exc.value) == message


# Standard Webhooks' default: five minutes either way, both ends included.
@pytest.mark.parametrize(
    ("offset", "accepted"), [(0, True), (299, True), (300, True), (-300, True), (301, False), (-301, False)]
)
def test_the_default_tolerance_is_300_seconds_either_way(offset, accepted):
    if accepted:
        assert verify(payload=BODY, headers=_headers(), secret=SECRET, now=TIMESTAMP + offset) == {"test": 2432232314}
    else:
        with pytest.raises(WebhookVerificationError, match=f"^{TOO_FAR}$"):
            verify(payload=BODY, headers=_headers(), secret=SECRET, now=TIMESTAMP + offset)


def test_a_receiver_may_narrow_the_tolerance():
    assert verify(payload=BODY, headers=_headers(), secret=SECRET, now=TIMESTAMP - 10, tolerance=10)
    with pytest.raises(WebhookVerificationError, match=f"^{TOO_FAR}$"):
        verify(payload=BODY, headers=_headers(), secret=SECRET, now=TIMESTAMP + 11, tolerance=10)


def test_signatures_of_other_versions_or_other_secrets_are_skipped_until_one_matches():
    other = sign(secret=signing.generate_secret(), msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)
    header = f"v2,{EXPECTED[3:]} v1,bm90LWEtc2lnbmF0dXJl {other} {EXPECTED}"

    assert verify(payload=BODY, headers=_headers(**{"webhook-signature": header}), secret=SECRET, now=TIMESTAMP)


def test_sign_headers_are_exactly_the_three_standard_headers():
    assert sign_headers(secrets=[SECRET], msg_id=MSG_ID, body=BODY.encode(), timestamp=TIMESTAMP) == {
        "webhook-id": MSG_ID,
        "webhook-timestamp": "1614265330",
        "webhook-signature": EXPECTED,
    }


def test_the_first_header_of_a_name_wins_whatever_its_case():
    headers = {"X-Other": "1", "WEBHOOK-ID": MSG_ID, "webhook-timestamp": str(TIMESTAMP), "webhook-signature": EXPECTED}
    assert verify(payload=BODY, headers=headers, secret=SECRET, now=TIMESTAMP) == {"test": 2432232314}


def test_verify_rejects_a_signed_body_that_is_not_json():
    headers = sign_headers(secrets=[SECRET], msg_id="m1", body=b"not json", timestamp=TIMESTAMP)

    with pytest.raises(WebhookVerificationError, match=r"^The body is not JSON\.$"):
        verify(payload=b"not json", headers=headers, secret=SECRET, now=TIMESTAMP)


def test_rotation_header_carries_one_signature_per_secret_and_either_verifies():
    new = signing.generate_secret()
    headers = sign_headers(secrets=[new, SECRET], msg_id=MSG_ID, body=BODY, timestamp=TIMESTAMP)

    assert headers["webhook-signature"].split() == [
        sign(secret=new, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY),
        EXPECTED,
    ]
    assert verify(payload=BODY, headers=headers, secret=new, now=TIMESTAMP)
    assert verify(payload=BODY, headers=headers, secret=SECRET, now=TIMESTAMP)
    assert verify(payload=BODY, headers=_headers(), secret=[new, SECRET], now=TIMESTAMP)


def test_generated_secrets_are_whsec_with_32_random_bytes():
    first, second = signing.generate_secret(), signing.generate_secret()

    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
    assert first != second


def test_a_secret_without_prefix_is_accepted_as_base64():
    raw = SECRET.removeprefix("whsec_")
    assert sign(secret=raw, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY) == EXPECTED


def test_sign_headers_uses_the_current_time_by_default():
    import time

    headers = sign_headers(secrets=[SECRET], msg_id=MSG_ID, body=BODY)
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 5
    assert verify(payload=BODY, headers=headers, secret=SECRET)
