"""Organisations and the customers who write to support."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Tier(models.TextChoices):
    FREE = "free", "Free"
    BASIC = "basic", "Basic"
    PREMIUM = "premium", "Premium"
    ENTERPRISE = "enterprise", "Enterprise"


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    default_tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.FREE)
    notes = models.TextField(blank=True)
    share_tickets = models.BooleanField(
        default=True,
        help_text="Its customers see all of the organisation's tickets (portal and API); otherwise only their own.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organization_name_ci_unique"),
            models.CheckConstraint(condition=models.Q(default_tier__in=Tier.values), name="organization_tier_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class OrganizationDomain(models.Model):
    """An email domain that matches new customers to their organisation (`acme.com`)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True, help_text="Lower-case, without '@'.")

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(condition=models.Q(domain=Lower("domain")), name="domain_lowercase"),
        ]

    def __str__(self) -> str:
        return self.domain


class Customer(models.Model):
    email = models.EmailField(max_length=254, help_text="Unique, case-insensitively; stored lower-case.")
    name = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +14155550100.")
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.FREE)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    crm_id = models.CharField(max_length=100, blank=True, db_index=True)
    # CRM sync bookkeeping (customers/crm.py): a sweep re-pushes rows changed since the last sync.
    crm_synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    crm_last_error = models.TextField(blank=True, editable=False)
    metadata = models.JSONField(default=dict, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
        help_text="Portal login, when the customer has one.",
    )
    email_opt_out = models.BooleanField(default=False, help_text="No non-essential mail.")
    # Bounces (tickets/inbound/bounces.py): a hard bounce stops all mail to the address until cleared.
    email_undeliverable_at = models.DateTimeField(
        null=True, blank=True, help_text="Set by a hard bounce: no mail is sent until this is cleared."
    )
    email_undeliverable_reason = models.CharField(max_length=500, blank=True)
    email_soft_bounces = models.PositiveIntegerField(default=0, help_text="Temporary delivery failures seen.")
    erased_at = models.DateTimeField(null=True, blank=True, help_text="When personal data was erased (GDPR).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="customer_email_ci_unique"),
            models.CheckConstraint(condition=models.Q(tier__in=Tier.values), name="customer_tier_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "email"], name="customer_org_email_idx"),
            models.Index(fields=["created_at"], name="customer_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class GdprAction(models.TextChoices):
    EXPORT = "export", "Data export"
    ERASE = "erase", "Erasure"


class GdprAuditEntry(models.Model):
    """One GDPR export or erasure: who did it, to which customer, when, and what it touched.
    Holds no personal data itself (the customer is referenced by id)."""

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="gdpr_audit_entries"
    )
    customer_ref = models.PositiveBigIntegerField(help_text="The customer's id, kept if the row is ever deleted.")
    action = models.CharField(max_length=10, choices=GdprAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "GDPR audit entry"
        verbose_name_plural = "GDPR audit entries"
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=GdprAction.values), name="gdpraudit_action_valid"),
        ]
        indexes = [models.Index(fields=["customer_ref", "created_at"], name="gdpraudit_customer_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} of customer {self.customer_ref}"
