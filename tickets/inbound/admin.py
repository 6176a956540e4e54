"""The admin for email: mailboxes (admins only; secrets write-only) and the inbound message log
(failed messages listed with their reason and retried from here)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from config.admin_tools import ReadOnlyAdminMixin
from tickets.inbound.mailboxes import CHECKED_FIELDS, SECRETS, mailbox_errors, mailbox_save
from tickets.inbound.services import inbound_message_retry
from tickets.models.inbound import InboundMessage, InboundStatus, Mailbox

SECRET_FIELDS = {
    "password": "Password",
    "oauth_client_secret": "OAuth2 client secret",
    "oauth_refresh_token": "OAuth2 refresh token",
}


class MailboxForm(forms.ModelForm):
    """Secrets are typed in, stored encrypted and never shown again: an empty field keeps the
    stored value; "clear" removes it."""

    password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False), strip=False)
    oauth_client_secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))
    oauth_refresh_token = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))
    clear_secrets = forms.BooleanField(required=False, help_text="Remove every stored secret of this mailbox.")

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "address",
            "is_active",
            "imap_host",
            "imap_port",
            "security",
            "username",
            "auth_method",
            "oauth_client_id",
            "oauth_tenant",
            "oauth_token_url",
            "folder",
            "processed_action",
            "processed_folder",
            "team",
            "category",
            "send_acknowledgement",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        stored = {name: getattr(self.instance, name) for name in CHECKED_FIELDS}
        for field, errors in mailbox_errors({**stored, **data}).items():
            self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("name", "address", "is_active", "auth_method", "team", "last_polled_at", "short_error")
    list_filter = ("is_active", "auth_method")
    list_select_related = ("team", "category")
    search_fields = ("name", "address", "imap_host")
    readonly_fields = (
        "secrets_stored",
        "last_polled_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "next_poll_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "address", "is_active", "team", "category", "send_acknowledgement")}),
        ("IMAP", {"fields": ("imap_host", "imap_port", "security", "username", "folder")}),
        (
            "Credentials (stored encrypted, never shown again)",
            {
                "fields": (
                    "auth_method",
                    "password",
                    "oauth_client_id",
                    "oauth_client_secret",
                    "oauth_tenant",
                    "oauth_refresh_token",
                    "oauth_token_url",
                    "clear_secrets",
                    "secrets_stored",
                )
            },
        ),
        ("After processing", {"fields": ("processed_action", "processed_folder")}),
        (
            "Polling",
            {"fields": ("last_polled_at", "last_error", "last_error_at", "consecutive_failures", "next_poll_at")},
        ),
    )

    @admin.display(description="secrets stored")
    def save_model(self, request: HttpRequest, obj: Mailbox, form: MailboxForm, change: bool) -> None:
        # The form has set the plain fields on `obj` and checked them (mailbox_errors); the service
        # stores the secrets and saves.
        secrets = {name: form.cleaned_data.get(name) or "" for name in SECRETS}
        mailbox_save(mailbox=obj, data={}, secrets=secrets, clear_secrets=bool(form.cleaned_data.get("clear_secrets")))

    def secrets_stored(self, obj: Mailbox) -> str:
        stored = [label for name, label in SECRET_FIELDS.items() if getattr(obj, f"{name}_encrypted")]
        return ", ".join(stored) or "none"

    @admin.display(description="last error")
    def short_error(self, obj: Mailbox) -> str:
        return obj.last_error[:80]


class InboundStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(InboundStatus.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("received_at", "status", "sender", "subject", "mailbox", "ticket", "short_reason", "attempts")
    list_filter = (InboundStatusFilter, "source", "mailbox")
    list_select_related = ("mailbox",)
    search_fields = ("message_id", "sender", "subject")
    show_full_result_count = False
    date_hierarchy = None
    readonly_fields = (
        "message_id",
        "mailbox",
        "uidvalidity",
        "uid",
        "source",
        "sender",
        "subject",
        "status",
        "reason",
        "ticket",
        "comment",
        "body_html",
        "raw",
        "attempts",
        "received_at",
        "processed_at",
    )
    actions = ("retry",)

    @admin.display(description="reason")
    def short_reason(self, obj: InboundMessage) -> str:
        return obj.reason[:100]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("tickets.delete_inboundmessage")

    @admin.action(description="Retry the selected failed messages", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        done = 0
        for record in queryset.select_related("mailbox"):
            try:
                result = inbound_message_retry(record=record)
            except ValidationError as exc:
                self.message_user(request, f"{record.message_id}: {' '.join(exc.messages)}", messages.WARNING)
                continue
            if result.failed:
                self.message_user(request, f"{record.message_id} failed again: {result.reason}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} message(s) processed.", messages.SUCCESS)
