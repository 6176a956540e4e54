"""Macros in the admin: shared ones (no owner) for every agent, personal ones for their owner.
Saved through tickets/macros/services.py, which checks placeholders and tags."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from agents.models import Role
from agents.selectors import user_role
from config.admin_tools import CommaSeparatedListField
from tickets import validators
from tickets.macros.services import macro_save, validate_macro_body
from tickets.models.macros import Macro


class MacroForm(forms.ModelForm):
    add_tags = CommaSeparatedListField(
        required=False, normalize=validators.normalize_tags, help_text="Comma-separated tags to add."
    )
    remove_tags = CommaSeparatedListField(
        required=False, normalize=validators.normalize_tags, help_text="Comma-separated tags to remove."
    )

    class Meta:
        model = Macro
        fields = (
            "name",
            "visibility",
            "body",
            "set_status",
            "set_priority",
            "set_team",
            "set_assignee",
            "add_tags",
            "remove_tags",
            "owner",
            "is_active",
        )
        widgets = {"body": forms.Textarea(attrs={"rows": 8, "cols": 80})}

    def clean_body(self) -> str:
        return validate_macro_body(validators.normalize_text(self.cleaned_data["body"]))


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    form = MacroForm
    list_display = ("name", "visibility", "shared", "actions_summary", "owner", "is_active", "updated_at")
    list_filter = ("visibility", "is_active", ("owner", admin.EmptyFieldListFilter))
    list_select_related = ("owner", "set_team", "set_assignee")
    search_fields = ("name", "body")
    autocomplete_fields = ("set_assignee", "owner")

    @admin.display(boolean=True, description="shared")
    def shared(self, obj: Macro) -> bool:
        return obj.is_shared

    @admin.display(description="actions")
    def actions_summary(self, obj: Macro) -> str:
        parts = []
        if obj.set_status:
            parts.append(f"status → {obj.set_status}")
        if obj.set_priority:
            parts.append(f"priority → {obj.set_priority}")
        if obj.set_team_id:
            parts.append(f"team → {obj.set_team}")
        if obj.set_assignee_id:
            parts.append(f"assign {obj.set_assignee}")
        if obj.add_tags:
            parts.append(f"+{', +'.join(obj.add_tags)}")
        if obj.remove_tags:
            parts.append(f"-{', -'.join(obj.remove_tags)}")
        return "; ".join(parts) or "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Macro]:
        """Admins see every macro; others the shared ones and their own."""
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(owner__isnull=True) | qs.filter(owner=request.user)

    def _edits_shared(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or user_role(request.user) in (Role.ADMIN, Role.SENIOR_AGENT)

    def has_change_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        """Agents change their own macros; shared ones are for senior agents and admins."""
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed or self._edits_shared(request):
            return allowed
        return obj.owner_id == request.user.pk

    def get_readonly_fields(self, request: HttpRequest, obj: Macro | None = None) -> tuple[str, ...]:
        return () if self._edits_shared(request) else ("owner",)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"owner": request.user.pk}

    def save_model(self, request: HttpRequest, obj: Macro, form: forms.ModelForm, change: bool) -> None:
        if not self._edits_shared(request):
            obj.owner = request.user  # an agent's macros are personal
        macro_save(macro=obj, actor=request.user)
