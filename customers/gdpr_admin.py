"""Admin for GDPR (issue 8): export and erase actions used by the customer changelist
(customers/admin.py lists them in CustomerAdmin.actions) and the read-only audit log. Admins only."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from unfold.admin import ModelAdmin

from agents.models import Role
from agents.selectors import user_role
from config.admin_tools import ReadOnlyAdminMixin
from customers.gdpr import customer_erase, customer_gdpr_export
from customers.models import Customer, GdprAuditEntry


def _is_admin(request: HttpRequest) -> bool:
    return user_role(request.user) == Role.ADMIN


@admin.action(description="GDPR: export the customer's data (JSON)", permissions=["view"])
def gdpr_export(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Customer]
) -> HttpResponse | None:
    if not _is_admin(request):
        messages.error(request, "Only admins may export a customer's data.")
        return None
    customers = list(queryset[:2])
    if len(customers) != 1:
        messages.error(request, "Select exactly one customer to export.")
        return None
    document = customer_gdpr_export(customer=customers[0], actor=request.user)
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="customer-{customers[0].pk}.json"'
    return response


@admin.action(description="GDPR: erase personal data (tickets kept, anonymised)", permissions=["view"])
def gdpr_erase(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Customer]) -> HttpResponse | None:
    """Asks for confirmation first, like Django's delete action."""
    if not _is_admin(request):
        messages.error(request, "Only admins may erase a customer's data.")
        return None
    if request.POST.get("confirm") != "yes":
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": "Erase personal data?",
            "customers": queryset,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/customers/gdpr_erase_confirmation.html", context)
    erased = 0
    for customer in queryset.filter(erased_at__isnull=True).order_by("pk"):
        customer_erase(customer=customer, actor=request.user)
        erased += 1
    messages.success(request, f"Personal data erased for {erased} customer(s); their tickets are kept anonymised.")
    return None


@admin.register(GdprAuditEntry)
class GdprAuditEntryAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("created_at", "action", "customer_ref", "actor", "details")
    list_filter = ("action",)
    list_select_related = ("actor",)
    search_fields = ("=customer_ref",)
    readonly_fields = ("created_at", "action", "customer", "customer_ref", "actor", "details")
    deletable = False  # the GDPR audit trail is kept
