"""The action language of triggers and automations, and how a trigger applies it to one ticket:
through the ordinary services, so every change is an audited event (named after the rule, see
tickets/changes.py rule_applying), locked and published like any other.

    [{"action": "set_status", "value": "open"}, {"action": "add_tags", "value": ["vip"]},
     {"action": "add_note", "value": "Routed by rule."}, {"action": "assign_by_strategy"}, ...]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

import notifications
from agents.models import Team, User
from agents.selectors import is_agent
from tickets import comments, services, validators
from tickets.conditions import PRIORITIES, STATUSES
from tickets.events import ticket_payload
from tickets.macros.services import macro_changes, macro_render, validate_macro_body
from tickets.models import NEXT_PRIORITY, Category, Macro, Ticket


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str
    takes: (
        str  # "status" | "priority" | "team" | "category" | "user" | "tags" | "text" | "macro" | "event" | "email" | ""
    )
    contexts: frozenset[str] = frozenset({"trigger", "automation"})


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("set_status", "Set status", "status"),
        ActionSpec("set_priority", "Set priority", "priority"),
        ActionSpec("escalate", "Raise priority one step and mark escalated", ""),
        ActionSpec("set_team", "Set team", "team"),
        ActionSpec("set_category", "Set category", "category"),
        ActionSpec("assign", "Assign to an agent", "user"),
        ActionSpec("assign_by_strategy", "Assign with the team's strategy", "", frozenset({"trigger"})),
        ActionSpec("unassign", "Unassign", ""),
        ActionSpec("add_tags", "Add tags", "tags"),
        ActionSpec("remove_tags", "Remove tags", "tags"),
        ActionSpec("add_note", "Add an internal note", "text"),
        ActionSpec("apply_macro", "Apply a macro", "macro", frozenset({"trigger"})),
        ActionSpec("publish_event", "Publish a webhook event (ticket.rule_event, with this name)", "event"),
        ActionSpec("send_email", "Email the customer, the assignee, the team or an address", "email"),
    )
}
EVENT_NAME_MAX = 60
EMAIL_TO = ("customer", "assignee", "team", "address")
SUBJECT_MAX = 200


def _check_email(value: Any, where: str) -> dict[str, str]:
    """{"to": customer|assignee|team|address, "address" (for address), "subject", "body"}; subject
    and body may use the macro placeholders ({{ customer_name }}, {{ ticket_reference }}, ...)."""
    if not isinstance(value, Mapping):
        raise ValidationError(f'{where}: {{"to", "subject", "body"}} (and "address" when to is address).')
    to = value.get("to")
    if to not in EMAIL_TO:
        raise ValidationError(f"{where}: to must be one of {', '.join(EMAIL_TO)}.")
    cleaned = {"to": to}
    if to == "address":
        address = str(value.get("address") or "").strip()
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError(f"{where}: address {address!r} is not an email address.") from exc
        cleaned["address"] = address
    for part, limit in (("subject", SUBJECT_MAX), ("body", None)):
        text = value.get(part)
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(f"{where}: the email needs a {part}.")
        text = " ".join(text.split()) if part == "subject" else validators.normalize_text(text)
        if limit is not None and len(text) > limit:
            raise ValidationError(f"{where}: the subject is at most {limit} characters.")
        try:
            validate_macro_body(text)
        except ValidationError as exc:
            raise ValidationError(f"{where}: {part}: {' '.join(exc.messages)}") from exc
        cleaned[part] = text
    return cleaned


def _check(spec: ActionSpec, value: Any, where: str) -> Any:  # noqa: C901 - one table
    if spec.takes == "":
        return None
    if spec.takes == "status":
        if value not in STATUSES:
            raise ValidationError(f"{where}: {value!r} is not a status ({', '.join(STATUSES)}).")
    elif spec.takes == "priority":
        if value not in PRIORITIES:
            raise ValidationError(f"{where}: {value!r} is not a priority ({', '.join(PRIORITIES)}).")
    elif spec.takes == "team":
        if not isinstance(value, int) or not Team.objects.filter(pk=value).exists():
            raise ValidationError(f"{where}: no team with id {value!r}.")
    elif spec.takes == "category":
        if value is not None and (not isinstance(value, str) or not Category.objects.filter(slug=value).exists()):
            raise ValidationError(f"{where}: no category with slug {value!r}.")
    elif spec.takes == "user":
        user = User.objects.filter(pk=value).first() if isinstance(value, int) else None
        if user is None or not is_agent(user):
            raise ValidationError(f"{where}: {value!r} is not an agent's user id.")
    elif spec.takes == "tags":
        try:
            value = validators.normalize_tags(value)
        except ValidationError as exc:
            raise ValidationError(f"{where}: {' '.join(exc.messages)}") from exc
        if not value:
            raise ValidationError(f"{where}: name at least one tag.")
    elif spec.takes == "text":
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{where}: the note needs a text.")
        value = validators.normalize_text(value)
    elif spec.takes == "macro":
        if (
            not isinstance(value, int)
            or not Macro.objects.filter(pk=value, owner__isnull=True, is_active=True).exists()
        ):
            raise ValidationError(f"{where}: {value!r} is not an active shared macro's id.")
    elif spec.takes == "email":
        value = _check_email(value, where)
    elif spec.takes == "event":
        if not isinstance(value, str) or not value.strip() or len(value) > EVENT_NAME_MAX:
            raise ValidationError(f"{where}: the event needs a name of 1-{EVENT_NAME_MAX} characters.")
        value = value.strip()
    return value


def validate_actions(value: Any, *, context: str) -> list[dict[str, Any]]:
    """The normalised actions, or a ValidationError naming the position and the action."""
    if not isinstance(value, list) or not value:
        raise ValidationError('A rule needs at least one action (a list of {"action", "value"}).')
    cleaned: list[dict[str, Any]] = []
    for index, item in enumerate(value, start=1):
        where = f"action #{index}"
        if not isinstance(item, Mapping) or "action" not in item:
            raise ValidationError(f'{where}: an action is {{"action", "value"}}.')
        spec = ACTIONS.get(str(item["action"]))
        if spec is None:
            raise ValidationError(f"{where}: unknown action {item['action']!r}; use one of: {', '.join(ACTIONS)}.")
        where = f"{where} ({spec.name})"
        if context not in spec.contexts:
            raise ValidationError(f"{where}: not available in {context}s.")
        checked = _check(spec, item.get("value"), where)
        cleaned.append({"action": spec.name} if spec.takes == "" else {"action": spec.name, "value": checked})
    return cleaned


# --- describing and planning (dry run, explain) -----------------------------------------------------


def describe(action: Mapping[str, Any]) -> str:
    spec = ACTIONS[action["action"]]
    value: Any = action.get("value")
    if spec.takes == "":
        return spec.label
    if spec.takes == "email" and isinstance(value, Mapping):
        return f"Email {value.get('address') or value.get('to')}: {value.get('subject')}"
    if isinstance(value, list):
        value = ", ".join(map(str, value))
    return f"{spec.label}: {value}"


def _tags_after(tags: list[str], name: str, value: list[str]) -> list[str]:
    if name == "remove_tags":
        return [t for t in tags if t not in value]
    return tags + [t for t in value if t not in tags]


def _plan_one(name: str, value: Any, ticket: Ticket) -> str | None:
    if name == "set_status" and value != ticket.status:
        refused = "" if ticket.can_transition_to(value) else " refused (not an allowed transition)"
        return f"status {ticket.status} → {value}{refused}"
    if name == "set_priority" and value != ticket.priority:
        return f"priority {ticket.priority} → {value}"
    if name == "escalate":
        return f"escalated, priority {ticket.priority} → {NEXT_PRIORITY[ticket.priority]}"
    if name == "set_team" and value != ticket.team_id:
        return f"team {ticket.team_id} → {value}"
    current = ticket.category.slug if ticket.category is not None else None
    if name == "set_category" and value != current:
        return f"category {current} → {value}"
    if name == "assign" and value != ticket.assignee_id:
        return f"assignee {ticket.assignee_id} → {value}"
    if name == "unassign" and ticket.assignee_id is not None:
        return f"assignee {ticket.assignee_id} → none"
    return None


def planned_changes(actions: list[Mapping[str, Any]], ticket: Ticket) -> list[str]:
    """What the actions would change on this ticket, in words (nothing is written)."""
    words: list[str] = []
    tags = list(ticket.tags)
    for action in actions:
        name = action["action"]
        value: Any = action.get("value")
        if name in ("add_tags", "remove_tags"):
            new = _tags_after(tags, name, value)
            if new != tags:
                words.append(f"tags {', '.join(tags) or '(none)'} → {', '.join(new) or '(none)'}")
                tags = new
        elif name in ("assign_by_strategy", "add_note", "apply_macro", "publish_event", "send_email"):
            words.append(describe(action))
        else:
            said = _plan_one(name, value, ticket)
            if said:
                words.append(said)
    return words


# --- applying on one ticket (triggers) -----------------------------------------------------------------


def _apply_macro(ticket: Ticket, value: int, rule: str) -> Ticket:
    macro = Macro.objects.select_related("set_team", "set_assignee").get(pk=value)
    text = macro_render(macro=macro, ticket=ticket, actor=None)
    if text:
        comments.system_comment_add(ticket=ticket, body=text, is_internal=macro.is_internal)
    changes, _ = macro_changes(macro=macro, ticket=ticket)
    return services.ticket_update(ticket=ticket, actor=None, data=changes) if changes else ticket


def _publish(ticket: Ticket, value: str, rule: str) -> Ticket:
    ticket.refresh_from_db()
    notifications.publish(
        "ticket.rule_event", {"name": value, "rule": rule, "ticket": ticket_payload(ticket), "actor_id": None}
    )
    return ticket


def _email(ticket: Ticket, value: dict[str, str], rule: str) -> Ticket:
    """Through the outbox like every mail: tickets/recipients.py finds the address and renders the
    placeholders when it is sent."""
    ticket.refresh_from_db()
    notifications.publish(
        "ticket.rule_email", {"email": value, "rule": rule, "ticket": ticket_payload(ticket), "actor_id": None}
    )
    return ticket


def _note(ticket: Ticket, value: str, rule: str) -> Ticket:
    comments.system_comment_add(ticket=ticket, body=value, is_internal=True)
    return ticket


APPLY: dict[str, Any] = {
    "set_status": lambda t, v, rule: services.ticket_change_status(ticket=t, actor=None, status=v, note=rule),
    "set_priority": lambda t, v, rule: services.ticket_update(ticket=t, actor=None, data={"priority": v}),
    "escalate": lambda t, v, rule: services.ticket_escalate(ticket=t, actor=None, reason=rule, rule=rule),
    "set_team": lambda t, v, rule: services.ticket_update(ticket=t, actor=None, data={"team": Team.objects.get(pk=v)}),
    "set_category": lambda t, v, rule: services.ticket_update(ticket=t, actor=None, data={"category": v or ""}),
    "assign": lambda t, v, rule: services.ticket_assign(
        ticket=t, actor=None, assignee=User.objects.get(pk=v), note=rule
    ),
    "unassign": lambda t, v, rule: services.ticket_assign(ticket=t, actor=None, assignee=None, note=rule),
    "assign_by_strategy": lambda t, v, rule: services.ticket_assign_by_strategy(ticket=t, actor=None),
    "add_tags": lambda t, v, rule: services.ticket_update(
        ticket=t, actor=None, data={"tags": _tags_after(t.tags, "add_tags", v)}
    ),
    "remove_tags": lambda t, v, rule: services.ticket_update(
        ticket=t, actor=None, data={"tags": _tags_after(t.tags, "remove_tags", v)}
    ),
    "add_note": _note,
    "apply_macro": _apply_macro,
    "publish_event": _publish,
    "send_email": _email,
}


def apply(actions: list[Mapping[str, Any]], ticket: Ticket, *, rule: str) -> Ticket:
    """Apply `actions` in order to `ticket` through the services (actor: the system). A refused
    change raises, and the originating change rolls back with it."""
    for action in actions:
        ticket = APPLY[action["action"]](ticket, action.get("value"), rule)
    return ticket
