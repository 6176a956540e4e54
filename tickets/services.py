"""Every write to tickets, comments and attachments (ARCHITECTURE: the one way data flows).

Each service: keyword-only arguments, one transaction, the row locked while it changes, a
TicketEvent per change (the audit trail), and an outbox event published in the same
transaction. Views, admin actions, inbound email and tasks all call these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

import notifications
from agents.assignment import pick_agent
from agents.models import AssignmentStrategy, Team
from agents.selectors import is_agent
from config.exceptions import ApplicationError
from customers.models import Customer
from customers.services import customer_get_or_create
from tickets import validators
from tickets.models import (
    Attachment,
    Category,
    Channel,
    Comment,
    EventKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.sla import services as sla_services

Actor = AbstractBaseUser | None

# Fields ticket_update may change; status goes through ticket_change_status, the assignee
# through ticket_assign.
UPDATABLE_FIELDS = ("title", "description", "priority", "category", "tags", "metadata", "team", "external_id")


# --- payloads and events ---------------------------------------------------------------------


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    """The JSON shape of a ticket in outbox events (email, webhooks)."""
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "title": ticket.title,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category.slug if ticket.category_id else None,
        "tags": ticket.tags,
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


def _value(value: Any) -> Any:
    """An event's old/new value as JSON: models by primary key."""
    if hasattr(value, "pk"):
        return value.pk
    return value


def _record(
    ticket: Ticket, *, actor: Actor, kind: str, field: str = "", old: Any = None, new: Any = None, note: str = ""
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        field=field,
        old_value=_value(old),
        new_value=_value(new),
        note=note[:255],
    )


def _actor_id(actor: Actor) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock, so concurrent writers serialise instead of losing updates."""
    return Ticket.objects.select_for_update(of=("self",)).select_related("category").get(pk=ticket.pk)


lock_ticket = _lock


def _save(ticket: Ticket, fields: list[str]) -> None:
    ticket.version = F("version") + 1
    ticket.save(update_fields=[*fields, "version", "updated_at"])
    ticket.refresh_from_db(fields=["version", "updated_at", "priority_rank"])


def _resolve_category(category: Category | str | None) -> Category | None:
    if category is None or isinstance(category, Category):
        return category
    if category == "":
        return None
    found = Category.objects.filter(slug=category).first()
    if found is None:
        raise ValidationError({"category": [f"Unknown category '{category}'."]}, code="invalid_category")
    return found


def _route_team(category: Category | None) -> Team | None:
    """The team a new ticket lands with: its category's team, else the default team."""
    if category is not None and category.team_id:
        return category.team
    return Team.objects.filter(is_default=True).first()


# --- tickets ---------------------------------------------------------------------------------


