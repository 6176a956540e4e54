"""GDPR: export everything held about a customer, and erase a customer. Both span apps (the
customer, their tickets, the notification records), so they live here at the top of the layers
and call each app's own service: customers.services.customer_personal_data_erase for the profile,
tickets.anonymisation.tickets_anonymise for the tickets (the same operation retention uses),
notifications.forget for the delivery records. Each export and erasure writes a GdprAuditEntry."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

import notifications
from agents.models import User
from customers.models import Customer, GdprAction, GdprAuditEntry
from customers.services import ERASED_TEXT, customer_personal_data_erase
from tickets.anonymisation import inbound_messages_forget, tickets_anonymise
from tickets.models import Comment, InboundMessage, Ticket, TicketFollower

logger = logging.getLogger(__name__)


def _actor(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def customer_gdpr_document(customer: Customer) -> dict[str, Any]:
    """Everything held about the customer: profile, tickets with their comments (internal notes
    included, flagged) and attachment lists, and comments they wrote on other tickets. A fixed
    number of queries whatever the number of tickets."""
    tickets = (
        customer.tickets.select_related("category", "team", "assignee")
        .prefetch_related("comments__author", "attachments")
        .order_by("created_at", "pk")
    )
    other_comments = customer.comments.exclude(ticket__customer=customer).order_by("created_at", "pk")

    def comment_doc(comment: Any) -> dict[str, Any]:
        return {
            "id": comment.pk,
            "ticket_id": comment.ticket_id,
            "body": comment.body,
            "is_internal": comment.is_internal,
            "from_customer": comment.customer_id is not None,
            "author": comment.author.get_full_name() if comment.author_id else None,
            "channel": comment.channel,
            "created_at": _iso(comment.created_at),
        }

    return {
        "generated_at": _iso(timezone.now()),
        "customer": {
            "id": customer.pk,
            "email": customer.email,
            "name": customer.name,
            "company": customer.company,
            "phone": customer.phone,
            "tier": customer.tier,
            "organization": (
                {"id": customer.organization_id, "name": customer.organization.name}
                if customer.organization is not None
                else None
            ),
            "crm_id": customer.crm_id,
            "metadata": customer.metadata,
            "email_opt_out": customer.email_opt_out,
            "has_portal_login": customer.user_id is not None,
            "erased_at": _iso(customer.erased_at),
            "created_at": _iso(customer.created_at),
            "updated_at": _iso(customer.updated_at),
        },
        "tickets": [
            {
                "id": ticket.pk,
                "title": ticket.title,
                "description": ticket.description,
                "status": ticket.status,
                "priority": ticket.priority,
                "category": ticket.category.slug if ticket.category is not None else None,
                "tags": ticket.tags,
                "metadata": ticket.metadata,
                "channel": ticket.channel,
                "created_at": _iso(ticket.created_at),
                "updated_at": _iso(ticket.updated_at),
                "resolved_at": _iso(ticket.resolved_at),
                "closed_at": _iso(ticket.closed_at),
                "comments": [comment_doc(c) for c in ticket.comments.all()],
                "attachments": [
                    {
                        "id": a.pk,
                        "filename": a.filename,
                        "content_type": a.content_type,
                        "size": a.size,
                        "created_at": _iso(a.created_at),
                    }
                    for a in ticket.attachments.all()
                ],
            }
            for ticket in tickets
        ],
        "comments_on_other_tickets": [comment_doc(c) for c in other_comments.select_related("author")],
    }


@transaction.atomic
def customer_gdpr_export(*, customer: Customer, actor: User | None) -> dict[str, Any]:
    """The customer's data as a JSON-ready document; the export is recorded in the audit log."""
    customer = Customer.objects.select_related("organization").get(pk=customer.pk)
    document = customer_gdpr_document(customer)
    GdprAuditEntry.objects.create(
        customer=customer,
        customer_ref=customer.pk,
        action=GdprAction.EXPORT,
        actor=_actor(actor),
        details={
            "tickets": len(document["tickets"]),
            "comments": sum(len(t["comments"]) for t in document["tickets"])
            + len(document["comments_on_other_tickets"]),
            "attachments": sum(len(t["attachments"]) for t in document["tickets"]),
        },
    )
    return document


@transaction.atomic
def customer_erase(*, customer: Customer, actor: User | None) -> Customer:
    """Erase a customer's personal data (GDPR art. 17) while keeping their tickets for statistics
    (status, priority, category, timestamps stay): the profile and portal login anonymised, their
    tickets anonymised like retention does (text, external id, attachments and their files; the
    version bumps, so API ETags change), their comments on other tickets replaced, their mail in
    the inbound log forgotten (raw files deleted), their Cc follower rows removed, and the
    notification records forgotten. Idempotent: erasing an erased customer changes nothing and
    records nothing."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.erased_at is not None:
        return customer
    original_email = customer.email
    ticket_ids = list(Ticket.objects.filter(customer=customer).values_list("pk", flat=True))
    erased = tickets_anonymise(ticket_ids=ticket_ids, title=ERASED_TEXT, body=ERASED_TEXT)
    elsewhere = (
        Comment.objects.filter(customer=customer)
        .exclude(ticket_id__in=ticket_ids)
        .update(body=ERASED_TEXT, email_message_id="")
    )
    # Their mail in the inbound log (bounces and ignored messages too) and their follower rows on
    # other customers' tickets (a Cc) hold the address.
    address = original_email.lower()
    inbound = erased["inbound_messages"] + inbound_messages_forget(
        messages=InboundMessage.objects.filter(sender=address).exclude(ticket_id__in=ticket_ids)
    )
    followers, _ = TicketFollower.objects.filter(email=address).delete()
    customer = customer_personal_data_erase(customer=customer)
    # Outbox payloads, email log and webhook deliveries still hold the address, names, titles...
    notifications.forget(email=original_email, customer_id=customer.pk)

    GdprAuditEntry.objects.create(
        customer=customer,
        customer_ref=customer.pk,
        action=GdprAction.ERASE,
        actor=_actor(actor),
        details={
            "tickets": len(ticket_ids),
            "comments": erased["comments"] + elsewhere,
            "attachments": erased["attachments"],
            "inbound_messages": inbound,
            "followers": followers,
        },
    )
    notifications.publish(
        "customer.erased",
        {"id": customer.pk, "actor_id": getattr(_actor(actor), "pk", None)},
    )
    return customer
