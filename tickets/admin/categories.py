"""Ticket categories (each with the team it routes to) and ticket types in the admin."""

from __future__ import annotations

from django.contrib import admin
from unfold.admin import ModelAdmin

from tickets.models import Category, TicketType


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
    list_display = ("name", "slug", "team")
    list_editable = ("team",)
    list_select_related = ("team",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(TicketType)
class TicketTypeAdmin(ModelAdmin):
    """The editable list of ticket types. A type in use cannot be deleted (its tickets keep it);
    deactivate it instead."""

    list_display = ("name", "slug", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