@transaction.atomic
def ticket_create(
    *,
    actor: Actor,
    title: str,
    description: str = "",
    priority: str = Priority.MEDIUM,
    category: Category | str | None = None,
    customer: Customer | None = None,
    customer_email: str | None = None,
    customer_name: str = "",
    tags: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    external_id: str | None = None,
    channel: str = Channel.WEB,
    team: Team | None = None,
) -> Ticket:
    """Open a ticket. The customer is given, or found or created by email (matched to an
    organisation by email domain); the organisation is copied from the customer for scoping."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field, check, value in (
        ("title", validators.validate_title, title),
        ("priority", validators.validate_priority, priority),
        ("tags", validators.normalize_tags, tags),
        ("metadata", validators.validate_metadata, metadata),
    ):
        try:
            cleaned[field] = check(value)
        except ValidationError as exc:
            errors[field] = exc.messages
    try:
        cleaned["category"] = _resolve_category(category)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if customer is None:
        if not customer_email:
            errors["customer_email"] = ["A customer email is required."]
        else:
            try:
                customer, _ = customer_get_or_create(email=customer_email, name=customer_name)
            except ValidationError as exc:
                errors["customer_email"] = exc.messages
    if external_id and Ticket.objects.filter(external_id=external_id).exists():
        errors["external_id"] = [f"A ticket with external id '{external_id}' already exists."]
    if errors:
        raise ValidationError(errors)

    ticket = Ticket(
        title=cleaned["title"],
        description=validators.normalize_text(description),
        priority=cleaned["priority"],
        category=cleaned["category"],
        tags=cleaned["tags"],
        metadata=cleaned["metadata"],
        external_id=external_id or None,
        channel=channel,
        customer=customer,
        organization_id=customer.organization_id,
        team=team or _route_team(cleaned["category"]),
    )
    sla_services.ticket_sla_apply(ticket=ticket)  # due times from the policy, priority and tier
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError as exc:  # a concurrent create took the external id first
        raise ValidationError({"external_id": ["A ticket with this external id already exists."]}) from exc
    ticket.refresh_from_db(fields=["priority_rank"])
    _record(ticket, actor=actor, kind=EventKind.CREATED, new=ticket.status)
    notifications.publish("ticket.created", {"ticket": ticket_payload(ticket), "actor_id": _actor_id(actor)})
    return _auto_assign(ticket)


@transaction.atomic
def ticket_update(*, ticket: Ticket, actor: Actor, data: dict[str, Any]) -> Ticket:
    """Change ticket fields; each changed field is recorded as an event. `status` and
    `assignee` in `data` are handed to ticket_change_status / ticket_assign."""
    data = dict(data)
    status = data.pop("status", None)
    has_assignee = "assignee" in data
    assignee = data.pop("assignee", None)
    unknown = set(data) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValidationError({field: ["This field cannot be changed."] for field in sorted(unknown)})

    ticket = _lock(ticket)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    checks = {
        "title": validators.validate_title,
        "priority": validators.validate_priority,
        "tags": validators.normalize_tags,
        "metadata": validators.validate_metadata,
        "category": _resolve_category,
        "description": validators.normalize_text,
        "external_id": lambda v: v or None,
        "team": lambda v: v,
    }
    for field, value in data.items():
        try:
            cleaned[field] = checks[field](value)
        except ValidationError as exc:
            errors[field] = exc.messages
    if cleaned.get("external_id") and (
        Ticket.objects.filter(external_id=cleaned["external_id"]).exclude(pk=ticket.pk).exists()
    ):
        errors["external_id"] = ["A ticket with this external id already exists."]
    if errors:
        raise ValidationError(errors)

    changes: dict[str, dict[str, Any]] = {}
    for field, new in cleaned.items():
        old = getattr(ticket, field)
        if old != new:
            setattr(ticket, field, new)
            _record(ticket, actor=actor, kind=EventKind.UPDATED, field=field, old=old, new=new)
            changes[field] = {"old": _value(old), "new": _value(new)}
    if changes:
        # The SLA targets follow the priority, and the team (its policy): recomputed from creation.
        sla_fields = sla_services.ticket_sla_apply(ticket=ticket) if {"priority", "team"} & set(changes) else []
        _save(ticket, list(changes) + sla_fields)
        notifications.publish(
            "ticket.updated",
            {"ticket": ticket_payload(ticket), "changes": changes, "actor_id": _actor_id(actor)},
        )
    if status is not None and status != ticket.status:
        ticket = ticket_change_status(ticket=ticket, actor=actor, status=status)
    if has_assignee and _value(assignee) != ticket.assignee_id:
        ticket = ticket_assign(ticket=ticket, actor=actor, assignee=assignee)
    return ticket


@transaction.atomic
def ticket_change_status(*, ticket: Ticket, actor: Actor, status: str, note: str = "") -> Ticket:
    """Move a ticket along its lifecycle (models.ALLOWED_TRANSITIONS). Keeps resolved_at and
    closed_at right: set on entering, cleared on reopening. Setting the current status is a no-op."""
    try:
        validators.validate_status(status)
    except ValidationError as exc:
        raise ValidationError({"status": exc.messages}) from exc
    ticket = _lock(ticket)
    old = ticket.status
    if status == old:
        return ticket
    try:
        validators.validate_transition(old, status)
    except ValidationError as exc:
        raise ValidationError({"status": exc.messages}, code="invalid_transition") from exc
    now = timezone.now()
    ticket.status = status
    fields = ["status"]
    if status == Status.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    elif status == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            fields.append("resolved_at")
    if old in (Status.RESOLVED, Status.CLOSED) and status not in (Status.RESOLVED, Status.CLOSED):
        ticket.resolved_at = None
        ticket.closed_at = None
        fields += ["resolved_at", "closed_at"]
    fields += sla_services.ticket_sla_status_changed(ticket=ticket, old=old, new=status, actor=actor, now=now)
    _save(ticket, sorted(set(fields)))
    _record(ticket, actor=actor, kind=EventKind.STATUS_CHANGED, field="status", old=old, new=status, note=note)
    notifications.publish(
        "ticket.status_changed",
        {"ticket": ticket_payload(ticket), "old_status": old, "new_status": status, "actor_id": _actor_id(actor)},
    )
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, actor: Actor, assignee: AbstractBaseUser | None, note: str = "") -> Ticket:
    """Give the ticket to an agent (or take it back to the queue with None). `note` goes on the event."""
    if assignee is not None and not is_agent(assignee):
        raise ValidationError({"assignee": ["Tickets can only be assigned to agents."]}, code="not_an_agent")
    ticket = _lock(ticket)
    old_id = ticket.assignee_id
    new_id = assignee.pk if assignee is not None else None
    if old_id == new_id:
        return ticket
    ticket.assignee = assignee
    _save(ticket, ["assignee"])
    _record(ticket, actor=actor, kind=EventKind.ASSIGNED, field="assignee", old=old_id, new=new_id, note=note)
    notifications.publish(
        "ticket.assigned",
        {
            "ticket": ticket_payload(ticket),
            "old_assignee_id": old_id,
            "assignee_id": new_id,
            "actor_id": _actor_id(actor),
        },
    )
    return ticket


@transaction.atomic
def ticket_assign_by_strategy(*, ticket: Ticket, actor: Actor, strategy: str | None = None) -> Ticket:
    """Assign the ticket to an agent of its team chosen by `strategy` (None: the team's own; see
    agents/assignment.py). Refused with a 409 when the ticket has no team, is resolved or closed,
    or nobody in the team can take it (every member unavailable, at capacity or a viewer)."""
    if strategy is not None and strategy not in AssignmentStrategy.values:
        choices = ", ".join(AssignmentStrategy.values)
        raise ValidationError(
            {"strategy": [f"'{strategy}' is not a valid strategy; use one of: {choices}."]}, code="invalid_strategy"
        )
    ticket = _lock(ticket)
    if ticket.team_id is None:
        raise ApplicationError(
            "This ticket has no team to assign it from; set its team first.", code="no_team", http_status=409
        )
    if not ticket.is_active:
        raise ApplicationError(
            f"A {ticket.status} ticket is not assigned by strategy; reopen it first.",
            code="ticket_not_active",
            http_status=409,
        )
    agent = pick_agent(
        team_id=ticket.team_id,
        strategy=strategy,
        priority=ticket.priority,
        category_slug=ticket.category.slug if ticket.category_id else None,
        ticket_id=ticket.pk,
    )
    if agent is None:
        raise ApplicationError(
            "No agent of this ticket's team is available to take it: every member is unavailable, "
            "at capacity or read-only. It stays in the queue.",
            code="no_agent_available",
            extra={"team": ticket.team_id},
            http_status=409,
        )
    return ticket_assign(
        ticket=ticket, actor=actor, assignee=agent.user, note=f"Assigned with the {strategy or 'team'} strategy."
    )


def _auto_assign(ticket: Ticket) -> Ticket:
    """On creation: the team's strategy picks an agent when the team auto-assigns this priority.
    Nobody available leaves the ticket in the queue. The system is the actor."""
    team = ticket.team
    priorities = team.auto_assign_priorities if team is not None else None
    if not isinstance(priorities, list) or ticket.priority not in priorities:
        return ticket
    agent = pick_agent(
        team_id=team.pk,
        priority=ticket.priority,
        category_slug=ticket.category.slug if ticket.category_id else None,
    )
    if agent is None:
        return ticket
    return ticket_assign(
        ticket=ticket, actor=None, assignee=agent.user, note=f"Auto-assigned on creation ({team.assignment_strategy})."
    )


@transaction.atomic
def ticket_delete(*, ticket: Ticket, actor: Actor) -> None:
    payload = ticket_payload(ticket)
    ticket.delete()
    notifications.publish("ticket.deleted", {"ticket": payload, "actor_id": _actor_id(actor)})


# --- comments and attachments ------------------------------------------------------------------


@transaction.atomic
def comment_add(
    *,
    ticket: Ticket,
    body: str,
    actor: Actor = None,
    customer: Customer | None = None,
    is_internal: bool = False,
    channel: str = Channel.WEB,
    email_message_id: str = "",
    files: Sequence[UploadedFile] = (),
) -> Comment:
    """Add a public reply or an internal note, with its files (`files`: each checked against the
    size and type limits first, so one bad file refuses the whole message, naming the file).

    - `actor` an agent: an agent reply (or note). `customer` (with or without a portal `actor`):
      a customer reply, never internal.
    - A customer reply on a pending or resolved ticket reopens it.
    - The outbox event lists the files, so a public reply's email carries them.
    """
    try:
        body = validators.validate_body(body)
    except ValidationError as exc:
        raise ValidationError({"body": exc.messages}) from exc
    validators.validate_attachments(files)
    from_agent = customer is None and is_agent(actor)
    if customer is None and not from_agent:
        raise ApplicationError("Only agents or the ticket's customer can comment.", code="forbidden", http_status=403)
    if is_internal and not from_agent:
        raise ValidationError({"is_internal": ["Customers cannot write internal notes."]}, code="internal_by_customer")

    ticket = _lock(ticket)
    comment = Comment.objects.create(
        ticket=ticket,
        author=actor if actor is not None and actor.is_authenticated else None,
        customer=customer,
        body=body,
        is_internal=is_internal,
        channel=channel,
        email_message_id=email_message_id,
    )
    _record(
        ticket,
        actor=actor,
        kind=EventKind.COMMENTED,
        new={"comment_id": comment.pk, "is_internal": is_internal},
    )
    attachments = []
    for upload in files:
        try:
            attachments.append(attachment_add(ticket=ticket, file=upload, actor=actor, comment=comment))
        except ValidationError as exc:
            raise ValidationError({"files": [f"{upload.name}: {' '.join(exc.messages)}"]}) from exc
    fields: list[str] = []
    if from_agent and not is_internal and ticket.first_responded_at is None:
        ticket.first_responded_at = comment.created_at
        fields.append("first_responded_at")
    if fields:
        _save(ticket, fields)
    else:
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    notifications.publish(
        "ticket.comment_added",
        {
            "ticket": ticket_payload(ticket),
            "comment": {
                "id": comment.pk,
                "body": comment.body,
                "is_internal": comment.is_internal,
                "author_id": comment.author_id,
                "customer_id": comment.customer_id,
                "from_customer": customer is not None,
                "channel": comment.channel,
                "created_at": comment.created_at,
                "attachments": [attachment_payload(a) for a in attachments],
            },
            "actor_id": _actor_id(actor),
        },
    )
    if customer is not None and ticket.status in (Status.PENDING, Status.RESOLVED):
        ticket_change_status(ticket=ticket, actor=actor, status=Status.OPEN, note="Reopened by a customer reply.")
    return comment


@transaction.atomic
def attachment_add(*, ticket: Ticket, file: UploadedFile, actor: Actor, comment: Comment | None = None) -> Attachment:
    content_type = getattr(file, "content_type", None) or "application/octet-stream"
    try:
        validators.validate_attachment(size=file.size or 0, content_type=content_type)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    attachment = Attachment.objects.create(
        ticket=ticket,
        comment=comment,
        file=file,
        filename=(file.name or "file")[:255],
        content_type=content_type,
        size=file.size or 0,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _record(
        ticket, actor=actor, kind=EventKind.ATTACHED, new={"attachment_id": attachment.pk, "name": attachment.filename}
    )
    return attachment


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    """An attachment in outbox events: `file` is its name on the default storage (the email
    sender reads it from there)."""
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "file": attachment.file.name,
    }


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
        {"source_id": source_id, "target_id": target.pk, "ticket_ids": tickets, "actor_id": _actor_id(actor)},
    )
    return target
