"""SLA policy dry run: which tickets a policy (saved or not, with its targets) would apply to, in
its place in the order (first match wins), and the due times they would get, replayed from each
ticket's SLA event log exactly as ticket_sla_apply does. Computes only: nothing is written."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tickets.models import SLAPolicy, SLATarget, Ticket
from tickets.sla import clock
from tickets.sla import log as sla_log
from tickets.sla.selection import PolicyChoice, policies_cached, policy_choice_for, policy_choose, sla_policy_validate
from tickets.sla.services import ticket_policy, warning_ratio

COMPARED = (
    "first_response_due_at",
    "next_reply_due_at",
    "resolution_due_at",
    "first_response_warn_at",
    "resolution_warn_at",
)


def _order_key(choice: PolicyChoice) -> tuple[bool, int, float]:
    return (choice.is_default, choice.position, choice.id if choice.id is not None else float("inf"))


def policies_with(candidate: PolicyChoice) -> tuple[PolicyChoice, ...]:
    """The cached policies with `candidate` in its place (replacing its saved self, or the
    default when it is the default)."""
    others = [
        c
        for c in policies_cached()
        if not (candidate.id is not None and c.id == candidate.id) and not (candidate.is_default and c.is_default)
    ]
    return tuple(sorted([*others, candidate], key=_order_key))


def sla_policy_dry_run(
    *, policy: SLAPolicy, tickets: Iterable[Ticket], targets: list[SLATarget] | None = None
) -> dict[str, Any]:
    """Per ticket: the policy it has, the one it would get with `policy` as given, and each SLA
    timestamp now and as it would be."""
    sla_policy_validate(policy)
    candidate = policy_choice_for(policy, targets=targets)
    choices = policies_with(candidate)
    tickets = list(tickets)
    logs = sla_log.tickets_logs(tickets)
    results = []
    for ticket in tickets:
        tier = ticket.customer.tier if ticket.customer_id else None
        now_policy = ticket_policy(ticket, tier=tier)
        would = policy_choose(ticket, tier=tier, choices=choices)
        target = would.spec.target_for(ticket.priority, tier)
        due = clock.due_times(
            clock.replay(logs[ticket.pk], would.spec.calendar),
            clock.Targets(target.first_response_minutes, target.next_reply_minutes, target.resolution_minutes),
            would.spec.calendar,
            warning_ratio=warning_ratio(),
        )
        changes = {
            name: {"old": getattr(ticket, name), "new": due[name]}
            for name in COMPARED
            if getattr(ticket, name) != due[name]
        }
        results.append(
            {
                "ticket": ticket.pk,
                "reference": ticket.reference,
                "title": ticket.title,
                "matched": would is candidate,
                "policy_now": now_policy.name,
                "policy_would_be": would.name,
                "changes": changes,
            }
        )
    return {
        "tickets_checked": len(results),
        "tickets_matched": sum(1 for r in results if r["matched"]),
        "results": results,
    }
