"""Signed links the portal mails: one-time sign-in links and sign-up confirmations.

A sign-in link carries the customer, their login (if any) and its last sign-in time, signed with
the SECRET_KEY and stamped with its creation time. It is refused once expired, and once anybody has
signed in as that customer since (the last sign-in time moved, or a login was created): single use
without a table of used tokens. A sign-up link carries the address and the name; it is refused once
expired or once the address has a login."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing

from customers.models import Customer

LOGIN_SALT = "helpdesk.portal.login-link"
SIGNUP_SALT = "helpdesk.portal.signup"


def _login_state(customer: Customer) -> dict[str, Any]:
    user = customer.user
    last = user.last_login.isoformat() if user is not None and user.last_login else ""
    return {"c": customer.pk, "u": user.pk if user is not None else 0, "l": last}


def login_token_make(customer: Customer) -> str:
    return signing.dumps(_login_state(customer), salt=LOGIN_SALT, compress=True)


def login_token_customer(token: str) -> Customer | None:
    """The customer a sign-in link is for, or None when it is forged, expired or already used."""
    try:
        data = signing.loads(token, salt=LOGIN_SALT, max_age=settings.PORTAL_LOGIN_LINK_MINUTES * 60)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        return None
    customer = Customer.objects.select_related("user").filter(pk=data["c"], erased_at__isnull=True).first()
    if customer is None or _login_state(customer) != data:
        return None
    if customer.user is not None and not customer.user.is_active:
        return None
    return customer


@dataclass(frozen=True)
class SignupRequest:
    email: str
    name: str


def signup_token_make(*, email: str, name: str) -> str:
    return signing.dumps({"e": email, "n": name}, salt=SIGNUP_SALT, compress=True)


def signup_token_read(token: str) -> SignupRequest | None:
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=settings.PORTAL_SIGNUP_LINK_HOURS * 3600)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str) or not isinstance(data.get("n"), str):
        return None
    return SignupRequest(email=data["e"], name=data["n"])
