"""Custom fields in the admin: the definitions (admins), the queue's `?cf_<key>=value` filter, and
how the ticket page's Properties form posts the values (`cf_fields` names the fields it showed,
`cf_multi` the multi-selects among them, `cf_<key>` carries each value)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from unfold.admin import ModelAdmin

from tickets.custom_fields import FILTER_PREFIX, custom_field_filter
from tickets.models import CHOICE_TYPES, CustomField, FieldType, Status, Ticket


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
        help_text="A ticket cannot get these statuses while this field is empty (e.g. Resolved): agents are refused, "
        "customers only when the field is shown to them, and rules skip the status change and record why.",
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


class CustomFieldQueueFilter(admin.ListFilter):
    """The queue's `?cf_<key>=value` (several combine), the API's filter (tickets/custom_fields.py,
    answered by the GIN index on PostgreSQL): the sidebar offers the choices of the dropdown,
    multi-select and checkbox fields (one query); any field can be given in the address."""

    title = "custom field"

    def __init__(self, request: HttpRequest, params: dict[str, Any], model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        self.used_parameters: dict[str, str] = {}
        for name in [n for n in params if n.startswith(FILTER_PREFIX)]:
            value = params.pop(name)
            self.used_parameters[name] = value[-1] if isinstance(value, list) else value
        self.choice_fields = list(
            CustomField.objects.filter(is_active=True, field_type__in=[*CHOICE_TYPES, FieldType.CHECKBOX])
        )

    def has_output(self) -> bool:
        return bool(self.choice_fields or self.used_parameters)

    def expected_parameters(self) -> list[str]:
        return list(self.used_parameters) + [f"{FILTER_PREFIX}{f.key}" for f in self.choice_fields]

    def choices(self, changelist: Any) -> Any:
        yield {
            "selected": not self.used_parameters,
            "query_string": changelist.get_query_string(remove=self.expected_parameters()),
            "display": "All",
        }
        for field in self.choice_fields:
            name = f"{FILTER_PREFIX}{field.key}"
            options = ["true", "false"] if field.field_type == FieldType.CHECKBOX else field.options or []
            for option in options:
                yield {
                    "selected": self.used_parameters.get(name) == option,
                    "query_string": changelist.get_query_string({name: option}),
                    "display": f"{field.label}: {'yes' if option == 'true' else 'no' if option == 'false' else option}",
                }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        try:
            return custom_field_filter(queryset, self.used_parameters)
        except ValidationError as exc:
            raise IncorrectLookupParameters(exc) from exc


def custom_fields_from_post(post: Any) -> dict[str, Any] | None:
    """{key: raw value} of the custom fields the Properties form showed (None: it showed none)."""
    keys = post.getlist("cf_fields")
    if not keys:
        return None
    multi = set(post.getlist("cf_multi"))
    return {key: post.getlist(f"cf_{key}") if key in multi else post.get(f"cf_{key}", "") for key in keys}
