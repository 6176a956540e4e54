"""Every write to customers and organisations."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

import notifications
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


def _clean_customer_fields(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(data)
    if "email" in cleaned:
        cleaned["email"] = validators.normalize_email(cleaned["email"])
    if "phone" in cleaned:
        cleaned["phone"] = validators.normalize_phone(cleaned["phone"])
    if "name" in cleaned:
        cleaned["name"] = validators.clean_plain_text(cleaned["name"])
    if "company" in cleaned:
        cleaned["company"] = validators.clean_plain_text(cleaned["company"])
    if "tier" in cleaned:
        cleaned["tier"] = validators.validate_tier(cleaned["tier"])
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
    actor: AbstractBaseUser | None = None,
) -> Customer:
    """Create a customer. The organisation, when not given, is matched by email domain and its
    default tier applies unless a tier is given. A duplicate email raises ValidationError."""
    data = _clean_customer_fields({"email": email, "name": name, "company": company, "phone": phone})
    if organization is None:
        organization = organization_for_email(data["email"])
    if tier is None:
        tier = organization.default_tier if organization else "free"
    customer = Customer(
        **data,
        tier=validators.validate_tier(tier),
        organization=organization,
        metadata=metadata or {},
    )
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
    normalized = validators.normalize_email(email)
    existing = Customer.objects.filter(email__iexact=normalized).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return customer_create(email=normalized, name=name), True
    except ValidationError:
        existing = Customer.objects.filter(email__iexact=normalized).first()
        if existing is None:
            raise
        return existing, False


@transaction.atomic
def customer_update(*, customer: Customer, data: dict[str, Any], actor: AbstractBaseUser | None = None) -> Customer:
    unknown = set(data) - set(CUSTOMER_WRITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: ["This field cannot be changed."] for field in sorted(unknown)})
    cleaned = _clean_customer_fields(data)
    changed = []
    for field, value in cleaned.items():
        if getattr(customer, field) != value:
            setattr(customer, field, value)
            changed.append(field)
    if not changed:
        return customer
    try:
        with transaction.atomic():
            customer.save(update_fields=[*changed, "updated_at"])
    except IntegrityError as exc:
        raise ValidationError({"email": ["A customer with this email already exists."]}, code="unique") from exc
    notifications.publish("customer.updated", {**customer_payload(customer), "changed": changed})
    return customer


@transaction.atomic
def organization_create(
    *, name: str, default_tier: str = "free", domains: list[str] | None = None, notes: str = ""
) -> Organization:
    clean_name = validators.clean_plain_text(name)
    if not clean_name:
        raise ValidationError({"name": ["This field may not be blank."]})
    if Organization.objects.filter(name__iexact=clean_name).exists():
        raise ValidationError({"name": ["An organisation with this name already exists."]}, code="unique")
    organization = Organization.objects.create(
        name=clean_name, default_tier=validators.validate_tier(default_tier), notes=notes
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
