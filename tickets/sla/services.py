"""Every SLA write on one ticket: the policy chosen (tickets/sla/selection.py, first match wins),
its clocks logged (tickets/sla/log.py: started, paused, resumed, achieved) and its due times
stored as replaying that log gives them (tickets/sla/clock.py) at creation, on changes of the
fields policies test, on status changes (pauses per policy and metric), on public replies (first
response, next reply), and after a customer's tier changed (an outbox consumer).

Settings (env, config/settings/base.py): SLA_WARNING_PERCENT (80), SLA_SCAN_BATCH_SIZE (1000).
(ESCALATION_UNASSIGNED_HOURS, AUTO_CLOSE_RESOLVED_DAYS and AUTO_RESOLVE_PENDING_DAYS only seed the
default automations when migration 0020 creates them; the rules hold the values since.)
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agents.selectors import is_agent
from customers.models import Customer
from tickets import business_time
from tickets.models import ACTIVE_STATUSES, DONE_STATUSES, Status, Ticket
from tickets.sla import clock, policies, rules
from tickets.sla import log as sla_log
from tickets.sla.selection import PolicyChoice, policies_cached, policy_choose

logger = logging.getLogger(__name__)

DUE_FIELDS = (
    "first_response_due_at",
    "resolution_due_at",
    "first_response_warn_at",
    "resolution_warn_at",
    "next_reply_due_at",
)


# --- configuration ----------------------------------------------------------------------------


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def warning_ratio() -> float:
    return _setting("SLA_WARNING_PERCENT", 80) / 100


def batch_size() -> int:
    return _setting("SLA_SCAN_BATCH_SIZE", 1000)


# --- the policy of a ticket ------------------------------------------------------------------------


def ticket_policy(ticket: Ticket, *, tier: str | None = None) -> PolicyChoice:
    """The policy the ticket runs under: the one it was given (from the cache), else a fresh choice."""
    if ticket.sla_policy_id is not None:
        for choice in policies_cached():
            if choice.id == ticket.sla_policy_id:
                return choice
    return policy_choose(ticket, tier=tier)


def policy_by_id(policy_id: int | None) -> PolicyChoice:
    """A policy from the cache by id; the default one for None or a policy deleted since."""
    choices = policies_cached()
    return next((c for c in choices if c.id == policy_id and policy_id is not None), choices[-1])


def policy_spec_for_team(team_id: int | None) -> policies.PolicySpec:
    """The spec a ticket of this team with nothing else known would get (the bulk demo seed)."""
    return policy_choose(Ticket(team_id=team_id, priority="medium")).spec


def _targets(spec: policies.PolicySpec, priority: str, tier: str | None) -> clock.Targets:
    target = spec.target_for(priority, tier)
    return clock.Targets(target.first_response_minutes, target.next_reply_minutes, target.resolution_minutes)


def _tier(ticket: Ticket, tier: str | None) -> str | None:
    if tier is not None:
        return tier
    return ticket.customer.tier if ticket.customer_id else None


def _store(ticket: Ticket, clocks: dict[str, clock.Clock], choice: PolicyChoice, tier: str | None) -> list[str]:
    """Set the ticket's SLA columns to what the clocks give; returns the changed names."""
    values: dict[str, Any] = clock.due_times(
        clocks, _targets(choice.spec, ticket.priority, tier), choice.spec.calendar, warning_ratio=warning_ratio()
    )
    resolution = clocks["resolution"]
    values["sla_paused_minutes"] = resolution.paused_minutes
    values["sla_paused_at"] = resolution.paused_since
    values["sla_policy_id"] = choice.id
    changed: list[str] = []
    for name, value in values.items():
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)
            changed.append(name.removesuffix("_id") if name == "sla_policy_id" else name)
    return changed


# --- targets on one ticket (called by tickets/services.py and tickets/comments.py) -----------------


