"""Time logged by agents on a ticket: on the ticket itself, or on one of its replies or notes.
Totals (per ticket, customer, organisation, agent) are SQL sums over these rows
(tickets/time_tracking.py), never a stored counter that could drift."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimeEntry(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="time_entries")
    comment = models.ForeignKey(
        "tickets.Comment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="time_entries",
        help_text="The reply or note the time was spent on; empty for time on the ticket.",
    )
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries")
    # Copied from the ticket when logged, so totals per customer and organisation are one indexed column.
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="time_entries")
    organization = models.ForeignKey(
        "customers.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="time_entries"
    )
    minutes = models.PositiveIntegerField()
    is_billable = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "time entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=24 * 60), name="timeentry_minutes_range"
            ),
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="timeentry_ticket_idx"),
            models.Index(fields=["agent", "created_at"], name="timeentry_agent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min on #{self.ticket_id}"
