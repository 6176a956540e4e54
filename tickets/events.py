"""The domain events the tickets app publishes (registered with notifications in
TicketsConfig.ready) and the JSON shape of a ticket in their payloads."""

from __future__ import annotations

from typing import Any

from tickets.models import Ticket

EVENTS: tuple[str, ...] = (
    "ticket.created",
    "ticket.updated",
    "ticket.status_changed",
    "ticket.assigned",
    "ticket.comment_added",
    "ticket.deleted",
    "ticket.sla_warning",
    "ticket.sla_breached",
    "ticket.escalated",
    "ticket.merged",
    "ticket.merge_undone",
    "ticket.split",
    "ticket.linked",
    "ticket.unlinked",
    "ticket.rule_event",
    "ticket.rule_email",
    "ticket.satisfaction_rated",
)


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    """The JSON shape of a ticket in outbox events (email, webhooks)."""
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "title": ticket.title,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category.slug if ticket.category_id else None,
        "type": ticket.ticket_type.slug if ticket.ticket_type_id else None,
        "tags": ticket.tags,
        "custom_fields": ticket.custom_fields,
        "external_id": ticket.external_id,
        "channel": ticket.channel,
        "customer_id": ticket.customer_id,
        "organization_id": ticket.organization_id,
        "team_id": ticket.team_id,
        "assignee_id": ticket.assignee_id,
        "escalated": ticket.escalated,
        "first_response_due_at": ticket.first_response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
    }
