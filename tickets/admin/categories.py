"""Ticket categories (each with the team it routes to) in the admin."""

from __future__ import annotations

from django.contrib import admin

from tickets.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "team")
    list_editable = ("team",)
    list_select_related = ("team",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
