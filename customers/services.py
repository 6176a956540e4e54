"""Every write to customers and organisations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

import notifications
from config.db import email_matches
from config.services import fields_refuse_unknown, model_update
from config.validators import normalize_email
from customers import validators
from customers.models import Customer, Organization, OrganizationDomain

CUSTOMER_WRITABLE_FIELDS = ("email", "name", "company", "phone", "tier", "organization", "metadata", "email_opt_out")


def customer_payload(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "email": customer.email,
        "name": customer.name,
        "company": customer.company,
        "phone": customer.phone,
        "tier": customer.tier,
        "organization_id": customer.organization_id,
        "crm_id": customer.crm_id,
    }


def organization_for_email(email: str) -> Organization | None:
    """The organisation whose registered email domain matches the address, if any."""
    domain = email.rsplit("@", 1)[-1].lower()
    match = OrganizationDomain.objects.select_related("organization").filter(domain=domain).first()
    return match.organization if match else None


CUSTOMER_FIELD_CHECKS: dict[str, Callable[[Any], Any]] = {
    "email": normalize_email,
    "phone": validators.normalize_phone,
    "name": validators.clean_plain_text,
    "company": validators.clean_plain_text,
    "tier": validators.validate_tier,
    "metadata": validators.validate_metadata,
}


def _clean_customer_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Each field through its validator; every error is reported under its field name."""
    cleaned = dict(data)
    errors: dict[str, list[str]] = {}
    for field, check in CUSTOMER_FIELD_CHECKS.items():
        if field in cleaned:
            try:
                cleaned[field] = check(cleaned[field])
            except ValidationError as exc:
                errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def customer_create(
    *,
    email: str,
    name: str = "",
    company: str = "",
    phone: str = "",
    tier: str | None = None,
    organization: Organization | None = None,
    metadata: dict[str, Any] | None = None,
    email_opt_out: bool = False,
    actor: AbstractBaseUser | None = None,
) -> Customer:
    """Create a customer. The organisation, when not given, is matched by email domain and its
    default tier applies unless a tier is given. A duplicate email raises ValidationError."""
    fields = {"email": email, "name": name, "company": company, "phone": phone, "metadata": metadata or {}}
    if tier is not None:
        fields["tier"] = tier
    data = _clean_customer_fields(fields)
    if organization is None:
        organization = organization_for_email(data["email"])
    if "tier" not in data:
        data["tier"] = organization.default_tier if organization else "free"
    customer = Customer(**data, organization=organization, email_opt_out=email_opt_out)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        raise ValidationError({"email": ["A customer with this email already exists."]}, code="unique") from exc
    notifications.publish("customer.created", customer_payload(customer))
    return customer


def customer_get_or_create(*, email: str, name: str = "") -> tuple[Customer, bool]:
    """Find a customer by email (case-insensitively) or create one. Safe under concurrency: two
    requests racing to create the same customer both end with the one row."""
    normalized = normalize_email(email)
    existing = Customer.objects.filter(email_matches(normalized)).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return customer_create(email=normalized, name=name), True
    except ValidationError:
        existing = Customer.objects.filter(email_matches(normalized)).first()
        if existing is None:
            raise
        return existing, False


@transaction.atomic
def customer_update(*, customer: Customer, data: dict[str, Any], actor: AbstractBaseUser | None = None) -> Customer:
    fields_refuse_unknown(data, CUSTOMER_WRITABLE_FIELDS)
    cleaned = _clean_customer_fields(data)
    try:
        with transaction.atomic():
            customer, changes = model_update(instance=customer, data=cleaned)
    except IntegrityError as exc:
        raise ValidationError({"email": ["A customer with this email already exists."]}, code="unique") from exc
    if not changes:
        return customer
    changed = list(changes)
    notifications.publish("customer.updated", {**customer_payload(customer), "changed": changed})
    return customer


@transaction.atomic
def organization_create(
    *,
    name: str,
    default_tier: str = "free",
    domains: list[str] | None = None,
    notes: str = "",
    share_tickets: bool = True,
) -> Organization:
    clean_name = validators.clean_plain_text(name)
    if not clean_name:
        raise ValidationError({"name": ["This field may not be blank."]})
    if Organization.objects.filter(name__iexact=clean_name).exists():
        raise ValidationError({"name": ["An organisation with this name already exists."]}, code="unique")
    organization = Organization.objects.create(
        name=clean_name, default_tier=validators.validate_tier(default_tier), notes=notes, share_tickets=share_tickets
    )
    organization_set_domains(organization=organization, domains=domains or [])
    return organization


@transaction.atomic
def organization_set_domains(*, organization: Organization, domains: list[str]) -> list[str]:
    cleaned = sorted({validators.normalize_domain(d) for d in domains})
    taken = OrganizationDomain.objects.filter(domain__in=cleaned).exclude(organization=organization)
    if taken.exists():
        raise ValidationError(
            {"domains": [f"'{d.domain}' already belongs to another organisation." for d in taken]}, code="unique"
        )
    organization.domains.exclude(domain__in=cleaned).delete()
    existing = set(organization.domains.values_list("domain", flat=True))
    OrganizationDomain.objects.bulk_create(
        [OrganizationDomain(organization=organization, domain=d) for d in cleaned if d not in existing]
    )
    return cleaned


# --- API surface (issue 4) ----------------------------------------------------------------------


