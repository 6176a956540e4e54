"""Explain a ticket: which rules match it now and which do not, condition by condition; which
rules changed it (the audit trail names them); and how each SLA due time was computed (policy,
target, calendar, pauses). Reads only."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tickets.conditions import evaluate
from tickets.models import AutomationFiring, Ticket, TicketEvent
from tickets.rules import actions
from tickets.rules.selectors import automation_list, trigger_list
from tickets.rules.triggers import facts_for
from tickets.sla.report import ticket_sla_report


def _rule(rule: Any, ticket: Ticket, note: str = "") -> dict[str, Any]:
    verdict = evaluate(rule.conditions, facts_for(ticket))
    return {
        "id": rule.pk,
        "name": rule.name,
        "is_active": rule.is_active,
        "matches_now": verdict.matched,
        "conditions": [o.as_dict() for o in verdict.outcomes],
        "actions": [actions.describe(a) for a in rule.actions],
        "note": note,
    }


def _sla(ticket: Ticket) -> dict[str, Any]:
    report = ticket_sla_report(ticket=ticket, with_policies=True)
    report["how"] = (
        "Policies are tried in order; the first whose conditions hold applies (else the default). Each "
        "metric's due time = its clock's start + the target in business minutes of the policy's calendar "
        "+ the business minutes it spent paused (the statuses the policy pauses it in; resolution also "
        "while resolved before a reopening), replayed from the ticket's SLA event log."
    )
    return report


def ticket_explain(*, ticket: Ticket) -> dict[str, Any]:
    ticket = Ticket.objects.select_related("category", "customer").get(pk=ticket.pk)
    fired = {
        row.automation_id: row.fired_at
        for row in AutomationFiring.objects.filter(ticket=ticket).only("automation_id", "fired_at")
    }
    history = list(
        TicketEvent.objects.filter(ticket=ticket)
        .exclude(rule="")
        .order_by("created_at", "id")
        .values("rule", "kind", "field", "old_value", "new_value", "created_at")
    )
    automations = []
    for automation in automation_list():
        note = (
            f"fired at {fired[automation.pk].isoformat()}; fires again once the ticket stopped matching"
            if automation.pk in fired
            else ""
        )
        automations.append(_rule(automation, ticket, note))
    return {
        "ticket": ticket.pk,
        "at": timezone.now(),
        "triggers": [
            _rule(trigger, ticket, "conditions on the event, who acted and changes hold only during a change")
            for trigger in trigger_list()
        ],
        "automations": automations,
        "rule_changes": [
            {
                "rule": e["rule"],
                "kind": e["kind"],
                "field": e["field"],
                "old": e["old_value"],
                "new": e["new_value"],
                "at": e["created_at"],
            }
            for e in history
        ],
        "sla": _sla(ticket),
    }
