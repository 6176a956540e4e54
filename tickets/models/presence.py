"""Who has a ticket open, and who is typing on it. A row per (ticket, agent), refreshed by the
page's poll; stale rows simply stop counting (PRESENCE_TTL), so nothing needs cleaning up for
correctness (a daily purge keeps the table small)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class TicketPresence(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)
    typing_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "tickets"
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="ticketpresence_ticket_user_unique")]
        indexes = [models.Index(fields=["ticket", "seen_at"], name="presence_ticket_seen_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on #{self.ticket_id}"
