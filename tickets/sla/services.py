"""Every SLA write on one ticket, and the policies behind it: policies loaded from the database
(pure specs from tickets/sla/policies.py), the rows that exist out of the box, targets applied at
creation and on changes, the pause clock on status changes, and the recompute after a customer's
tier changed (an outbox consumer).

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
from django.db.models import F, Q
from django.utils import timezone

from agents.selectors import is_agent
from customers.models import Customer
from tickets import business_time
from tickets.models import (
    BusinessCalendar,
    SLAPolicy,
    Status,
    Ticket,
)
from tickets.sla import policies, rules
from tickets.sla.cache import cached_policy_spec
from tickets.sla.calendars import calendar_spec

logger = logging.getLogger(__name__)

DUE_FIELDS = ("first_response_due_at", "resolution_due_at", "first_response_warn_at", "resolution_warn_at")


# --- configuration ----------------------------------------------------------------------------


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def warning_ratio() -> float:
    return _setting("SLA_WARNING_PERCENT", 80) / 100


def batch_size() -> int:
    return _setting("SLA_SCAN_BATCH_SIZE", 1000)


# --- loading policies and calendars -------------------------------------------------------------


def policy_for_team(team_id: int | None) -> SLAPolicy | None:
    """The team's policy, else the default one."""
    qs = SLAPolicy.objects.select_related("calendar").prefetch_related("targets")
    qs = qs.filter(Q(teams=team_id) | Q(is_default=True)) if team_id is not None else qs.filter(is_default=True)
    return qs.order_by("is_default", "name").first()


def policy_spec(policy: SLAPolicy | None) -> policies.PolicySpec:
    """The pure policy of an SLAPolicy row; no policy at all means the built-in defaults."""
    calendar = policy.calendar if policy is not None else None
    if calendar is None:
        calendar = BusinessCalendar.objects.filter(is_default=True).first()
    cal = calendar_spec(calendar)
    if policy is None:
        return policies.default_policy(cal)
    return policies.PolicySpec(
        calendar=cal,
        targets={
            (t.priority, t.tier): policies.Target(t.first_response_minutes, t.resolution_minutes)
            for t in policy.targets.all()
        },
    )


def policy_spec_for_team(team_id: int | None) -> policies.PolicySpec:
    """The team's policy spec, from the cache when it is there (tickets/sla/cache.py)."""
    return cached_policy_spec(team_id, lambda team: policy_spec(policy_for_team(team)))


# --- targets on one ticket (called by tickets/services.py) ----------------------------------------


def ticket_sla_apply(
    *, ticket: Ticket, tier: str | None = None, spec: policies.PolicySpec | None = None, now: datetime | None = None
) -> list[str]:
    """(Re)compute the ticket's due times from its creation under its policy, priority and its
    customer's tier; time spent paused pushes resolution back. Stamps of a breach or warning the
    new targets no longer justify are cleared, so the scan re-evaluates. Mutates `ticket` and
    returns the changed field names (the caller saves them)."""
    now = now or timezone.now()
    spec = spec or policy_spec_for_team(ticket.team_id)
    if tier is None:
        tier = ticket.customer.tier if ticket.customer_id else None
    due = policies.compute_due_times(
        start=ticket.created_at or now,
        priority=ticket.priority,
        tier=tier,
        policy=spec,
        paused_minutes=ticket.sla_paused_minutes,
        warning_ratio=warning_ratio(),
    )
    changed: list[str] = []
    for name in DUE_FIELDS:
        value = getattr(due, name)
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)
            changed.append(name)
    if changed:
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


def ticket_sla_status_changed(
    *, ticket: Ticket, old: str, new: str, actor: AbstractBaseUser | None, now: datetime
) -> list[str]:
    """The SLA side of a status change (ticket already carries `new`): an agent moving it to
    in_progress achieves the first response; entering pending (or done) pauses the resolution
    clock, leaving it pushes resolution_due_at by the business time paused. Returns changed fields."""
    fields: list[str] = []
    if new == Status.IN_PROGRESS and ticket.first_responded_at is None and is_agent(actor):
        ticket.first_responded_at = now
        fields.append("first_responded_at")
    was_paused, is_paused = old in rules.PAUSED_STATUSES, new in rules.PAUSED_STATUSES
    if is_paused and not was_paused:
        ticket.sla_paused_at = now
        fields.append("sla_paused_at")
    elif was_paused and not is_paused and ticket.sla_paused_at is not None:
        calendar = policy_spec_for_team(ticket.team_id).calendar
        paused = round(business_time.business_minutes_between(ticket.sla_paused_at, now, calendar))
        if paused > 0:
            for name in ("resolution_due_at", "resolution_warn_at"):
                value = getattr(ticket, name)
                if value is not None:
                    setattr(ticket, name, business_time.add_business_minutes(value, paused, calendar))
                    fields.append(name)
            ticket.sla_paused_minutes += paused
            fields.append("sla_paused_minutes")
        ticket.sla_paused_at = None
        fields.append("sla_paused_at")
    return fields


@transaction.atomic
def tickets_sla_recompute_for_customer(*, customer: Customer) -> int:
    """Recompute the targets of the customer's active tickets after their tier changed.

    customers/ must not import tickets, so a tier change reaches here through the outbox: the
    `customer.updated` consumer `sla_on_customer_updated` (registered in tickets/apps.py) calls it
    after the customer's transaction committed, whichever path changed the tier (API, admin, CRM
    sync). `tickets.merge.customer_merge` calls it directly for the target. One policy load
    per team, one bulk UPDATE; returns the tickets changed."""
    tickets = list(Ticket.objects.active().select_for_update().filter(customer=customer).order_by("pk"))
    specs: dict[int | None, policies.PolicySpec] = {}
    changed: list[Ticket] = []
    fields: set[str] = set()
    now = timezone.now()
    for ticket in tickets:
        if ticket.team_id not in specs:
            specs[ticket.team_id] = policy_spec_for_team(ticket.team_id)
        names = ticket_sla_apply(ticket=ticket, tier=customer.tier, spec=specs[ticket.team_id], now=now)
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
