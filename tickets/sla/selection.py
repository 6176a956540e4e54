"""Which SLA policy a ticket gets: policies in order (position, then id), the first whose
conditions hold wins (the condition language of triggers, tickets/conditions.py, over the
fields below); the default policy when none does; the built-in targets when there is no default.

The ordered policies, each with its pure spec (targets, calendar, pauses), are one cache entry
(tickets/sla/cache.py): choosing a policy on a ticket write costs no query once warm."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from tickets.conditions import Evaluation, Facts, evaluate, validate_conditions
from tickets.models import BusinessCalendar, SLAPolicy, Ticket
from tickets.sla import policies
from tickets.sla.cache import cached_policies
from tickets.sla.calendars import calendar_spec
from tickets.sla.clock import METRICS

# The ticket fields SLA policy conditions may test.
SLA_FIELDS = ("customer_tier", "organization", "category", "ticket_type", "priority", "channel", "team", "tags")
# Ticket fields whose change may change the policy (and the targets): ticket_update re-applies.
SLA_INPUTS = frozenset({"priority", "team", "category", "ticket_type", "tags"})


@dataclass(frozen=True)
class PolicyChoice:
    id: int | None
    name: str
    position: int
    is_default: bool
    conditions: Mapping[str, Any] = field(default_factory=dict)
    spec: policies.PolicySpec = field(default_factory=policies.default_policy)
    calendar_name: str = "Mon-Fri 09:00-17:00 UTC"


BUILT_IN = "built-in defaults"


# --- validation ----------------------------------------------------------------------------------


def validate_pause_statuses(value: Any) -> dict[str, list[str]]:
    if value in (None, ""):
        value = {}
    if not isinstance(value, Mapping):
        raise ValidationError('Pause statuses are an object: {"resolution": ["pending", "on_hold"], ...}.')
    unknown = sorted(set(value) - set(METRICS))
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not a metric ({', '.join(METRICS)}).")
    cleaned: dict[str, list[str]] = {}
    for metric in METRICS:
        statuses = value.get(metric, sorted(policies.DEFAULT_PAUSES[metric]))
        if not isinstance(statuses, list):
            raise ValidationError(f"{metric}: a list of statuses.")
        for status in statuses:
            if status not in policies.PAUSABLE_STATUSES:
                raise ValidationError(
                    f"{metric}: {status!r} is not a status that can pause a clock "
                    f"({', '.join(policies.PAUSABLE_STATUSES)})."
                )
        cleaned[metric] = sorted(set(statuses))
    return cleaned


def validate_policy_conditions(value: Any) -> dict[str, list[dict[str, Any]]]:
    cleaned = validate_conditions(value, context="sla")
    for group in ("all", "any"):
        for index, condition in enumerate(cleaned[group], start=1):
            if condition["field"] not in SLA_FIELDS:
                raise ValidationError(
                    f"{group} #{index} ({condition['field']}): SLA policies test only {', '.join(SLA_FIELDS)}."
                )
    return cleaned


def sla_policy_validate(policy: SLAPolicy) -> None:
    """Normalise the policy's conditions and pause statuses in place, or raise one
    ValidationError naming each field at fault."""
    errors: dict[str, list[str]] = {}
    try:
        policy.conditions = validate_policy_conditions(policy.conditions)
    except ValidationError as exc:
        errors["conditions"] = exc.messages
    else:
        if policy.is_default and (policy.conditions["all"] or policy.conditions["any"]):
            errors["conditions"] = ["The default policy applies when no other does: leave its conditions empty."]
    try:
        policy.pause_statuses = validate_pause_statuses(policy.pause_statuses)
    except ValidationError as exc:
        errors["pause_statuses"] = exc.messages
    if errors:
        raise ValidationError(errors)


# --- loading -------------------------------------------------------------------------------------


def _spec(policy: SLAPolicy, calendar: Any) -> policies.PolicySpec:
    pauses = policy.pause_statuses or {}
    return policies.PolicySpec(
        calendar=calendar,
        targets={
            (t.priority, t.tier): policies.Target(t.first_response_minutes, t.resolution_minutes, t.next_reply_minutes)
            for t in policy.targets.all()
        },
        pauses={metric: frozenset(pauses.get(metric, policies.DEFAULT_PAUSES[metric])) for metric in METRICS},
    )


def policies_load() -> tuple[PolicyChoice, ...]:
    """Every policy in the order they are tried (the default last), with its pure spec."""
    rows = list(
        SLAPolicy.objects.select_related("calendar")
        .prefetch_related("targets")
        .order_by("is_default", "position", "id")
    )
    default_calendar: BusinessCalendar | None = None
    if any(p.calendar is None for p in rows) or not any(p.is_default for p in rows):
        default_calendar = BusinessCalendar.objects.filter(is_default=True).first()
    specs: dict[int | None, Any] = {}

    def calendar_of(calendar: BusinessCalendar | None) -> tuple[Any, str]:
        calendar = calendar or default_calendar
        key = calendar.pk if calendar is not None else None
        if key not in specs:
            specs[key] = calendar_spec(calendar)
        return specs[key], calendar.name if calendar is not None else PolicyChoice.calendar_name

    choices = []
    for policy in rows:
        cal, cal_name = calendar_of(policy.calendar)
        choices.append(
            PolicyChoice(
                id=policy.pk,
                name=policy.name,
                position=policy.position,
                is_default=policy.is_default,
                conditions=policy.conditions or {},
                spec=_spec(policy, cal),
                calendar_name=cal_name,
            )
        )
    if not any(c.is_default for c in choices):
        cal, cal_name = calendar_of(None)
        choices.append(PolicyChoice(None, BUILT_IN, 0, True, {}, policies.default_policy(cal), cal_name))
    return tuple(choices)


def policies_cached() -> tuple[PolicyChoice, ...]:
    return cached_policies(policies_load)


# --- choosing -------------------------------------------------------------------------------------


class _Values(dict):
    """The ticket's values policy conditions test, read lazily (the tier only when asked)."""

    def __init__(self, ticket: Ticket, tier: str | None) -> None:
        super().__init__()
        self.ticket, self.tier = ticket, tier

    def get(self, name: str, default: Any = None) -> Any:
        t = self.ticket
        if name == "customer_tier":
            return self.tier if self.tier is not None else (t.customer.tier if t.customer_id else None)
        if name == "category":
            return t.category.slug if t.category_id is not None and t.category is not None else None
        if name == "ticket_type":
            return t.ticket_type.slug if t.ticket_type_id is not None and t.ticket_type is not None else None
        if name in ("team", "organization", "assignee"):
            return getattr(t, f"{name}_id")
        return getattr(t, name, default)


