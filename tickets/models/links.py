"""Links between tickets (related, duplicate of, child of, merged into, split from) and the record
of a ticket merge, which is what makes a merge undoable within its window."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class LinkKind(models.TextChoices):
    """Read from `from_ticket` to `to_ticket`: "#12 duplicate_of #10", "#12 child_of #10"."""

    RELATED = "related", "Related to"
    DUPLICATE_OF = "duplicate_of", "Duplicate of"
    CHILD_OF = "child_of", "Child of"
    MERGED_INTO = "merged_into", "Merged into"
    SPLIT_FROM = "split_from", "Split from"


# What the other side of a link reads as, seen from `to_ticket`.
REVERSE_LABELS: dict[str, str] = {
    LinkKind.RELATED: "Related to",
    LinkKind.DUPLICATE_OF: "Has duplicate",
    LinkKind.CHILD_OF: "Parent of",
    LinkKind.MERGED_INTO: "Merged from",
    LinkKind.SPLIT_FROM: "Split into",
}
# ... and its kind, as the API shows it from `to_ticket`.
REVERSE_KINDS: dict[str, str] = {
    LinkKind.RELATED: "related",
    LinkKind.DUPLICATE_OF: "has_duplicate",
    LinkKind.CHILD_OF: "parent_of",
    LinkKind.MERGED_INTO: "merged_from",
    LinkKind.SPLIT_FROM: "split_into",
}


class TicketLink(models.Model):
    from_ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="links_out")
    to_ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=LinkKind.values), name="ticketlink_kind_valid"),
            models.CheckConstraint(
                condition=~models.Q(from_ticket=models.F("to_ticket")), name="ticketlink_not_to_itself"
            ),
            models.UniqueConstraint(fields=["from_ticket", "to_ticket", "kind"], name="ticketlink_unique"),
            # One parent per ticket, and a ticket is merged into one ticket only.
            models.UniqueConstraint(
                fields=["from_ticket"], condition=models.Q(kind="child_of"), name="ticketlink_one_parent"
            ),
            models.UniqueConstraint(
                fields=["from_ticket"], condition=models.Q(kind="merged_into"), name="ticketlink_one_merge"
            ),
        ]
        indexes = [models.Index(fields=["to_ticket", "kind"], name="ticketlink_to_kind_idx")]

    def __str__(self) -> str:
        return f"#{self.from_ticket_id} {self.get_kind_display().lower()} #{self.to_ticket_id}"


class TicketMerge(models.Model):
    """One merge: what moved from the source to the target (ids per kind) and what the merge
    created, so an undo within TICKET_MERGE_UNDO_MINUTES can put everything back."""

    source = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="merges_out")
    target = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="merges_in")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_status = models.CharField(max_length=20)
    source_resolved_at = models.DateTimeField(null=True, blank=True)
    source_closed_at = models.DateTimeField(null=True, blank=True)
    moved = models.JSONField(
        default=dict, help_text="Ids moved to the target: comments, attachments, events, followers."
    )
    created = models.JSONField(default=dict, help_text="Ids the merge created: comments, followers.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["source", "-created_at"], name="ticketmerge_source_idx")]

    def __str__(self) -> str:
        return f"#{self.source_id} merged into #{self.target_id}"
