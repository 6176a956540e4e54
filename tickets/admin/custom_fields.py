"""Custom fields in the admin: the definitions (admins), and how the ticket page's Properties form
posts the values (`cf_fields` names the fields it showed, `cf_multi` the multi-selects among them,
`cf_<key>` carries each value)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from unfold.admin import ModelAdmin

from tickets.models import CHOICE_TYPES, CustomField, Status


class CustomFieldForm(forms.ModelForm):
    options = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Dropdown and multi-select: one option per line. Removing one keeps it on the tickets that have "
        "it (shown as removed); it can no longer be chosen.",
    )
    required_statuses = forms.MultipleChoiceField(
        choices=Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="An agent cannot set a ticket to these statuses while this field is empty (e.g. Resolved).",
    )

    class Meta:
        model = CustomField
        fields = (
            "key",
            "label",
            "field_type",
            "help_text",
            "options",
            "required_statuses",
            "categories",
            "ticket_types",
            "is_customer_visible",
            "is_active",
            "position",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["options"] = "\n".join(self.instance.options or [])
            self.fields["key"].disabled = True  # tickets store values under it: renaming would orphan them
            self.fields["key"].help_text = "Fixed once created: tickets store their values under it."

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].strip().lower().replace("-", "_")
        if not key[:1].isalpha() or not all(c.isalnum() or c == "_" for c in key):
            raise ValidationError("Start with a letter; then letters, digits and underscores.")
        return key

    def clean_options(self) -> list[str]:
        lines = [line.strip() for line in (self.cleaned_data.get("options") or "").splitlines() if line.strip()]
        return list(dict.fromkeys(lines))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("field_type") in CHOICE_TYPES and not data.get("options"):
            self.add_error("options", "A dropdown or multi-select needs at least one option.")
        return data


@admin.register(CustomField)
class CustomFieldAdmin(ModelAdmin):
    form = CustomFieldForm
    list_display = ("label", "key", "field_type", "is_customer_visible", "is_active", "position")
    list_filter = ("field_type", "is_customer_visible", "is_active")
    search_fields = ("label", "key")
    filter_horizontal = ("categories", "ticket_types")


def custom_fields_from_post(post: Any) -> dict[str, Any] | None:
    """{key: raw value} of the custom fields the Properties form showed (None: it showed none)."""
    keys = post.getlist("cf_fields")
    if not keys:
        return None
    multi = set(post.getlist("cf_multi"))
    return {key: post.getlist(f"cf_{key}") if key in multi else post.get(f"cf_{key}", "") for key in keys}
