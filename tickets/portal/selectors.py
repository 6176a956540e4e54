"""The portal's reads: the customer's tickets (their own, or their organisation's where it shares
them) and a ticket's public conversation. Scoping is tickets.selectors.ticket_visible_to's."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from agents.models import User
from tickets.custom_fields import is_empty
from tickets.models import DONE_STATUSES, Attachment, Comment, CustomField, Status, Ticket, active_q
from tickets.required_fields import required_empty
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


def _in_words(value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def portal_custom_fields(*, ticket: Ticket) -> tuple[list[dict[str, str]], list[CustomField]]:
    """The custom fields shown to customers (one query; two more only when one is required to close):
    the ticket's values in words ({key, label, value}; a value a field no longer offers, or of a
    field whose type changed, is shown as stored), and the fields the customer must fill before
    closing it (required for closed, applying to the ticket, empty)."""
    fields = list(CustomField.objects.filter(is_active=True, is_customer_visible=True))
    values = ticket.custom_fields or {}
    shown = [
        {"key": f.key, "label": f.label, "value": _in_words(values[f.key])}
        for f in fields
        if not is_empty(values.get(f.key))
    ]
    closing = [f for f in fields if Status.CLOSED in (f.required_statuses or [])]
    if not closing or ticket.status == Status.CLOSED:
        return shown, []
    prefetch_related_objects(closing, "categories", "ticket_types")
    return shown, required_empty(ticket, Status.CLOSED, closing)
