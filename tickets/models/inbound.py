"""Mailboxes polled over IMAP, and the record of every inbound message (the exactly-once ledger).

Mailbox and InboundMessage; the code that uses them lives in tickets/inbound/."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from config import crypto


class MailboxSecurity(models.TextChoices):
    SSL = "ssl", "SSL/TLS (port 993)"
    STARTTLS = "starttls", "STARTTLS (port 143)"
    NONE = "none", "None (loopback and tests only)"


class MailboxAuth(models.TextChoices):
    PASSWORD = "password", "Password"
    MICROSOFT = "microsoft", "OAuth2 — Microsoft 365"
    GOOGLE = "google", "OAuth2 — Google"


class ProcessedAction(models.TextChoices):
    SEEN = "seen", "Flag as seen"
    MOVE = "move", "Move to a folder"


class Mailbox(models.Model):
    """One support address fetched over IMAP. Secrets are stored encrypted (config/crypto.py) and
    never shown again: the admin and the API only say whether one is set."""

    name = models.CharField(max_length=100, unique=True)
    address = models.EmailField(unique=True, help_text="The support address; Reply-To of our replies.")
    is_active = models.BooleanField(default=True)
    imap_host = models.CharField(max_length=253)
    imap_port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=MailboxSecurity.choices, default=MailboxSecurity.SSL)
    username = models.CharField(max_length=254)
    auth_method = models.CharField(max_length=10, choices=MailboxAuth.choices, default=MailboxAuth.PASSWORD)
    password_encrypted = models.TextField(blank=True, editable=False)
    oauth_client_id = models.CharField(max_length=255, blank=True)
    oauth_client_secret_encrypted = models.TextField(blank=True, editable=False)
    oauth_tenant = models.CharField(max_length=255, blank=True, help_text="Microsoft 365: the tenant id or domain.")
    oauth_refresh_token_encrypted = models.TextField(blank=True, editable=False)
    oauth_access_token_encrypted = models.TextField(blank=True, editable=False)
    oauth_access_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    oauth_token_url = models.URLField(blank=True, help_text="Empty: the provider's token endpoint.")
    folder = models.CharField(max_length=255, default="INBOX")
    processed_action = models.CharField(max_length=10, choices=ProcessedAction.choices, default=ProcessedAction.SEEN)
    processed_folder = models.CharField(max_length=255, blank=True, help_text="Where processed mail is moved.")
    team = models.ForeignKey("agents.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.ForeignKey("tickets.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    send_acknowledgement = models.BooleanField(default=True, help_text="Mail the customer the ticket reference.")
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    next_poll_at = models.DateTimeField(null=True, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"
        constraints = [
            models.CheckConstraint(condition=models.Q(imap_port__lte=65535), name="mailbox_port_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    # Secrets: write-only properties over the encrypted columns.
    def set_secret(self, name: str, value: str) -> None:
        setattr(self, f"{name}_encrypted", crypto.encrypt(value))

    def get_secret(self, name: str) -> str:
        return crypto.decrypt(getattr(self, f"{name}_encrypted"))

    @property
    def uses_oauth(self) -> bool:
        return self.auth_method != MailboxAuth.PASSWORD


class InboundStatus(models.TextChoices):
    TICKET = "ticket", "New ticket"
    REPLY = "reply", "Reply"
    NOTE = "note", "Internal note"
    BOUNCE = "bounce", "Bounce"
    AUTO_REPLY = "auto_reply", "Auto-reply (not answered)"
    RATE_LIMITED = "rate_limited", "Rate-limited (mail loop)"
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed (kept for retry)"


class InboundMessage(models.Model):
    """One message received (IMAP, webhook or pipe), written in the same transaction as the ticket
    or reply it made: the unique Message-ID and (mailbox, UIDVALIDITY, UID) make processing
    exactly-once. A failed message keeps its raw source and reason and can be retried."""

    message_id = models.CharField(max_length=255, unique=True)
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=20, default="pipe", help_text="imap, webhook name, pipe.")
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=InboundStatus.choices)
    reason = models.TextField(blank=True)
    body_html = models.TextField(blank=True, help_text="The message's HTML body, sanitised (nh3), for display.")
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages"
    )
    comment = models.ForeignKey("tickets.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    raw = models.FileField(upload_to="inbound/%Y/%m/", blank=True)
    attempts = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"],
                condition=models.Q(mailbox__isnull=False, uid__isnull=False),
                name="inboundmessage_mailbox_uid_unique",
            ),
            models.CheckConstraint(condition=models.Q(status__in=InboundStatus.values), name="inbound_status_valid"),
        ]
        indexes = [
            models.Index(fields=["sender", "received_at"], name="inbound_sender_received_idx"),
            models.Index(fields=["received_at"], condition=models.Q(status="failed"), name="inbound_failed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.status})"
