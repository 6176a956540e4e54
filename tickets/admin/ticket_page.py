"""The ticket page's parts: the form (validated by the shared validators), the action bar's
value pickers, the assignee filter, and the conversation, attachment and history inlines."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from unfold.admin import StackedInline, TabularInline

from agents.models import Agent
from config.admin_tools import (
    CommaSeparatedListField,
    ReadOnlyInlineMixin,
)
from config.api.ids import id_or_none
from tickets import validators
from tickets.models import Attachment, Comment, Macro, Priority, Status, Ticket, TicketEvent

# --- filters ---------------------------------------------------------------------------------


class AssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assignee"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        # People only: API-key service users have an agent profile but no admin login.
        agents = (
            Agent.objects.select_related("user")
            .filter(user__is_active=True, user__is_staff=True)
            .order_by("user__email")
        )
        return [("me", "Mine"), ("none", "Unassigned"), *((str(a.user_id), str(a.user)) for a in agents)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and (user_id := id_or_none(value)) is not None:
            return queryset.filter(assignee_id=user_id)
        return queryset


# --- forms -----------------------------------------------------------------------------------


class TicketActionForm(helpers.ActionForm):
    """The action bar: pick an action and, for "change status/priority", the new value."""

    status = forms.ChoiceField(choices=[("", "— new status —"), *Status.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "— new priority —"), *Priority.choices], required=False)
    macro = forms.ModelChoiceField(
        queryset=Macro.objects.filter(is_active=True, owner__isnull=True), required=False, empty_label="— macro —"
    )


class TicketAdminForm(forms.ModelForm):
    tags = CommaSeparatedListField(
        required=False, normalize=validators.normalize_tags, help_text="Comma-separated, e.g. billing, vip."
    )

    class Meta:
        model = Ticket
        fields = (
            "title",
            "description",
            "status",
            "priority",
            "category",
            "ticket_type",
            "tags",
            "customer",
            "team",
            "assignee",
            "external_id",
            "metadata",
        )

    def clean_title(self) -> str:
        return validators.validate_title(self.cleaned_data["title"])

    def clean_priority(self) -> str:
        return validators.validate_priority(self.cleaned_data["priority"])

    def clean_status(self) -> str:
        # Before _post_clean, self.instance still holds the saved status (open for a new ticket).
        return validators.validate_transition(self.instance.status, self.cleaned_data["status"])

    def clean_metadata(self) -> dict:
        return validators.validate_metadata(self.cleaned_data["metadata"])

    def clean_external_id(self) -> str | None:
        return self.cleaned_data["external_id"] or None


class CommentInlineForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ("body", "is_internal")
        widgets = {"body": forms.Textarea(attrs={"rows": 4, "cols": 80})}
        labels = {"body": "Message", "is_internal": "Internal note (agents only)"}

    def clean_body(self) -> str:
        return validators.validate_body(self.cleaned_data["body"])


# --- inlines ---------------------------------------------------------------------------------


class CommentInline(StackedInline):
    """The conversation. Existing messages are read-only; the empty form at the bottom writes a
    public reply or, ticked, an internal note, through comment_add."""

    model = Comment
    form = CommentInlineForm
    fields = ("body", "is_internal", "author", "customer", "channel", "created_at")
    readonly_fields = ("author", "customer", "channel", "created_at")
    extra = 1
    can_delete = False
    verbose_name = "message"
    verbose_name_plural = "conversation (write a reply or an internal note below)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return super().get_queryset(request).select_related("author", "customer")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttachmentInline(ReadOnlyInlineMixin, TabularInline):
    """Files on the ticket, read-only (uploads arrive through the API and inbound email)."""

    model = Attachment
    fields = ("filename", "content_type", "size", "comment", "uploaded_by", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return super().get_queryset(request).select_related("uploaded_by", "comment")


class TicketEventInline(ReadOnlyInlineMixin, TabularInline):
    """The audit trail, read-only."""

    model = TicketEvent
    fields = ("created_at", "actor", "kind", "field", "old_value", "new_value", "note")
    readonly_fields = fields
    verbose_name = "event"
    verbose_name_plural = "history"

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketEvent]:
        return super().get_queryset(request).select_related("actor")
