"""Portal deflections (admins, read-only): which suggested help article a customer opened while
writing a request, and whether they sent the request anyway. The rate is on the reports page."""

from __future__ import annotations

from django.contrib import admin
from unfold.admin import ModelAdmin

from config.admin_tools import ReadOnlyAdminMixin
from tickets.models import Deflection


@admin.register(Deflection)
class DeflectionAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("created_at", "query", "article", "customer", "ticket")
    list_select_related = ("article", "customer", "ticket")
    list_filter = (("ticket", admin.EmptyFieldListFilter),)
    search_fields = ("query",)
    date_hierarchy = "created_at"
    show_full_result_count = False
