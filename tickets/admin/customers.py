"""The "latest tickets" lists on the customer and organisation pages. Tickets sit above customers
in the layers, so the customers app's admin knows nothing of tickets: this module registers
subclasses of its ModelAdmins that add the read-only ticket inlines."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from config.admin_tools import ReadOnlyInlineMixin
from customers import admin as customers_admin
from customers.models import Customer, Organization
from tickets.models import Ticket

RECENT_TICKETS = 20


class RecentTicketsFormSet(BaseInlineFormSet):
    """Only the latest RECENT_TICKETS tickets: a customer with ten thousand tickets still renders
    in one bounded query."""

    def get_queryset(self) -> QuerySet[Ticket]:
        if not hasattr(self, "_queryset"):
            self._queryset = super().get_queryset().order_by("-created_at", "-id")[:RECENT_TICKETS]
        return self._queryset


class RecentTicketInline(ReadOnlyInlineMixin, admin.TabularInline):
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


admin.site.unregister(Customer)
admin.site.unregister(Organization)


@admin.register(Customer)
class CustomerAdmin(customers_admin.CustomerAdmin):
    inlines = (*customers_admin.CustomerAdmin.inlines, CustomerTicketInline)


@admin.register(Organization)
class OrganizationAdmin(customers_admin.OrganizationAdmin):
    inlines = (*customers_admin.OrganizationAdmin.inlines, OrganizationTicketInline)
