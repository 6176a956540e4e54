"""Ticket types (tickets/models/ticket_types.py): how a type is named in writes, and the list the
forms offer."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q

from tickets.models import TicketType


def ticket_type_resolve(ticket_type: TicketType | str | None) -> TicketType | None:
    """A type by its slug (or given); an unknown or inactive slug is refused with the ones that exist."""
    if ticket_type is None or isinstance(ticket_type, TicketType):
        return ticket_type
    if ticket_type == "":
        return None
    found = TicketType.objects.filter(slug=ticket_type, is_active=True).first()
    if found is None:
        slugs = ", ".join(TicketType.objects.filter(is_active=True).values_list("slug", flat=True)) or "none yet"
        raise ValidationError(
            {"ticket_type": [f"Unknown ticket type '{str(ticket_type)[:50]}'; use one of: {slugs}."]},
            code="invalid_type",
        )
    return found


def ticket_type_choices(current: TicketType | None = None) -> list[tuple[int, str]]:
    """(id, name) of the types that may be chosen, in their order, and the ticket's `current` one
    even when it was deactivated since (so saving the form does not drop it)."""
    rows = TicketType.objects.filter(is_active=True)
    if current is not None:
        rows = TicketType.objects.filter(Q(is_active=True) | Q(pk=current.pk))
    return list(rows.values_list("pk", "name"))
