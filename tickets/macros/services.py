"""Rendering and applying macros. Placeholders are plain substitutions (no template language:
a macro author cannot reach anything but the values listed in PLACEHOLDERS)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from config.exceptions import ApplicationError
from tickets import comments, services, validators
from tickets.concurrency import require_writing_agent, ticket_lock_fresh
from tickets.models import Comment, Priority, Status, Ticket
from tickets.models.macros import Macro
from tickets.timeline import person_name

PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
PLACEHOLDERS: dict[str, Callable[[Ticket, Any], str]] = {
    "customer_name": lambda t, agent: t.customer.name or t.customer.email,
    "customer_email": lambda t, agent: t.customer.email,
    "ticket_reference": lambda t, agent: t.reference,
    "ticket_title": lambda t, agent: t.title,
    "agent_name": lambda t, agent: person_name(agent),
}


def validate_macro_body(body: str) -> str:
    unknown = sorted({name for name in PLACEHOLDER_RE.findall(body or "") if name not in PLACEHOLDERS})
    if unknown:
        known = ", ".join("{{ %s }}" % name for name in PLACEHOLDERS)  # noqa: UP031
        raise ValidationError(f"Unknown placeholder(s): {', '.join(unknown)}. Use: {known}.", code="placeholder")
    return body


def macro_render(*, macro: Macro, ticket: Ticket, actor: Any) -> str:
    return PLACEHOLDER_RE.sub(
        lambda m: PLACEHOLDERS[m.group(1)](ticket, actor) if m.group(1) in PLACEHOLDERS else m.group(0), macro.body
    ).strip()


@dataclass
class MacroPreview:
    body: str
    is_internal: bool
    actions: list[str] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"body": self.body, "is_internal": self.is_internal, "actions": self.actions}


def macro_changes(*, macro: Macro, ticket: Ticket) -> tuple[dict[str, Any], list[str]]:
    """The field changes the macro makes on this ticket (for ticket_update) and the same in words."""
    changes: dict[str, Any] = {}
    words: list[str] = []
    if macro.set_status and macro.set_status != ticket.status:
        changes["status"] = macro.set_status
        words.append(f"status → {Status(macro.set_status).label.lower()}")
    if macro.set_priority and macro.set_priority != ticket.priority:
        changes["priority"] = macro.set_priority
        words.append(f"priority → {Priority(macro.set_priority).label.lower()}")
    if macro.set_team_id and macro.set_team_id != ticket.team_id:
        changes["team"] = macro.set_team
        words.append(f"team → {macro.set_team.name}")
    if macro.set_assignee_id and macro.set_assignee_id != ticket.assignee_id:
        changes["assignee"] = macro.set_assignee
        words.append(f"assign {person_name(macro.set_assignee)}")
    tags = [t for t in ticket.tags if t not in (macro.remove_tags or [])]
    tags += [t for t in (macro.add_tags or []) if t not in tags]
    if tags != list(ticket.tags):
        changes["tags"] = tags
        added = [t for t in tags if t not in ticket.tags]
        removed = [t for t in ticket.tags if t not in tags]
        if added:
            words.append(f"add tags {', '.join(added)}")
        if removed:
            words.append(f"remove tags {', '.join(removed)}")
    return changes, words


def macro_preview(*, macro: Macro, ticket: Ticket, actor: Any) -> MacroPreview:
    changes, words = macro_changes(macro=macro, ticket=ticket)
    return MacroPreview(
        body=macro_render(macro=macro, ticket=ticket, actor=actor),
        is_internal=macro.is_internal,
        actions=words,
        changes=changes,
    )


def _require_usable(macro: Macro, actor: AbstractBaseUser) -> None:
    if not macro.is_usable_by(actor):
        raise ApplicationError("No such macro.", code="not_found", http_status=404)


@transaction.atomic
def macro_apply(
    *,
    macro: Macro,
    ticket: Ticket,
    actor: AbstractBaseUser,
    body: str | None = None,
    expected_version: int | None = None,
    seen_event_id: int | None = None,
    if_match: Collection[int] | None = None,
) -> tuple[Ticket, Comment | None]:
    """Apply a macro: its reply or note first (the rendered body, or `body` when the agent edited
    the preview), then its field changes through ticket_update: every change is an ordinary
    audited event, and a refused change (a forbidden transition) rolls the whole macro back."""
    require_writing_agent(actor)
    _require_usable(macro, actor)
    locked = ticket_lock_fresh(
        ticket=ticket, expected_version=expected_version, seen_event_id=seen_event_id, if_match=if_match
    )
    text = macro_render(macro=macro, ticket=locked, actor=actor) if body is None else validators.normalize_text(body)
    comment = None
    if text:
        comment = comments.comment_add(ticket=locked, actor=actor, body=text, is_internal=macro.is_internal)
    changes, _ = macro_changes(macro=macro, ticket=locked)
    if changes:
        locked = services.ticket_update(ticket=locked, actor=actor, data=changes)
    return locked, comment


@transaction.atomic
def macro_save(*, macro: Macro, actor: AbstractBaseUser) -> Macro:
    """Create or change a macro (the admin): placeholders and tags checked, body normalised."""
    errors: dict[str, list[str]] = {}
    try:
        macro.body = validate_macro_body(validators.normalize_text(macro.body))
    except ValidationError as exc:
        errors["body"] = exc.messages
    for name in ("add_tags", "remove_tags"):
        try:
            setattr(macro, name, validators.normalize_tags(getattr(macro, name)))
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    macro.save()
    return macro
