"""Followers in the admin: the ticket page lists them (inline); agents add and remove them under
"Ticket followers" (through follower_add / follower_remove); admins list the external addresses
allowed to follow."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from config.admin_tools import ReadOnlyInlineMixin
from tickets.followers.services import follower_add, follower_check, follower_remove
from tickets.models.followers import AllowedFollowerAddress, TicketFollower


class AllowedFollowerAddressForm(forms.ModelForm):
    class Meta:
        model = AllowedFollowerAddress
        fields = ("pattern", "note")

    def clean_pattern(self) -> str:
        pattern = self.cleaned_data["pattern"].strip().lower()
        local, _, domain = pattern.rpartition("@")
        if not domain or "." not in domain or (local == "" and not pattern.startswith("@")):
            raise ValidationError("Give an address (name@example.org) or a domain (@example.org).")
        return pattern


@admin.register(AllowedFollowerAddress)
class AllowedFollowerAddressAdmin(admin.ModelAdmin):
    form = AllowedFollowerAddressForm
    list_display = ("pattern", "note", "created_at")
    search_fields = ("pattern", "note")


class TicketFollowerForm(forms.ModelForm):
    class Meta:
        model = TicketFollower
        fields = ("ticket", "email")

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ticket, email = data.get("ticket"), data.get("email")
        if ticket is not None and email:
            try:
                follower_check(ticket=ticket, email=email)
            except ValidationError as exc:
                self.add_error("email", exc.message_dict.get("email", exc.messages))
        return data


@admin.register(TicketFollower)
class TicketFollowerAdmin(admin.ModelAdmin):
    form = TicketFollowerForm
    list_display = ("email", "ticket", "customer", "user", "source", "created_at")
    list_filter = ("source",)
    list_select_related = ("ticket", "customer", "user")
    search_fields = ("email", "ticket__id")
    autocomplete_fields = ("ticket",)
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: TicketFollower, form: Any, change: bool) -> None:
        saved = follower_add(ticket=obj.ticket, email=obj.email, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: TicketFollower) -> None:
        follower_remove(follower=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TicketFollower]) -> None:
        for follower in queryset:
            follower_remove(follower=follower, actor=request.user)


class TicketFollowerInline(ReadOnlyInlineMixin, admin.TabularInline):
    """The ticket page's list of followers (added and removed under Ticket followers, or the API)."""

    model = TicketFollower
    fields = ("email", "customer", "user", "source", "created_at")
    readonly_fields = fields
    verbose_name_plural = "followers (receive public replies)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketFollower]:
        return super().get_queryset(request).select_related("customer", "user")