def ticket_facts(ticket: Ticket, tier: str | None = None) -> Facts:
    return Facts(values=_Values(ticket, tier), now=timezone.now(), metadata=ticket.metadata or {})


def policy_choose(
    ticket: Ticket, *, tier: str | None = None, choices: tuple[PolicyChoice, ...] | None = None
) -> PolicyChoice:
    """The first policy whose conditions hold for the ticket, else the default."""
    facts = ticket_facts(ticket, tier)
    choices = choices if choices is not None else policies_cached()
    for choice in choices:
        if choice.is_default or evaluate(choice.conditions, facts).matched:
            return choice
    return choices[-1]  # pragma: no cover - the list always ends with a default


def policy_evaluations(
    ticket: Ticket, *, tier: str | None = None, choices: tuple[PolicyChoice, ...] | None = None
) -> list[tuple[PolicyChoice, Evaluation]]:
    """Every policy with its verdict on the ticket, in the order they are tried (explain, dry run)."""
    facts = ticket_facts(ticket, tier)
    choices = choices if choices is not None else policies_cached()
    return [(c, evaluate({} if c.is_default else c.conditions, facts)) for c in choices]


def policy_choice_for(policy: SLAPolicy, *, targets: list[Any] | None = None) -> PolicyChoice:
    """An SLAPolicy row (saved or not, e.g. a dry run's) as a choice, with its saved targets or
    the `targets` given (unsaved SLATarget rows)."""
    calendar = policy.calendar or BusinessCalendar.objects.filter(is_default=True).first()
    if targets is None:
        targets = list(policy.targets.all()) if policy.pk is not None else []
    spec = policies.PolicySpec(
        calendar=calendar_spec(calendar),
        targets={
            (t.priority, t.tier): policies.Target(t.first_response_minutes, t.resolution_minutes, t.next_reply_minutes)
            for t in targets
        },
        pauses={m: frozenset((policy.pause_statuses or {}).get(m, policies.DEFAULT_PAUSES[m])) for m in METRICS},
    )
    return PolicyChoice(
        id=policy.pk,
        name=policy.name,
        position=policy.position,
        is_default=policy.is_default,
        conditions=policy.conditions or {},
        spec=spec,
        calendar_name=calendar.name if calendar is not None else PolicyChoice.calendar_name,
    )
