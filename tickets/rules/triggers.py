"""The trigger runner: at the end of an originating change (tickets/changes.py), the active
triggers run on every ticket it touched, in order (position, then id), inside its transaction.

Like Zendesk's cycle: the first trigger whose conditions hold fires (its actions go through the
services, so they are audited events named after it and part of the same change), then the list
is walked again from the top with the ticket as it now is; a trigger fires at most once per
ticket per originating change, so two triggers that would undo each other fire once each and the
cycle ends. A failing action raises, and the whole change rolls back."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from agents.selectors import is_agent
from customers.models import Customer
from tickets.changes import Scope, TicketChange, rule_applying
from tickets.conditions import EXTRA_FACTS, TIME_FIELDS, Facts, evaluate
from tickets.models import Ticket, Trigger
from tickets.rules import actions


def actor_kind(actor: Any) -> str:
    if actor is None or isinstance(actor, Customer):
        return "system" if actor is None else "customer"
    if not getattr(actor, "is_authenticated", False):
        return "system"
    return "agent" if is_agent(actor) else "customer"


class _TicketValues(dict):
    """A ticket's condition values, read lazily: the customer's tier costs a query only when a
    condition asks for it."""

    def __init__(self, ticket: Ticket) -> None:
        super().__init__()
        self.ticket = ticket

    def get(self, name: str, default: Any = None) -> Any:
        t = self.ticket
        getters = {
            "category": lambda: t.category.slug if t.category is not None else None,
            "ticket_type": lambda: t.ticket_type.slug if t.ticket_type is not None else None,
            "team": lambda: t.team_id,
            "assignee": lambda: t.assignee_id,
            "organization": lambda: t.organization_id,
            "customer_tier": lambda: t.customer.tier,
            "sla_breached": lambda: t.sla_breached_at is not None,
        }
        if name in getters:
            return getters[name]()
        if name in EXTRA_FACTS:
            return EXTRA_FACTS[name](t)
        if name in TIME_FIELDS:
            column = TIME_FIELDS[name].column or ""
            if column.startswith("reply:"):
                return _last_reply(t, column.split(":", 1)[1])
            return getattr(t, column, None)
        return getattr(t, name, default)


def _last_reply(ticket: Ticket, who: str) -> Any:
    from django.db.models import Max

    from tickets.models import Comment

    qs = Comment.objects.filter(ticket=ticket)
    qs = (
        qs.filter(customer__isnull=False)
        if who == "customer"
        else qs.filter(customer__isnull=True, author__isnull=False, is_internal=False)
    )
    return qs.aggregate(at=Max("created_at"))["at"]


def facts_for(ticket: Ticket, change: TicketChange | None = None) -> Facts:
    return Facts(
        values=_TicketValues(ticket),
        now=timezone.now(),
        events=tuple(change.events) if change else (),
        changes=dict(change.changes) if change else {},
        actor=actor_kind(change.actor) if change else "system",
        metadata=ticket.metadata or {},
    )


def active_triggers() -> list[Trigger]:
    return list(Trigger.objects.filter(is_active=True).order_by("position", "id"))


def triggers_run(scope: Scope) -> None:
    """The runner registered with tickets/changes.py."""
    triggers = active_triggers()
    if not triggers:
        return
    done: set[int] = set()
    while True:  # a trigger's action may touch another ticket (not today's actions, but cheap to honour)
        pending = [pk for pk in scope.tickets if pk not in done]
        if not pending:
            return
        for ticket_id in pending:
            done.add(ticket_id)
            _run_on_ticket(triggers, scope, scope.tickets[ticket_id])


def _run_on_ticket(triggers: list[Trigger], scope: Scope, change: TicketChange) -> None:
    ticket = change.ticket
    if ticket is None:
        return
    fired = True
    while fired:
        fired = False
        for trigger in triggers:
            key = (trigger.pk, ticket.pk)
            if key in scope.fired:
                continue
            if not evaluate(trigger.conditions, facts_for(ticket, change)).matched:
                continue
            scope.fired.add(key)
            label = f"Trigger: {trigger.name}"
            with rule_applying(label):
                actions.apply(trigger.actions, ticket, rule=label)
            ticket = change.ticket  # the services noted the instance they saved
            fired = True
            break
