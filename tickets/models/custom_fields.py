"""Custom fields: typed ticket fields an admin defines (what "resolution code" or "affected
version" means for this desk). The definitions live here; the values live on the ticket, in its
JSONB `custom_fields` object keyed by the field's `key` (see tickets/custom_fields.py for the
validation and the README's architecture notes for why JSONB + GIN rather than typed value rows)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    LONG_TEXT = "long_text", "Long text"
    NUMBER = "number", "Number (whole)"
    DECIMAL = "decimal", "Decimal"
    DATE = "date", "Date"
    DROPDOWN = "dropdown", "Dropdown"
    MULTI_SELECT = "multi_select", "Multi-select"
    CHECKBOX = "checkbox", "Checkbox"
    URL = "url", "URL"


CHOICE_TYPES = (FieldType.DROPDOWN, FieldType.MULTI_SELECT)


class CustomField(models.Model):
    key = models.SlugField(
        max_length=50,
        unique=True,
        help_text="The name in the API (`custom_fields.<key>`, filter `?cf_<key>=`), exports and webhooks. "
        "Letters, digits and underscores.",
    )
    label = models.CharField(max_length=100)
    field_type = models.CharField(max_length=20, choices=FieldType.choices, default=FieldType.TEXT)
    help_text = models.CharField(max_length=300, blank=True)
    options = models.JSONField(
        default=list,
        blank=True,
        help_text="Dropdown and multi-select: the values that may be chosen (a list of strings). Removing one "
        "keeps it on the tickets that have it; it can no longer be chosen.",
    )
    required_statuses = models.JSONField(
        default=list,
        blank=True,
        help_text='Statuses a ticket may only be in with a value here, e.g. ["resolved", "closed"]: '
        "required to resolve. Empty: never required.",
    )
    categories = models.ManyToManyField(
        "tickets.Category", blank=True, related_name="custom_fields", help_text="Empty: every category."
    )
    ticket_types = models.ManyToManyField(
        "tickets.TicketType", blank=True, related_name="custom_fields", help_text="Empty: every type."
    )
    is_customer_visible = models.BooleanField(
        default=False, help_text="Shown to customers, and asked in the portal's new-ticket form."
    )
    is_active = models.BooleanField(default=True, help_text="Inactive fields keep their values but are not shown.")
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "label"]
        constraints = [
            models.CheckConstraint(condition=models.Q(field_type__in=FieldType.values), name="customfield_type_valid"),
            models.CheckConstraint(condition=models.Q(key__regex=r"^[a-z][a-z0-9_]*$"), name="customfield_key_format"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def has_options(self) -> bool:
        return self.field_type in CHOICE_TYPES
