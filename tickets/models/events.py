"""The audit trail: a TicketEvent for every state change of a ticket (who, what, old -> new, when),
shown in the admin and the source of outbound events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Field changed"
    STATUS_CHANGED = "status_changed", "Status changed"
    ASSIGNED = "assigned", "Assigned"
    COMMENTED = "commented", "Comment added"
    ATTACHED = "attached", "Attachment added"
    ESCALATED = "escalated", "Escalated"
    SLA_WARNING = "sla_warning", "SLA at risk"
    SLA_BREACHED = "sla_breached", "SLA breached"
    MERGED = "merged", "Merged"
    MERGE_UNDONE = "merge_undone", "Merge undone"
    SPLIT = "split", "Split"
    LINKED = "linked", "Linked"
    UNLINKED = "unlinked", "Unlinked"
    RULE_SKIPPED = "rule_skipped", "Rule action skipped"


class TicketEvent(models.Model):
    """The audit trail: who changed what, from what to what, when."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    field = models.CharField(max_length=50, blank=True)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)
    rule = models.CharField(
        max_length=140, blank=True, help_text='The rule that made the change: "Trigger: Reopen on customer reply".'
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=EventKind.values), name="ticketevent_kind_valid"),
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"
