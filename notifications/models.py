"""The outbox: domain events stored in the same transaction as the change that caused them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DISPATCHED = "dispatched", "Dispatched"
    FAILED = "failed", "Failed"


class OutboxEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outbox event"
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=OutboxStatus.values), name="outbox_status_valid"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} ({self.status})"


# --- email --------------------------------------------------------------------------------------


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class EmailLog(models.Model):
    """One email the product promised to send: created (rendered) when its event is dispatched,
    then sent, retried or failed. Unique per (event, template, recipient), so a redelivered
    event never mails anyone twice."""

    event_id = models.UUIDField(db_index=True, help_text="The outbox event that caused this mail.")
    event = models.CharField(max_length=100)
    template = models.CharField(max_length=50)
    recipient = models.EmailField(max_length=254)
    ticket_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    essential = models.BooleanField(default=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    attachments = models.JSONField(
        default=list,
        blank=True,
        help_text='Files sent with the mail: [{"file": <storage name>, "filename", "content_type"}, ...].',
    )
    message_id = models.CharField(max_length=255, help_text="The RFC 5322 Message-ID header we set.")
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    provider = models.CharField(max_length=100, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "email log entry"
        verbose_name_plural = "email log"
        constraints = [
            models.UniqueConstraint(fields=["event_id", "template", "recipient"], name="emaillog_once_per_event"),
            models.CheckConstraint(condition=models.Q(status__in=EmailStatus.values), name="emaillog_status_valid"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="emaillog_due_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["recipient", "created_at"], name="emaillog_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.template} to {self.recipient} ({self.status})"


# --- webhooks -----------------------------------------------------------------------------------


class WebhookSubscription(models.Model):
    """A receiver of signed webhooks. The signing secret is stored in plain text (it must be
    readable to sign) and shown to the user once, when created or rotated."""

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event names this receiver gets, e.g. ['ticket.created'].")
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    include_internal_notes = models.BooleanField(
        default=False,
        help_text="Also deliver ticket.comment_added for internal notes (agents' private text). "
        "Off: internal notes never reach this receiver.",
    )
    description = models.CharField(max_length=255, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["is_active"], name="webhooksub_active_idx")]

    def __str__(self) -> str:
        return self.url

    def signing_secrets(self, now=None) -> list[str]:
        """The secrets to sign with: the current one, and the previous one during a rotation."""
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event for one subscription. Its id is the `webhook-id` header (the same on every
    retry, so receivers can de-duplicate). Retries are rows due at `next_attempt_at`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(db_index=True)
    event = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event_id", "subscription"], name="webhookdelivery_once_per_event"),
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values), name="webhookdelivery_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="webhookdelivery_due_idx", condition=models.Q(status="pending")
            ),
            models.Index(fields=["subscription", "created_at"], name="webhookdelivery_sub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscription_id} ({self.status})"


# --- in-process consumers (notifications/consumers.py) --------------------------------------------


class ConsumerRunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ConsumerRun(models.Model):
    """One registered in-process consumer for one outbox event, recorded like the other deliveries:
    unique per (event, consumer), so a redelivered event never runs a consumer twice. A failed run
    stays pending (attempts, error) and the outbox sweep retries it; `failed` after
    OUTBOX_MAX_ATTEMPTS."""

    event_id = models.UUIDField(db_index=True, help_text="The outbox event consumed.")
    event = models.CharField(max_length=100)
    consumer = models.CharField(max_length=200, help_text="The name the consumer was registered under.")
    status = models.CharField(max_length=10, choices=ConsumerRunStatus.choices, default=ConsumerRunStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "consumer run"
        constraints = [
            models.UniqueConstraint(fields=["event_id", "consumer"], name="consumerrun_once_per_event"),
            models.CheckConstraint(
                condition=models.Q(status__in=ConsumerRunStatus.values), name="consumerrun_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consumer} <- {self.event} ({self.status})"
