"""Customers and organisations in the admin: every write goes through customers/services.py.
The latest tickets on each page are added by tickets/admin/customers.py (tickets sit above
customers in the layers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from unfold.admin import ModelAdmin, TabularInline

from config.admin_tools import ReadOnlyAdminMixin, ServiceErrorsMixin
from config.db import email_matches
from config.validators import normalize_email
from customers import services, validators
from customers.models import Customer, GdprAuditEntry, Organization, OrganizationDomain

# --- customers -------------------------------------------------------------------------------


class CustomerAdminForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ("email", "name", "company", "phone", "tier", "organization", "metadata", "email_opt_out")

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if Customer.objects.filter(email_matches(email)).exclude(pk=self.instance.pk).exists():
            raise ValidationError("A customer with this email already exists.", code="unique")
        return email

    def clean_phone(self) -> str:
        return validators.normalize_phone(self.cleaned_data["phone"])

    def clean_name(self) -> str:
        return validators.clean_plain_text(self.cleaned_data["name"])

    def clean_company(self) -> str:
        return validators.clean_plain_text(self.cleaned_data["company"])


@admin.register(Customer)
class CustomerAdmin(ServiceErrorsMixin, ModelAdmin):
    form = CustomerAdminForm
    list_display = ("email", "name", "company", "organization", "tier", "created_at")
    list_filter = ("tier", "email_opt_out", ("email_undeliverable_at", admin.EmptyFieldListFilter))
    list_select_related = ("organization",)
    search_fields = ("email", "name", "company", "crm_id")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    autocomplete_fields = ("organization",)
    readonly_fields = (
        "crm_id",
        "user",
        "erased_at",
        "created_at",
        "updated_at",
        "email_undeliverable_at",
        "email_undeliverable_reason",
        "email_soft_bounces",
    )
    fieldsets = (
        (None, {"fields": ("email", "name", "company", "phone", "tier", "organization", "email_opt_out")}),
        (
            "Email delivery (bounces)",
            {"fields": ("email_undeliverable_at", "email_undeliverable_reason", "email_soft_bounces")},
        ),
        ("Integration", {"fields": ("crm_id", "user", "metadata"), "classes": ("collapse",)}),
        (None, {"fields": ("erased_at", "created_at", "updated_at")}),
    )
    inlines: tuple = ()
    actions = ("clear_undeliverable",)

    @admin.action(description="Clear 'undeliverable' (the address works again)", permissions=["change"])
    def clear_undeliverable(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        cleared = 0
        for customer in queryset.filter(email_undeliverable_at__isnull=False):
            services.customer_email_clear_undeliverable(customer=customer, actor=request.user)
            cleared += 1
        self.message_user(request, f"{cleared} address(es) cleared: mail to them resumes.")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return super().get_queryset(request).select_related("organization", "user")

    def save_model(self, request: HttpRequest, obj: Customer, form: CustomerAdminForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {f: data[f] for f in form.changed_data if f in services.CUSTOMER_WRITABLE_FIELDS}
            if changes:
                services.customer_update(customer=Customer.objects.get(pk=obj.pk), data=changes, actor=request.user)
        else:
            customer = services.customer_create(
                email=data["email"],
                name=data.get("name", ""),
                company=data.get("company", ""),
                phone=data.get("phone", ""),
                tier=data.get("tier"),
                organization=data.get("organization"),
                metadata=data.get("metadata") or {},
                email_opt_out=bool(data.get("email_opt_out")),
                actor=request.user,
            )
            obj.pk = customer.pk
            obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        """The ticket inline is read-only: nothing to save."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request: HttpRequest, obj: Customer) -> None:
        services.customer_delete(customer=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        for customer in queryset:
            services.customer_delete(customer=customer, actor=request.user)


# --- organisations ---------------------------------------------------------------------------


class OrganizationDomainForm(forms.ModelForm):
    class Meta:
        model = OrganizationDomain
        fields = ("domain",)

    def clean_domain(self) -> str:
        return validators.normalize_domain(self.cleaned_data["domain"])


class OrganizationDomainInline(TabularInline):
    model = OrganizationDomain
    form = OrganizationDomainForm
    extra = 1


class OrganizationAdminForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ("name", "default_tier", "share_tickets", "notes")

    def clean_name(self) -> str:
        name = validators.clean_plain_text(self.cleaned_data["name"])
        if not name:
            raise ValidationError("This field may not be blank.", code="required")
        return name


@admin.register(Organization)
class OrganizationAdmin(ServiceErrorsMixin, ModelAdmin):
    form = OrganizationAdminForm
    list_display = ("name", "default_tier", "share_tickets", "domain_list", "created_at")
    list_filter = ("default_tier", "share_tickets")
    search_fields = ("name", "domains__domain")
    readonly_fields = ("created_at", "updated_at")
    inlines = (OrganizationDomainInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).prefetch_related("domains")

    @admin.display(description="domains")
    def domain_list(self, obj: Organization) -> str:
        return ", ".join(d.domain for d in obj.domains.all())

    def save_model(self, request: HttpRequest, obj: Organization, form: OrganizationAdminForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {f: data[f] for f in form.changed_data if f in ("name", "default_tier", "share_tickets", "notes")}
            if changes:
                services.organization_update(
                    organization=Organization.objects.get(pk=obj.pk), data=changes, actor=request.user
                )
        else:
            organization = services.organization_create(
                name=data["name"],
                default_tier=data["default_tier"],
                notes=data.get("notes", ""),
                share_tickets=data.get("share_tickets", True),
            )
            obj.pk = organization.pk
            obj._state.adding = False
        obj.refresh_from_db()

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not OrganizationDomain:
            return
        domains = [
            f.cleaned_data["domain"]
            for f in formset.forms
            if f.cleaned_data.get("domain") and not f.cleaned_data.get("DELETE")
        ]
        services.organization_set_domains(organization=form.instance, domains=domains)

    def delete_model(self, request: HttpRequest, obj: Organization) -> None:
        services.organization_delete(organization=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        for organization in queryset:
            services.organization_delete(organization=organization, actor=request.user)


# --- GDPR audit log (the export and erase actions are tickets/admin/customers.py's) ----------------


@admin.register(GdprAuditEntry)
class GdprAuditEntryAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("created_at", "action", "customer_ref", "actor", "details")
    list_filter = ("action",)
    list_select_related = ("actor",)
    search_fields = ("=customer_ref",)
    readonly_fields = ("created_at", "action", "customer", "customer_ref", "actor", "details")
    deletable = False  # the GDPR audit trail is kept
