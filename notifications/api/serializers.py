from __future__ import annotations

from typing import Any

from rest_framework import serializers

from notifications.events import known_events
from notifications.models import WebhookDelivery, WebhookSubscription


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = (
            "id",
            "url",
            "events",
            "description",
            "is_active",
            "include_internal_notes",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class WebhookSubscriptionWithSecretSerializer(WebhookSubscriptionSerializer):
    """Returned once, on create and on secret rotation: the only time the secret is shown."""

    secret = serializers.CharField(read_only=True)

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = (*WebhookSubscriptionSerializer.Meta.fields, "secret")
        read_only_fields = fields


class WebhookSubscriptionInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=()), allow_empty=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["events"].child.choices = known_events()  # registered by the apps once they are ready

    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)
    include_internal_notes = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also deliver ticket.comment_added for internal notes (off: they never reach this receiver).",
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    subscription_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "subscription_id",
            "event",
            "event_id",
            "status",
            "attempts",
            "response_status",
            "response_excerpt",
            "duration_ms",
            "error",
            "next_attempt_at",
            "last_attempt_at",
            "delivered_at",
            "created_at",
            "payload",
        )
        read_only_fields = fields
