"""A ticket's conversation: its public replies and internal notes (Comment) and its files (Attachment)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from tickets.models.tickets import Channel, Ticket


class Comment(models.Model):
    """A public reply or an internal note. Written by an agent (author) or a customer (customer,
    and author too when they used the portal). Internal notes are agents' only."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    body = models.TextField()
    is_internal = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    email_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(channel__in=Channel.values), name="comment_channel_valid"),
            models.CheckConstraint(
                condition=models.Q(is_internal=False) | models.Q(customer__isnull=True),
                name="comment_internal_not_by_customer",
            ),
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="comment_ticket_created_idx")]

    def __str__(self) -> str:
        return f"{'Note' if self.is_internal else 'Reply'} on #{self.ticket_id}"

    @property
    def is_from_customer(self) -> bool:
        return self.customer_id is not None


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="attachment_ticket_idx")]

    def __str__(self) -> str:
        return self.filename
