"""Every state change of a ticket: create, update, status, assignment, delete. Each one locks the row,
validates, saves, records a TicketEvent and publishes to the outbox in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

import notifications
from agents.models import AssignmentStrategy, Team, User
from agents.selectors import assignee_refusal, is_agent
from config.exceptions import ApplicationError
from config.services import fields_refuse_unknown, model_update
from customers.models import Customer
from customers.services import customer_get_or_create
from tickets import validators
from tickets.assignment import pick_agent
from tickets.audit import actor_id, event_record, event_value, ticket_lock, ticket_save
from tickets.changes import change_note, change_scope
from tickets.classification import classify, resolve_category
from tickets.custom_fields import custom_fields_merge
from tickets.events import ticket_payload
from tickets.models import (
    NEXT_PRIORITY,
    PRIORITY_RANK,
    Category,
    Channel,
    EventKind,
    Priority,
    Status,
    Ticket,
    TicketType,
)
from tickets.required_fields import status_requirements
from tickets.sla import services as sla_services
from tickets.sla.selection import SLA_INPUTS
from tickets.ticket_types import ticket_type_resolve

Actor = User | None

# Fields ticket_update may change; status goes through ticket_change_status, the assignee
# through ticket_assign.

UPDATABLE_FIELDS = (
    "title",
    "description",
    "priority",
    "category",
    "ticket_type",
    "custom_fields",
    "tags",
    "metadata",
    "team",
    "external_id",
)


def _route_team(category: Category | None) -> Team | None:
    """The team a new ticket lands with: its category's team, else the default team."""
    if category is not None and category.team_id:
        return category.team
    return Team.objects.filter(is_default=True).first()


# --- tickets ---------------------------------------------------------------------------------


