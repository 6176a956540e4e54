"""Dry runs: what a rule (saved or not) would do, writing nothing.

The rule really runs, inside a savepoint that is always rolled back: its actions go through the
same services (triggers) or the same set-based SQL (automations), and the audit events they wrote
are read back before the rollback. So the answer is what the rule would do, refusals included,
and rows, outbox and on-commit work are all undone (Django drops the on-commit callbacks of a
rolled-back savepoint)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from tickets.changes import TicketChange, rule_applying, triggers_disabled
from tickets.conditions import evaluate
from tickets.models import Automation, Ticket, TicketEvent, Trigger
from tickets.rules import actions
from tickets.rules.automations import automation_run
from tickets.rules.services import rule_validate
from tickets.rules.triggers import facts_for

MAX_TICKETS = 200


@dataclass
class TicketOutcome:
    ticket_id: int
    reference: str
    title: str
    matched: bool
    conditions: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket_id,
            "reference": self.reference,
            "title": self.title,
            "matched": self.matched,
            "conditions": self.conditions,
            "changes": self.changes,
            "error": self.error,
        }


def _event_dict(event: TicketEvent) -> dict[str, Any]:
    return {"kind": event.kind, "field": event.field, "old": event.old_value, "new": event.new_value}


def sample(*, ticket_id: int | None, days: int | None) -> list[Ticket]:
    """One ticket, or the tickets created in the last `days` days (newest first, at most MAX_TICKETS)."""
    qs = Ticket.objects.select_related("category", "customer").order_by("-created_at", "-id")
    if ticket_id is not None:
        return list(qs.filter(pk=ticket_id))
    since = timezone.now() - timedelta(days=days or 7)
    return list(qs.filter(created_at__gte=since)[:MAX_TICKETS])


def trigger_dry_run(
    *, trigger: Trigger, tickets: list[Ticket], event: str = "created", actor: str = "customer"
) -> dict[str, Any]:
    """Each ticket replayed as if `event` had just happened to it by `actor`: which match, and the
    changes the trigger's actions would make (this trigger alone: others do not cascade)."""
    rule_validate(trigger)
    outcomes: list[TicketOutcome] = []
    label = f"Trigger: {trigger.name}"
    with transaction.atomic():
        for ticket in tickets:
            change = TicketChange(ticket_id=ticket.pk, events=[event], ticket=ticket)
            facts = facts_for(ticket, change)
            facts.actor = actor
            verdict = evaluate(trigger.conditions, facts)
            outcome = TicketOutcome(
                ticket.pk, ticket.reference, ticket.title, verdict.matched, [o.as_dict() for o in verdict.outcomes]
            )
            outcomes.append(outcome)
            if not verdict.matched:
                continue
            last = TicketEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            try:
                with transaction.atomic(), triggers_disabled(), rule_applying(label):
                    actions.apply(trigger.actions, ticket, rule=label)
                    outcome.changes = [_event_dict(e) for e in TicketEvent.objects.filter(pk__gt=last, ticket=ticket)]
            except (ValidationError, ApplicationError) as exc:
                outcome.error = " ".join(getattr(exc, "messages", None) or [str(exc)])
        transaction.set_rollback(True)  # nothing the dry run did is kept
    return _summary(outcomes)


def automation_dry_run(*, automation: Automation, tickets: list[Ticket], now: datetime | None = None) -> dict[str, Any]:
    """What the automation's next run would do to these tickets (its conditions now, the tickets it
    already fired on left out, as the run does)."""
    rule_validate(automation)
    now = now or timezone.now()
    ids = [t.pk for t in tickets]
    outcomes: dict[int, TicketOutcome] = {}
    with transaction.atomic():
        if automation.pk is None:
            automation.name = f"{automation.name} (dry run)"[:120]
            automation.save()
        last = TicketEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        automation_run(automation=automation, now=now, limit=len(ids) or 1, scope_ids=ids)
        for ticket in tickets:
            verdict = evaluate(automation.conditions, facts_for(ticket))
            outcomes[ticket.pk] = TicketOutcome(
                ticket.pk, ticket.reference, ticket.title, False, [o.as_dict() for o in verdict.outcomes]
            )
        for event in TicketEvent.objects.filter(pk__gt=last, ticket_id__in=ids).order_by("pk"):
            outcomes[event.ticket_id].matched = True
            outcomes[event.ticket_id].changes.append(_event_dict(event))
        transaction.set_rollback(True)  # nothing the dry run did is kept
    return _summary(list(outcomes.values()))


def _summary(outcomes: list[TicketOutcome]) -> dict[str, Any]:
    return {
        "tickets_checked": len(outcomes),
        "tickets_matched": sum(1 for o in outcomes if o.matched),
        "results": [o.as_dict() for o in outcomes],
    }
