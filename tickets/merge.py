"""Merging two customers: the source's tickets move to the target (tickets sit above customers in
the layers, so the merge is orchestrated here and calls customers' own service)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

import notifications
from agents.models import User
from customers.models import Customer
from tickets.audit import actor_id
from tickets.models import (
    Comment,
    EventKind,
    Ticket,
    TicketEvent,
    TimeEntry,
)
from tickets.sla import services as sla_services

Actor = User | None

# Fields ticket_update may change; status goes through ticket_change_status, the assignee
# through ticket_assign.

# --- customers (tickets move with them) ---------------------------------------------------------


@transaction.atomic
def customer_merge(*, source: Customer, target: Customer, actor: Actor) -> Customer:
    """Fold `source` into `target`: its tickets and comments move, each moved ticket records an
    event, and the source is deleted. Lives here because it rewrites tickets."""
    if source.pk == target.pk:
        raise ValidationError({"target": ["A customer cannot be merged into itself."]})
    tickets = list(Ticket.objects.select_for_update().filter(customer=source).values_list("pk", flat=True))
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket_id=pk,
                actor=actor if actor is not None and actor.is_authenticated else None,
                kind=EventKind.MERGED,
                field="customer",
                old_value=source.pk,
                new_value=target.pk,
                note=f"Customer {source.email} merged into {target.email}.",
            )
            for pk in tickets
        ]
    )
    Ticket.objects.filter(pk__in=tickets).update(
        customer=target, organization=target.organization, version=F("version") + 1, updated_at=timezone.now()
    )
    Comment.objects.filter(customer=source).update(customer=target)
    # Time logged on the moved tickets counts for the target from now on (tickets/time_tracking.py).
    TimeEntry.objects.filter(customer=source).update(customer=target, organization=target.organization)
    # The moved tickets now answer to the target's tier (its policy targets may differ).
    sla_services.tickets_sla_recompute_for_customer(customer=target)
    if not target.phone and source.phone:
        target.phone = source.phone
    if not target.name and source.name:
        target.name = source.name
    target.metadata = {**source.metadata, **target.metadata}
    target.save(update_fields=["phone", "name", "metadata", "updated_at"])
    source_id = source.pk
    source.delete()
    notifications.publish(
        "customer.merged",
        {"source_id": source_id, "target_id": target.pk, "ticket_ids": tickets, "actor_id": actor_id(actor)},
    )
    return target