@transaction.atomic
@change_scope
def ticket_create(
    *,
    actor: Actor,
    title: str,
    description: str = "",
    priority: str = Priority.MEDIUM,
    category: Category | str | None = None,
    ticket_type: TicketType | str | None = None,
    custom_fields: dict[str, Any] | None = None,
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
    checks: tuple[tuple[str, Callable[[Any], Any], Any], ...] = (
        ("title", validators.validate_title, title),
        ("priority", validators.validate_priority, priority),
        ("tags", validators.normalize_tags, tags),
        ("metadata", validators.validate_metadata, metadata),
    )
    for field, check, value in checks:
        try:
            cleaned[field] = check(value)
        except ValidationError as exc:
            errors[field] = exc.messages
    errors.update(
        classify(cleaned, category=category, ticket_type=ticket_type, custom_fields=custom_fields, actor=actor)
    )
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
    assert customer is not None  # given, found or created; otherwise customer_email was an error above

    ticket = Ticket(
        title=cleaned["title"],
        description=validators.normalize_text(description),
        priority=cleaned["priority"],
        category=cleaned["category"],
        ticket_type=cleaned["ticket_type"],
        custom_fields=cleaned.get("custom_fields") or {},
        tags=cleaned["tags"],
        metadata=cleaned["metadata"],
        external_id=external_id or None,
        channel=channel,
        customer=customer,
        organization_id=customer.organization_id,
        team=team or _route_team(cleaned["category"]),
    )
    sla_services.ticket_sla_apply(ticket=ticket)  # the first matching policy; due times from it
    if ticket.external_id is None:
        ticket.save()
    else:
        try:
            with transaction.atomic():
                ticket.save()
        except IntegrityError as exc:  # a concurrent create took the external id first
            raise ValidationError({"external_id": ["A ticket with this external id already exists."]}) from exc
    # What the database's generated column holds (the same table), without reading the row back.
    ticket.priority_rank = PRIORITY_RANK.get(ticket.priority, 0)
    sla_services.ticket_sla_log_start(ticket=ticket)  # its SLA clocks started (the event log)
    event_record(ticket, actor=actor, kind=EventKind.CREATED, new=ticket.status)
    change_note(ticket, event="created", actor=actor)
    notifications.publish("ticket.created", {"ticket": ticket_payload(ticket), "actor_id": actor_id(actor)})
    return _auto_assign(ticket)


@transaction.atomic
@change_scope
def ticket_update(
    *, ticket: Ticket, actor: Actor, data: dict[str, Any], expected_version: int | Collection[int] | None = None
) -> Ticket:
    """Change ticket fields; each changed field is recorded as an event. `status` and
    `assignee` in `data` are handed to ticket_change_status / ticket_assign. With
    `expected_version` (what the caller read, e.g. an API `If-Match`), a ticket changed since is
    refused with a 412 under the row lock."""
    ticket = ticket_lock(ticket, expected_version=expected_version)
    data = dict(data)
    status = data.pop("status", None)
    has_assignee = "assignee" in data
    assignee = data.pop("assignee", None)
    fields_refuse_unknown(data, UPDATABLE_FIELDS)

    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    checks = {
        "title": validators.validate_title,
        "priority": validators.validate_priority,
        "tags": validators.normalize_tags,
        "metadata": validators.validate_metadata,
        "category": resolve_category,
        "ticket_type": ticket_type_resolve,
        "custom_fields": lambda v: v,
        "description": validators.normalize_text,
        "external_id": lambda v: v or None,
        "team": lambda v: v,
    }
    for field, value in data.items():
        try:
            cleaned[field] = checks[field](value)
        except ValidationError as exc:
            errors[field] = exc.messages
    if "custom_fields" in cleaned and not errors:  # checked against the category and type it will have
        try:
            cleaned["custom_fields"] = custom_fields_merge(
                current=ticket.custom_fields,
                changes=cleaned["custom_fields"],
                category_id=getattr(cleaned.get("category", ticket.category), "pk", None),
                ticket_type_id=getattr(cleaned.get("ticket_type", ticket.ticket_type), "pk", None),
                customer_only=actor is not None and not is_agent(actor),
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if cleaned.get("external_id") and (
        Ticket.objects.filter(external_id=cleaned["external_id"]).exclude(pk=ticket.pk).exists()
    ):
        errors["external_id"] = ["A ticket with this external id already exists."]
    if errors:
        raise ValidationError(errors)

    changes: dict[str, dict[str, Any]] = {}
    rule_changes: dict[str, tuple[Any, Any]] = {}  # as conditions see them: a category by its slug
    ticket, diff = model_update(instance=ticket, data=cleaned, save=False)
    for field, (old, new) in diff.items():
        event_record(ticket, actor=actor, kind=EventKind.UPDATED, field=field, old=old, new=new)
        changes[field] = {"old": event_value(old), "new": event_value(new)}
        by_slug = field in ("category", "ticket_type")
        as_rule = (lambda c: c.slug if c is not None else None) if by_slug else event_value
        rule_changes[field] = (as_rule(old), as_rule(new))
    if changes:
        change_note(ticket, event="updated", actor=actor, changes=rule_changes)
        # The policy (first match) and its targets follow the fields policies test: replayed from the log.
        sla_fields = sla_services.ticket_sla_apply(ticket=ticket) if SLA_INPUTS & set(changes) else []
        ticket_save(ticket, list(changes) + sla_fields)
        notifications.publish(
            "ticket.updated",
            {"ticket": ticket_payload(ticket), "changes": changes, "actor_id": actor_id(actor)},
        )
    if status is not None and status != ticket.status:
        ticket = ticket_change_status(ticket=ticket, actor=actor, status=status)
    if has_assignee and event_value(assignee) != ticket.assignee_id:
        ticket = ticket_assign(ticket=ticket, actor=actor, assignee=assignee)
    return ticket


@transaction.atomic
@change_scope
def ticket_change_status(*, ticket: Ticket, actor: Actor, status: str, note: str = "") -> Ticket:
    """Move a ticket along its lifecycle (models.ALLOWED_TRANSITIONS). Keeps resolved_at and
    closed_at right: set on entering, cleared on reopening. Setting the current status is a no-op.
    Custom fields required for the status hold as tickets/required_fields.py says."""
    try:
        validators.validate_status(status)
    except ValidationError as exc:
        raise ValidationError({"status": exc.messages}) from exc
    ticket = ticket_lock(ticket)
    old = ticket.status
    if status == old:
        return ticket
    try:
        validators.validate_transition(old, status)
    except ValidationError as exc:
        raise ValidationError({"status": exc.messages}, code="invalid_transition") from exc
    skipped, left_empty = status_requirements(ticket, old=old, status=status, actor=actor)  # required fields
    if skipped:
        return ticket
    note = " ".join(filter(None, (note, left_empty)))
    now = timezone.now()
    ticket.status = status
    ticket.status_changed_at = now
    fields = ["status", "status_changed_at"]
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
    ticket_save(ticket, sorted(set(fields)))
    event_record(ticket, actor=actor, kind=EventKind.STATUS_CHANGED, field="status", old=old, new=status, note=note)
    change_note(ticket, event="status_changed", actor=actor, changes={"status": (old, status)})
    notifications.publish(
        "ticket.status_changed",
        {"ticket": ticket_payload(ticket), "old_status": old, "new_status": status, "actor_id": actor_id(actor)},
    )
    return ticket


@transaction.atomic
@change_scope
def ticket_assign(
    *,
    ticket: Ticket,
    actor: Actor,
    assignee: User | None,
    note: str = "",
    expected_version: int | Collection[int] | None = None,
) -> Ticket:
    """Give the ticket to an agent (or take it back to the queue with None). `note` goes on the
    event. With `expected_version` (what the caller read, e.g. an API `If-Match`), a ticket changed since is
    refused with a 412 under the row lock."""
    ticket = ticket_lock(ticket, expected_version=expected_version)
    refusal = assignee_refusal(assignee) if assignee is not None else None
    if refusal is not None:
        raise ValidationError({"assignee": [refusal]}, code="not_an_agent")
    old_id = ticket.assignee_id
    new_id = assignee.pk if assignee is not None else None
    if old_id == new_id:
        return ticket
    ticket.assignee = assignee
    ticket_save(ticket, ["assignee"])
    event_record(ticket, actor=actor, kind=EventKind.ASSIGNED, field="assignee", old=old_id, new=new_id, note=note)
    change_note(ticket, event="assigned", actor=actor, changes={"assignee": (old_id, new_id)})
    notifications.publish(
        "ticket.assigned",
        {
            "ticket": ticket_payload(ticket),
            "old_assignee_id": old_id,
            "assignee_id": new_id,
            "actor_id": actor_id(actor),
        },
    )
    return ticket


@transaction.atomic
@change_scope
def ticket_assign_by_strategy(
    *, ticket: Ticket, actor: Actor, strategy: str | None = None, expected_version: int | Collection[int] | None = None
) -> Ticket:
    """Assign the ticket to an agent of its team chosen by `strategy` (None: the team's own; see
    tickets/assignment.py). Refused with a 409 when the ticket has no team, is resolved or closed,
    or nobody in the team can take it (every member unavailable, at capacity or a viewer)."""
    ticket = ticket_lock(ticket, expected_version=expected_version)
    if strategy is not None and strategy not in AssignmentStrategy.values:
        choices = ", ".join(AssignmentStrategy.values)
        raise ValidationError(
            {"strategy": [f"'{strategy}' is not a valid strategy; use one of: {choices}."]}, code="invalid_strategy"
        )
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
        category_slug=ticket.category.slug if ticket.category is not None else None,
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
    if team is None or not isinstance(priorities, list) or ticket.priority not in priorities:
        return ticket
    agent = pick_agent(
        team_id=team.pk,
        priority=ticket.priority,
        category_slug=ticket.category.slug if ticket.category is not None else None,
    )
    if agent is None:
        return ticket
    return ticket_assign(
        ticket=ticket, actor=None, assignee=agent.user, note=f"Auto-assigned on creation ({team.assignment_strategy})."
    )


@transaction.atomic
@change_scope
def ticket_escalate(*, ticket: Ticket, actor: Actor, reason: str, rule: str | None = None) -> Ticket:
    """Raise the ticket one priority (critical stays critical) and mark it escalated, as the escalation
    scan does for many at once: an `escalated` event and `ticket.escalated` (`rule`: the trigger, None for
    an agent). Due times are kept (a tighter target would only re-breach a breached ticket)."""
    ticket = ticket_lock(ticket)
    old = ticket.priority
    ticket.priority = NEXT_PRIORITY[old]
    ticket.escalated = True
    ticket.escalated_at = timezone.now()
    ticket_save(ticket, ["priority", "escalated", "escalated_at"])
    event_record(
        ticket, actor=actor, kind=EventKind.ESCALATED, field="priority", old=old, new=ticket.priority, note=reason
    )
    change_note(ticket, event="updated", actor=actor, changes={"priority": (old, ticket.priority)})
    notifications.publish(
        "ticket.escalated",
        {
            "ticket": ticket_payload(ticket),
            "team_lead_id": ticket.team.lead_id if ticket.team is not None else None,
            "rule": rule,
            "reason": reason,
            "old_priority": old,
            "new_priority": ticket.priority,
            "actor_id": actor_id(actor),
        },
    )
    return ticket


@transaction.atomic
def ticket_delete(*, ticket: Ticket, actor: Actor, expected_version: int | Collection[int] | None = None) -> None:
    """Delete the ticket (its comments, attachments and events go with it). With
    `expected_version` (what the caller read, e.g. an API `If-Match`), a ticket changed since is
    refused with a 412 under the row lock."""
    ticket = ticket_lock(ticket, expected_version=expected_version)
    payload = ticket_payload(ticket)
    ticket.delete()
    notifications.publish("ticket.deleted", {"ticket": payload, "actor_id": actor_id(actor)})
