"""GDPR: export everything held about a customer, and erase a customer.

customers/ does not import tickets (ARCHITECTURE: dependencies); the customer's tickets and
comments are reached through the reverse relations, and the ticket models through the app
registry where a set-based write needs them. Each export and erasure writes a GdprAuditEntry."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

import notifications
from customers.models import Customer, GdprAction, GdprAuditEntry
from notifications.services import notifications_forget

logger = logging.getLogger(__name__)

ERASED_TEXT = "[erased]"
# Ticket-event fields whose old/new values may hold free text written by or about the customer.
_TEXT_EVENT_FIELDS = ("title", "description", "metadata", "external_id")


def _erased_email(customer_id: int) -> str:
    return f"erased-{customer_id}@erased.invalid"


def _actor(actor: AbstractBaseUser | None) -> AbstractBaseUser | None:
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
                if customer.organization_id
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
                "category": ticket.category.slug if ticket.category_id else None,
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
def customer_gdpr_export(*, customer: Customer, actor: AbstractBaseUser | None) -> dict[str, Any]:
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
def customer_erase(*, customer: Customer, actor: AbstractBaseUser | None) -> Customer:
    """Erase a customer's personal data (GDPR art. 17) while keeping their tickets for statistics
    (status, priority, category, timestamps stay): the profile and portal login anonymised, the
    text of their tickets and of the comments on them (and their comments elsewhere) replaced,
    free-text event values cleared, attachments deleted with their files (after commit).
    Idempotent: erasing an erased customer changes nothing and records nothing."""
    Attachment = apps.get_model("tickets", "Attachment")
    Comment = apps.get_model("tickets", "Comment")
    Ticket = apps.get_model("tickets", "Ticket")
    TicketEvent = apps.get_model("tickets", "TicketEvent")

    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.erased_at is not None:
        return customer
    now = timezone.now()
    original_email = customer.email
    ticket_ids = list(Ticket.objects.filter(customer=customer).values_list("pk", flat=True))

    attachments = Attachment.objects.filter(ticket_id__in=ticket_ids)
    files = [name for name in attachments.values_list("file", flat=True) if name]
    attachments_deleted, _ = attachments.delete()
    comments_erased = Comment.objects.filter(Q(ticket_id__in=ticket_ids) | Q(customer=customer)).update(
        body=ERASED_TEXT, email_message_id=""
    )
    # Field changes of free text, and "attached" events (they carry the file name).
    TicketEvent.objects.filter(Q(field__in=_TEXT_EVENT_FIELDS) | Q(kind="attached"), ticket_id__in=ticket_ids).update(
        old_value=None, new_value=None
    )
    TicketEvent.objects.filter(ticket_id__in=ticket_ids).exclude(note="").update(note="")
    Ticket.objects.filter(pk__in=ticket_ids).update(title=ERASED_TEXT, description="", metadata={}, updated_at=now)

    if customer.user_id:
        user = customer.user
        user.email = f"erased-user-{user.pk}@erased.invalid"
        user.name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["email", "name", "is_active", "password"])
    customer.email = _erased_email(customer.pk)
    customer.name = ""
    customer.company = ""
    customer.phone = ""
    customer.metadata = {}
    customer.crm_id = ""
    customer.crm_last_error = ""
    customer.email_opt_out = True
    customer.user = None
    customer.erased_at = now
    customer.save()

    # Outbox payloads, email log and webhook deliveries still hold the address, names, titles...
    notifications_forget(email=original_email, customer_id=customer.pk)

    GdprAuditEntry.objects.create(
        customer=customer,
        customer_ref=customer.pk,
        action=GdprAction.ERASE,
        actor=_actor(actor),
        details={"tickets": len(ticket_ids), "comments": comments_erased, "attachments": attachments_deleted},
    )
    notifications.publish(
        "customer.erased",
        {"id": customer.pk, "actor_id": actor.pk if _actor(actor) else None},
    )

    def _delete_files() -> None:
        for name in files:
            try:
                default_storage.delete(name)
            except OSError:
                logger.exception("could not delete attachment file %s of erased customer %s", name, customer.pk)

    if files:
        transaction.on_commit(_delete_files)
    return customer