@transaction.atomic
def customer_grant_portal_access(
    *, customer: Customer, password: str, actor: AbstractBaseUser | None = None
) -> AbstractBaseUser:
    """Give a customer a portal login (their email and this password): they can then obtain API
    tokens and act with the `customer` role. Granting again sets a new password."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password

    User = get_user_model()  # noqa: N806
    customer = Customer.objects.select_for_update(of=("self",)).select_related("user").get(pk=customer.pk)
    if customer.erased_at is not None:
        raise ValidationError({"customer": ["This customer's personal data was erased."]})
    user = customer.user
    candidate = user or User(email=customer.email, name=customer.name)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    if user is None:
        if User.objects.filter(email_matches(customer.email)).exists():
            raise ValidationError({"email": ["Another login already uses this customer's email address."]})
        user = User.objects.create_user(email=customer.email, password=password, name=customer.name)
        customer.user = user
        customer.save(update_fields=["user", "updated_at"])
    else:
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
    notifications.publish(
        "customer.portal_access_granted",
        {**customer_payload(customer), "actor_id": actor.pk if actor is not None else None},
    )
    return user


@transaction.atomic
def customer_enable_portal_login(*, customer: Customer) -> AbstractBaseUser:
    """The customer's portal login, created without a password when they have none (they signed in
    with an email link sent to their address, which proves it is theirs). Refused for erased
    customers and for an address another login already uses."""
    from django.contrib.auth import get_user_model

    User = get_user_model()  # noqa: N806
    customer = Customer.objects.select_for_update(of=("self",)).select_related("user").get(pk=customer.pk)
    if customer.erased_at is not None:
        raise ValidationError({"customer": ["This customer's personal data was erased."]})
    if customer.user is not None:
        return customer.user
    if User.objects.filter(email_matches(customer.email)).exists():
        raise ValidationError({"email": ["Another login already uses this customer's email address."]})
    user = User.objects.create_user(email=customer.email, password=None, name=customer.name)
    customer.user = user
    customer.save(update_fields=["user", "updated_at"])
    notifications.publish("customer.portal_access_granted", {**customer_payload(customer), "actor_id": None})
    return user


@transaction.atomic
def customer_delete(*, customer: Customer, actor: AbstractBaseUser | None = None) -> None:
    """Delete a customer who has no tickets (tickets keep their customer: erase or merge instead)."""
    if customer.tickets.exists():
        raise ValidationError(
            {"customer": ["This customer has tickets; merge or erase the customer instead of deleting."]},
            code="protected",
        )
    payload = customer_payload(customer)
    user = customer.user
    customer.delete()
    if user is not None and not hasattr(user, "agent"):
        user.delete()
    notifications.publish("customer.deleted", payload)


ORGANIZATION_WRITABLE_FIELDS = ("name", "default_tier", "notes", "share_tickets", "domains")


@transaction.atomic
def organization_update(
    *, organization: Organization, data: dict[str, Any], actor: AbstractBaseUser | None = None
) -> Organization:
    fields_refuse_unknown(data, ORGANIZATION_WRITABLE_FIELDS)
    changed: list[str] = []
    if "name" in data:
        name = validators.clean_plain_text(data["name"])
        if not name:
            raise ValidationError({"name": ["This field may not be blank."]})
        if Organization.objects.filter(name__iexact=name).exclude(pk=organization.pk).exists():
            raise ValidationError({"name": ["An organisation with this name already exists."]}, code="unique")
        organization.name = name
        changed.append("name")
    if "default_tier" in data:
        try:
            organization.default_tier = validators.validate_tier(data["default_tier"])
        except ValidationError as exc:
            raise ValidationError({"default_tier": exc.messages}) from exc
        changed.append("default_tier")
    if "notes" in data:
        organization.notes = data["notes"] or ""
        changed.append("notes")
    if "share_tickets" in data:
        if not isinstance(data["share_tickets"], bool):
            raise ValidationError({"share_tickets": ["Must be true or false."]})
        organization.share_tickets = data["share_tickets"]
        changed.append("share_tickets")
    if changed:
        organization.save(update_fields=[*changed, "updated_at"])
    if "domains" in data:
        organization_set_domains(organization=organization, domains=data["domains"] or [])
    return organization


@transaction.atomic
def organization_delete(*, organization: Organization, actor: AbstractBaseUser | None = None) -> None:
    """Delete an organisation; its customers and tickets stay, without an organisation."""
    organization.delete()


@transaction.atomic
def customer_email_clear_undeliverable(*, customer: Customer, actor: Any = None) -> Customer:
    """An admin confirmed the address works again (after a hard bounce): mail resumes, the
    bounce counters reset."""
    customer.email_undeliverable_at = None
    customer.email_undeliverable_reason = ""
    customer.email_soft_bounces = 0
    customer.save(
        update_fields=["email_undeliverable_at", "email_undeliverable_reason", "email_soft_bounces", "updated_at"]
    )
    return customer


# --- GDPR erasure of the profile (tickets/gdpr.py orchestrates the whole erasure) ----------------

ERASED_TEXT = "[erased]"


def _erased_email(customer_id: int) -> str:
    return f"erased-{customer_id}@erased.invalid"


@transaction.atomic
def customer_personal_data_erase(*, customer: Customer) -> Customer:
    """Anonymise the customer's profile and portal login (deactivated, unusable password); the
    row stays, stamped `erased_at`, for the tickets that point to it."""
    now = timezone.now()
    user = customer.user if customer.user_id else None
    if user is not None:
        user.email = f"erased-user-{user.pk}@erased.invalid"
        user.name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["email", "name", "is_active", "password"])
    customer.email = _erased_email(customer.pk)
    customer.name = ""
    customer.company = ""
    customer.phone = ""
    customer.metadata = {}
    customer.crm_id = ""
    customer.crm_last_error = ""
    customer.email_opt_out = True
    customer.user = None
    customer.erased_at = now
    customer.save()
    return customer
