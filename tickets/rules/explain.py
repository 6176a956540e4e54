"""Explain a ticket: which rules match it now and which do not, condition by condition; which
rules changed it (the audit trail names them); and how each SLA due time was computed (policy,
target, calendar, pauses). Reads only."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tickets.models import AutomationFiring, BusinessCalendar, Ticket, TicketEvent
from tickets.rules import actions
from tickets.rules.conditions import evaluate
from tickets.rules.selectors import automation_list, trigger_list
from tickets.rules.triggers import facts_for
from tickets.sla import services as sla_services


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
    policy = sla_services.policy_for_team(ticket.team_id)
    calendar = policy.calendar if policy is not None and policy.calendar is not None else None
    if calendar is None:
        calendar = BusinessCalendar.objects.filter(is_default=True).first()
    spec = sla_services.policy_spec(policy)
    tier = ticket.customer.tier
    target = spec.target_for(ticket.priority, tier)
    return {
        "policy": policy.name if policy is not None else "built-in defaults",
        "chosen_because": (
            "the ticket's team has this policy"
            if policy is not None and not policy.is_default
            else "the default policy (the ticket's team has none)"
        ),
        "calendar": calendar.name if calendar is not None else "Mon-Fri 09:00-17:00 UTC",
        "priority": ticket.priority,
        "customer_tier": tier,
        "first_response_target_minutes": target.first_response_minutes,
        "resolution_target_minutes": target.resolution_minutes,
        "paused_minutes": ticket.sla_paused_minutes,
        "paused_since": ticket.sla_paused_at,
        "first_response_due_at": ticket.first_response_due_at,
        "first_responded_at": ticket.first_responded_at,
        "resolution_due_at": ticket.resolution_due_at,
        "how": (
            "due = created_at + target in business minutes of the calendar; resolution is pushed back by "
            "the business minutes spent paused (pending, resolved, closed)"
        ),
    }


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
