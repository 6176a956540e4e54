"""Custom fields required per status (e.g. "resolution code" to resolve): who is held to them.

- An agent (the admin, the API, the ticket page, bulk actions, closing a parent's children) is held
  to every required field that applies to the ticket: the change is refused with a 400 naming each
  empty field (`custom_fields.<key>`).
- A customer (the portal, the API) is held only to the required fields shown to customers, which
  they can fill in the same request (the portal's close form asks them). A field only agents see
  never blocks a customer: the close goes through, and the status event's note names the fields
  left empty so an agent can fill them afterwards.
- A rule (a trigger or an automation, actor None while a rule is applying) cannot fill a field, so
  it never writes a status the ticket may not have: that one status change is skipped, the
  skip is recorded on the ticket as a `rule_skipped` event naming the rule, the status it would
  have set and the empty fields, and the rule's other actions still apply. An automation records
  its firing as usual, so it does not retry (and re-record the skip) on every run; once an agent
  fills the field, they set the status themselves.
- Anything else without an actor (a script, a task) is refused like an agent.
- A merge closes its source without this check: the source's conversation now lives on the target,
  whose own fields are what count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from agents.selectors import CUSTOMER_ROLE, user_role
from tickets.audit import event_record
from tickets.changes import current_rule
from tickets.custom_fields import applies_to, error_key, is_empty
from tickets.models import Category, CustomField, EventKind, Ticket, TicketType


@dataclass
class StatusCheck:
    """What the required fields say about moving a ticket to a status, for one kind of actor."""

    blocking: dict[str, list[str]] = field(default_factory=dict)  # {custom_fields.<key>: [reason]}
    left_empty: list[str] = field(default_factory=list)  # labels not enforced on this actor


def required_for(status: str) -> list[CustomField]:
    """The active fields required for `status`, with their scopes (one query when none is
    required anywhere; three when some field is)."""
    some = CustomField.objects.filter(is_active=True).exclude(required_statuses=[]).only("pk", "required_statuses")
    candidates = [f.pk for f in some if status in (f.required_statuses or [])]
    if not candidates:
        return []
    return list(
        CustomField.objects.filter(pk__in=candidates).prefetch_related(
            Prefetch("categories", queryset=Category.objects.only("pk")),
            Prefetch("ticket_types", queryset=TicketType.objects.only("pk")),
        )
    )


def _reason(field: CustomField, status: str) -> str:
    return f"'{field.label}' is required to set the status to {status}."


def _empty_fields(
    fields: Iterable[CustomField], *, values: dict[str, Any] | None, category_id: int | None, ticket_type_id: int | None
) -> list[CustomField]:
    values = values or {}
    return [
        f
        for f in fields
        if applies_to(f, category_id=category_id, ticket_type_id=ticket_type_id) and is_empty(values.get(f.key))
    ]


def required_missing(ticket: Ticket, status: str) -> dict[str, list[str]]:
    """The fields `ticket` must have a value in before it may be in `status`: {custom_fields.<key>: [reason]}."""
    return status_check(ticket, status, customer=False).blocking


def required_empty(ticket: Ticket, status: str, fields: Iterable[CustomField] | None = None) -> list[CustomField]:
    """The fields required for `status` (of `fields`, with their scopes prefetched; default: every
    active field) that apply to `ticket` and are empty on it."""
    if fields is not None:
        fields = [f for f in fields if status in (f.required_statuses or [])]
    return _empty_fields(
        required_for(status) if fields is None else fields,
        values=ticket.custom_fields,
        category_id=ticket.category_id,
        ticket_type_id=ticket.ticket_type_id,
    )


def status_check(ticket: Ticket, status: str, *, customer: bool) -> StatusCheck:
    """The required fields `ticket` lacks for `status`: all of them block an agent, a rule or a
    script; only the customer-visible ones block a customer (`customer`), the rest are `left_empty`."""
    check = StatusCheck()
    for f in required_empty(ticket, status):
        if customer and not f.is_customer_visible:
            check.left_empty.append(f.label)
        else:
            check.blocking[error_key(f.key)] = [_reason(f, status)]
    return check


def status_requirements(ticket: Ticket, *, old: str, status: str, actor: Any) -> tuple[bool, str]:
    """ticket_change_status's check, as the module docstring says: raises the 400 for an agent, a
    customer (their fields only) or a script; for a rule, records the skip and returns (True, "");
    else (False, a note naming the agent-only fields a customer left empty, or "")."""
    check = status_check(ticket, status, customer=user_role(actor) == CUSTOMER_ROLE)
    if check.blocking and actor is None and current_rule():
        note = skip_note(status, check.blocking)
        event_record(ticket, actor=None, kind=EventKind.RULE_SKIPPED, field="status", old=old, new=status, note=note)
        return True, ""
    if check.blocking:
        raise ValidationError(check.blocking, code="required_custom_field")
    return False, f"Left empty for an agent: {', '.join(check.left_empty)}." if check.left_empty else ""


def missing_by_ticket(ids: Iterable[int], status: str) -> dict[int, dict[str, list[str]]]:
    """For a batch of tickets (an automation's): {ticket id: {custom_fields.<key>: [reason]}} for
    those that lack a required field for `status` (one query when no field is required for it)."""
    fields = required_for(status)
    if not fields:
        return {}
    rows = Ticket.objects.filter(pk__in=list(ids)).values_list("pk", "custom_fields", "category_id", "ticket_type_id")
    missing = {}
    for pk, values, category_id, ticket_type_id in rows:
        empty = _empty_fields(fields, values=values, category_id=category_id, ticket_type_id=ticket_type_id)
        if empty:
            missing[pk] = {error_key(f.key): [_reason(f, status)] for f in empty}
    return missing


def skip_note(status: str, missing: dict[str, list[str]]) -> str:
    """The `rule_skipped` event's note: which status was not set, and why."""
    reasons = " ".join(message for messages in missing.values() for message in messages)
    return f"Status not set to {status}: {reasons}"[:255]
