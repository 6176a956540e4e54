"""Followers of a ticket and the external addresses an admin allows to follow.

One row per (ticket, email). It names a customer, or a user (an agent following a ticket), or
neither (an allowed external address); the address is kept on the row in all three cases so the
recipients of a reply are one query."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class FollowerSource(models.TextChoices):
    EMAIL_CC = "email_cc", "Cc of an email"
    MANUAL = "manual", "Added by an agent"
    MERGE = "merge", "Customer of a merged ticket"


class TicketFollower(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="followers")
    email = models.EmailField(max_length=254, help_text="Stored lower-case.")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="followed_tickets"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="followed_tickets"
    )
    source = models.CharField(max_length=10, choices=FollowerSource.choices, default=FollowerSource.MANUAL)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["ticket", "email"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "email"], name="ticketfollower_ticket_email_unique"),
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="ticketfollower_email_lowercase"),
            models.CheckConstraint(
                condition=~models.Q(customer__isnull=False, user__isnull=False),
                name="ticketfollower_customer_or_user",
            ),
        ]
        indexes = [
            models.Index(fields=["customer"], name="ticketfollower_customer_idx"),
            models.Index(fields=["user"], name="ticketfollower_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} follows #{self.ticket_id}"


class AllowedFollowerAddress(models.Model):
    """An external address (`partner@example.org`) or a whole domain (`@example.org`) that may be
    added as a follower although it is no customer of the ticket's organisation."""

    pattern = models.CharField(max_length=254, unique=True, help_text="An address, or @domain for a whole domain.")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["pattern"]
        verbose_name_plural = "allowed follower addresses"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pattern=Lower("pattern")), name="allowedfollower_pattern_lowercase"
            ),
        ]

    def __str__(self) -> str:
        return self.pattern
