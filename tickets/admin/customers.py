"""What the customer and organisation pages show of tickets: the latest tickets (read-only
inlines) and the GDPR export and erase actions (tickets/gdpr.py). Tickets sit above customers in
the layers, so the customers app's admin knows nothing of tickets: this module registers
subclasses of its ModelAdmins with these additions."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from unfold.admin import TabularInline

from agents.models import Role
from agents.selectors import user_role
from config.admin_tools import ReadOnlyInlineMixin
from customers import admin as customers_admin
from customers.models import Customer, Organization
from tickets.gdpr import customer_erase, customer_gdpr_export
from tickets.models import Ticket

RECENT_TICKETS = 20


class RecentTicketsFormSet(BaseInlineFormSet):
    """Only the latest RECENT_TICKETS tickets: a customer with ten thousand tickets still renders
    in one bounded query."""

    def get_queryset(self) -> QuerySet[Ticket]:
        if not hasattr(self, "_queryset"):
            self._queryset = super().get_queryset().order_by("-created_at", "-id")[:RECENT_TICKETS]
        return self._queryset


class RecentTicketInline(ReadOnlyInlineMixin, TabularInline):
    model = Ticket
    formset = RecentTicketsFormSet
    fields = ("title", "status", "priority", "assignee", "created_at")
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = f"latest tickets (up to {RECENT_TICKETS})"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return super().get_queryset(request).select_related("assignee")


class CustomerTicketInline(RecentTicketInline):
    fk_name = "customer"


class OrganizationTicketInline(RecentTicketInline):
    fk_name = "organization"
    fields = ("title", "customer", "status", "priority", "assignee", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return super().get_queryset(request).select_related("customer")


# --- GDPR actions (admins only) -------------------------------------------------------------------


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


admin.site.unregister(Customer)
admin.site.unregister(Organization)


@admin.register(Customer)
class CustomerAdmin(customers_admin.CustomerAdmin):
    inlines = (*customers_admin.CustomerAdmin.inlines, CustomerTicketInline)
    actions = (*customers_admin.CustomerAdmin.actions, gdpr_export, gdpr_erase)


@admin.register(Organization)
class OrganizationAdmin(customers_admin.OrganizationAdmin):
    inlines = (*customers_admin.OrganizationAdmin.inlines, OrganizationTicketInline)
