"""Triggers and automations in the admin (admins): conditions and actions as JSON in the rule
language (the form lists the fields, operators and actions), saved through tickets/rules/services.py
(validated, versioned). The change page lists the rule's versions."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from config.admin_tools import ServiceErrorsMixin
from tickets.admin.dry_run import DryRunPanelMixin
from tickets.conditions import FIELDS
from tickets.models import Automation, Trigger
from tickets.rules import selectors
from tickets.rules.actions import ACTIONS
from tickets.rules.services import rule_delete, rule_kind, rule_save, rule_validate

JSON_WIDGET = forms.Textarea(attrs={"rows": 10, "cols": 90, "style": "font-family: monospace"})


def _fields_help(context: str) -> str:
    names = [f"{spec.name} ({', '.join(spec.operators)})" for spec in FIELDS.values() if context in spec.contexts]
    return (
        '{"all": [{"field": "status", "operator": "is", "value": "open"}], "any": [...]}. Fields: '
        + "; ".join(names)
        + "; metadata.<key> (is, is_not, in, not_in, present, blank)."
    )


def _actions_help(context: str) -> str:
    names = [f"{spec.name}" for spec in ACTIONS.values() if context in spec.contexts]
    return '[{"action": "set_status", "value": "open"}, ...]. Actions: ' + ", ".join(names) + "."


class RuleForm(forms.ModelForm):
    conditions = forms.JSONField(required=False, widget=JSON_WIDGET, encoder=None)
    actions = forms.JSONField(widget=JSON_WIDGET)

    class Meta:
        fields = ("name", "description", "is_active", "position", "conditions", "actions")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        context = rule_kind(self._meta.model)
        self.fields["conditions"].help_text = _fields_help(context)
        self.fields["actions"].help_text = _actions_help(context)

    def _post_clean(self) -> None:
        super()._post_clean()
        try:
            rule_validate(self.instance)
        except forms.ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)


class TriggerForm(RuleForm):
    class Meta(RuleForm.Meta):
        model = Trigger


class AutomationForm(RuleForm):
    class Meta(RuleForm.Meta):
        model = Automation


class RuleAdmin(DryRunPanelMixin, ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ("name", "position", "is_active", "is_default", "summary", "updated_at")
    list_editable = ("is_active",)
    list_filter = ("is_active",)
    search_fields = ("name", "description")
    ordering = ("position", "id")
    readonly_fields = ("key", "version_history")

    @admin.display(boolean=True, description="default")
    def is_default(self, obj: Any) -> bool:
        return bool(obj.key)

    @admin.display(description="conditions → actions")
    def summary(self, obj: Any) -> str:
        count = len(obj.conditions.get("all") or []) + len(obj.conditions.get("any") or [])
        return f"{count} condition(s) → {', '.join(a['action'] for a in obj.actions)}"

    @admin.display(description="versions")
    def version_history(self, obj: Any) -> str:
        if obj is None or obj.pk is None:
            return "—"
        versions = selectors.rule_versions(kind=rule_kind(obj), rule_id=obj.pk)[:20]
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>v{} · {} · {} · {}<pre style='white-space:pre-wrap'>{}</pre></li>",
                (
                    (
                        v.number,
                        v.created_at.strftime("%Y-%m-%d %H:%M"),
                        v.actor or "system",
                        v.note or "saved",
                        json.dumps(v.after, indent=1) if v.after is not None else "(deleted)",
                    )
                    for v in versions
                ),
            ),
        )

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        rule_save(rule=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        rule_delete(rule=obj, actor=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or not obj.key)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletes go one by one through the service
        return actions


@admin.register(Trigger)
class TriggerAdmin(RuleAdmin):
    form = TriggerForm


@admin.register(Automation)
class AutomationAdmin(RuleAdmin):
    form = AutomationForm
    list_display = (*RuleAdmin.list_display, "last_run_at")
    readonly_fields = (*RuleAdmin.readonly_fields, "last_run_at")
