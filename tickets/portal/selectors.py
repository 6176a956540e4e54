"""The portal's reads: the customer's tickets (their own, or their organisation's where it shares
them) and a ticket's public conversation. Scoping is tickets.selectors.ticket_visible_to's."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from agents.models import User
from tickets.models import DONE_STATUSES, Attachment, Comment, Ticket, active_q
from tickets.selectors import ticket_visible_to

SCOPES = ("mine", "organization")


def portal_ticket_list(*, user: User, scope: str = "mine", status: str = "") -> QuerySet[Ticket]:
    """The customer's tickets, last updated first. `scope` "organization": every ticket of their
    organisation they may see; `status` "active" or "done" narrows to open or finished ones."""
    qs = ticket_visible_to(user).select_related(None).select_related("customer", "category")
    if scope != "organization":
        qs = qs.filter(customer__user=user)
    if status == "active":
        qs = qs.filter(active_q())
    elif status == "done":
        qs = qs.filter(status__in=sorted(DONE_STATUSES))
    return qs.order_by("-updated_at", "-id")


def portal_conversation(*, ticket: Ticket) -> QuerySet[Comment]:
    """Public replies only (never an internal note or its files), oldest first, with their authors
    and files."""
    return (
        Comment.objects.filter(ticket=ticket, is_internal=False)
        .select_related("author", "customer")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")))
        .order_by("created_at", "id")
    )


def portal_ticket_files(*, ticket: Ticket) -> QuerySet[Attachment]:
    """Files attached to the request itself (not to a reply)."""
    return Attachment.objects.filter(ticket=ticket, comment__isnull=True).order_by("created_at", "id")
