"""The notifications admin: outbox, email log, webhook subscriptions and deliveries.
Writes go through the notifications services (subscriptions.py, dispatch.py)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from config.admin_tools import ReadOnlyAdminMixin
from notifications import dispatch, subscriptions, webhooks
from notifications.events import known_events
from notifications.models import (
    ConsumerRun,
    DeliveryStatus,
    EmailLog,
    OutboxEvent,
    OutboxStatus,
    WebhookDelivery,
    WebhookSubscription,
)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    show_full_result_count = False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "event", "status", "attempts", "dispatched_at", "short_error")
    list_filter = ("status", "event")
    search_fields = ("=id", "event")
    date_hierarchy = "created_at"
    actions = ["dispatch_now"]

    @admin.display(description="last error")
    def short_error(self, obj: OutboxEvent) -> str:
        return obj.last_error[:80]

    @admin.action(description="Dispatch the selected pending events now")
    def dispatch_now(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        ids = list(queryset.filter(status=OutboxStatus.PENDING).values_list("pk", flat=True))
        for event_id in ids:
            dispatch.outbox_event_dispatch(event_id=str(event_id))
        self.message_user(request, f"{len(ids)} event(s) dispatched.", messages.SUCCESS)


@admin.register(EmailLog)
class EmailLogAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "recipient",
        "template",
        "status",
        "provider",
        "provider_message_id",
        "attempts",
        "short_error",
    )
    list_filter = ("status", "template", "provider", "essential")
    search_fields = ("recipient", "subject", "=message_id", "=provider_message_id", "=ticket_id")
    date_hierarchy = "created_at"

    @admin.display(description="error")
    def short_error(self, obj: EmailLog) -> str:
        return obj.error[:80]


@admin.register(ConsumerRun)
class ConsumerRunAdmin(ReadOnlyAdmin):
    """In-process consumers of outbox events (notifications/consumers.py): one row per event and
    consumer; a pending row with an error is retried by the outbox sweep."""

    list_display = ("created_at", "event", "consumer", "status", "attempts", "done_at", "short_error")
    list_filter = ("status", "consumer", "event")
    search_fields = ("=event_id", "consumer", "event")
    date_hierarchy = "created_at"

    @admin.display(description="error")
    def short_error(self, obj: ConsumerRun) -> str:
        return obj.error[:80]


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=lambda: [(e, e) for e in known_events()], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ("url", "events", "description", "is_active", "include_internal_notes")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            webhooks.validate_url(url)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from exc
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = (
        "url",
        "is_active",
        "event_list",
        "include_internal_notes",
        "consecutive_failures",
        "disabled_reason",
        "created_at",
    )
    list_filter = ("is_active", "include_internal_notes")
    search_fields = ("url", "description")
    readonly_fields = ("consecutive_failures", "disabled_at", "disabled_reason", "created_by", "created_at")
    actions = ["rotate_secret", "enable"]

    @admin.display(description="events")
    def event_list(self, obj: WebhookSubscription) -> str:
        return ", ".join(obj.events or [])

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        disabled = WebhookSubscription.objects.filter(is_active=False).exclude(disabled_reason="")
        for subscription in disabled[:5]:
            self.message_user(
                request,
                format_html(
                    "Webhook {} was disabled automatically: {}", subscription.url, subscription.disabled_reason
                ),
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: WebhookSubscription, form: forms.ModelForm, change: bool) -> None:
        data = {
            field: form.cleaned_data[field]
            for field in ("url", "events", "description", "is_active", "include_internal_notes")
        }
        if change:
            subscriptions.webhook_subscription_update(subscription=obj, actor=request.user, data=data)
            return
        created = subscriptions.webhook_subscription_create(actor=request.user, **data)
        obj.pk = created.pk
        self.message_user(
            request,
            f"Signing secret (shown once, store it now): {created.secret}",
            messages.WARNING,
        )

    def delete_model(self, request: HttpRequest, obj: WebhookSubscription) -> None:
        subscriptions.webhook_subscription_delete(subscription=obj, actor=request.user)

    @admin.action(description="Rotate the signing secret (old one keeps signing during the grace period)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            rotated = subscriptions.webhook_subscription_rotate_secret(subscription=subscription, actor=request.user)
            self.message_user(request, f"New secret for {rotated.url} (shown once): {rotated.secret}", messages.WARNING)

    @admin.action(description="Enable (reset the failure count)")
    def enable(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            subscriptions.webhook_subscription_update(
                subscription=subscription, actor=request.user, data={"is_active": True}
            )
        self.message_user(request, "Enabled.", messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "event",
        "subscription",
        "status",
        "attempts",
        "response_status",
        "duration_ms",
        "next_attempt_at",
    )
    list_filter = ("status", "event")
    list_select_related = ("subscription",)
    search_fields = ("=id", "=event_id", "subscription__url")
    date_hierarchy = "created_at"
    actions = ["redeliver"]

    @admin.action(description="Redeliver the selected deliveries")
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        count = 0
        for delivery in queryset.exclude(status=DeliveryStatus.PENDING, attempts=0):
            subscriptions.webhook_delivery_redeliver(delivery=delivery, actor=request.user)
            count += 1
        self.message_user(request, f"{count} delivery(ies) queued again.", messages.SUCCESS)