def ticket_sla_apply(
    *,
    ticket: Ticket,
    tier: str | None = None,
    choice: PolicyChoice | None = None,
    entries: list[clock.Entry] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """(Re)choose the ticket's policy (first match wins) and compute its due times by replaying its
    SLA event log (a new ticket's: its clocks starting now) under that policy, priority and the
    customer's tier. Stamps of a breach or warning the new targets no longer justify are cleared,
    so the scan re-evaluates. Mutates `ticket` and returns the changed field names (the caller saves)."""
    now = now or timezone.now()
    tier = _tier(ticket, tier)
    choice = choice or policy_choose(ticket, tier=tier)
    if entries is None:
        entries = sla_log.ticket_log(ticket)
    changed = _store(ticket, clock.replay(entries, choice.spec.calendar), choice, tier)
    due_changed = set(changed) & set(DUE_FIELDS)
    if due_changed:
        if ticket.sla_breached_at is not None and not rules.missed_targets(ticket, now=now):
            ticket.sla_breached_at = None
            changed.append("sla_breached_at")
        if (
            ticket.sla_warned_at is not None
            and ticket.sla_breached_at is None
            and not rules.is_at_risk(ticket, now=now)
        ):
            ticket.sla_warned_at = None
            changed.append("sla_warned_at")
    return changed


def ticket_sla_log_start(*, ticket: Ticket) -> None:
    """Write a new ticket's first entries: its first-response and resolution clocks started."""
    sla_log.log_write(ticket.pk, sla_log.creation_entries(ticket))


def clock_state(spec: policies.PolicySpec, metric: str, status: str) -> str:
    """ "running", "paused" or (resolution only) "done" for a ticket in `status`."""
    if metric == "resolution" and status in DONE_STATUSES:
        return "done"
    return "paused" if spec.pauses_in(metric, status) else "running"


def _open_metrics(ticket: Ticket) -> list[str]:
    metrics = ["resolution"]
    if ticket.first_responded_at is None:
        metrics.append("first_response")
    if ticket.next_reply_due_at is not None:
        metrics.append("next_reply")
    return metrics


def status_entries(
    spec: policies.PolicySpec, metrics: list[str], old: str, new: str, at: datetime
) -> list[clock.Entry]:
    """The log entries a status change writes for the open clocks."""
    entries: list[clock.Entry] = []
    for metric in metrics:
        before, after = clock_state(spec, metric, old), clock_state(spec, metric, new)
        if before == after:
            continue
        if before == "done" or (before == "paused" and after == "running"):
            entries.append(sla_log.entry(metric, "resumed", at, status=new))
        if after == "paused":
            entries.append(sla_log.entry(metric, "paused", at, status=new))
        elif after == "done":
            entries.append(sla_log.entry(metric, "achieved", at, status=new))
    return entries


def ticket_sla_status_changed(
    *, ticket: Ticket, old: str, new: str, actor: AbstractBaseUser | None, now: datetime
) -> list[str]:
    """The SLA side of a status change (ticket already carries `new`): an agent moving it to
    in_progress achieves the first response; each open clock the policy pauses in the new status
    pauses, one it paused in the old resumes (its due time pushed back by the business time
    paused), resolution is achieved on resolving and resumes on reopening. Writes the log;
    returns the changed fields."""
    choice = ticket_policy(ticket)
    entries: list[clock.Entry] = []
    fields: list[str] = []
    if new == Status.IN_PROGRESS and ticket.first_responded_at is None and is_agent(actor):
        ticket.first_responded_at = now
        fields.append("first_responded_at")
        entries.append(sla_log.entry("first_response", "achieved", now, by="status"))
    entries += status_entries(choice.spec, _open_metrics(ticket), old, new, now)
    if not entries:
        return fields
    if any(e.kind == "resumed" for e in entries):  # due times move: replay the whole log
        fields += _store(ticket, clock.replay(sla_log.ticket_log(ticket) + entries, choice.spec.calendar), choice, None)
    elif any(e.metric == "resolution" for e in entries) and ticket.sla_paused_at is None:
        ticket.sla_paused_at = now
        fields.append("sla_paused_at")
    sla_log.log_write(ticket.pk, entries)
    return fields


def ticket_sla_replied(*, ticket: Ticket, by_agent: bool, at: datetime) -> list[str]:
    """The SLA side of a public reply: an agent's achieves the first response and the running
    next-reply clock; a customer's (once the first response was given) starts a next-reply clock if
    none is open and the policy has a next-reply target. Writes the log; returns changed fields."""
    entries: list[clock.Entry] = []
    fields: list[str] = []
    if by_agent:
        if ticket.first_responded_at is None:
            ticket.first_responded_at = at
            fields.append("first_responded_at")
            entries.append(sla_log.entry("first_response", "achieved", at, by="reply"))
        if ticket.next_reply_due_at is not None:
            entries.append(sla_log.entry("next_reply", "achieved", at))
            ticket.next_reply_due_at = None
            fields.append("next_reply_due_at")
    elif (
        ticket.first_responded_at is not None and ticket.next_reply_due_at is None and ticket.status in ACTIVE_STATUSES
    ):
        choice = ticket_policy(ticket)
        minutes = choice.spec.target_for(ticket.priority, _tier(ticket, None)).next_reply_minutes
        if minutes is not None:
            entries.append(sla_log.entry("next_reply", "started", at))
            if choice.spec.pauses_in("next_reply", ticket.status):
                entries.append(sla_log.entry("next_reply", "paused", at, status=ticket.status))
            ticket.next_reply_due_at = business_time.add_business_minutes(at, minutes, choice.spec.calendar)
            ticket.next_reply_breached_at = None
            fields += ["next_reply_due_at", "next_reply_breached_at"]
    sla_log.log_write(ticket.pk, entries)
    return fields


@transaction.atomic
def tickets_sla_recompute_for_customer(*, customer: Customer) -> int:
    """Recompute the targets of the customer's active tickets after their tier changed.

    customers/ must not import tickets, so a tier change reaches here through the outbox: the
    `customer.updated` consumer `sla_on_customer_updated` (registered in tickets/apps.py) calls it
    after the customer's transaction committed, whichever path changed the tier (API, admin, CRM
    sync). `tickets.merge.customer_merge` calls it directly for the target. The policy may change
    (a condition on the tier); one read of the logs, one bulk UPDATE; returns the tickets changed."""
    tickets = list(
        Ticket.objects.active()
        .select_for_update(of=("self",))
        .select_related("category")
        .filter(customer=customer)
        .order_by("pk")
    )
    logs = sla_log.tickets_logs(tickets)
    changed: list[Ticket] = []
    fields: set[str] = set()
    now = timezone.now()
    for ticket in tickets:
        names = ticket_sla_apply(ticket=ticket, tier=customer.tier, entries=logs[ticket.pk], now=now)
        if names:
            ticket.version = F("version") + 1
            ticket.updated_at = now
            fields.update(names)
            changed.append(ticket)
    if changed:
        Ticket.objects.bulk_update(changed, sorted(fields | {"version", "updated_at"}))
    return len(changed)


def sla_on_customer_updated(payload: dict[str, Any]) -> None:
    """Consumer of `customer.updated` (registered in tickets/apps.py through
    notifications.consumers): a changed tier recomputes the customer's active tickets' targets.
    Reads the customer's tier now, so a late or replayed event applies the current tier."""
    if "tier" not in (payload.get("changed") or []):
        return
    customer_id: Any = payload.get("id")
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:  # deleted (or merged away) since: nothing to recompute
        return
    changed = tickets_sla_recompute_for_customer(customer=customer)
    logger.info(
        "customer %s tier is now %s: SLA targets of %d ticket(s) recomputed", customer.pk, customer.tier, changed
    )
