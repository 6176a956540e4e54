"""The condition language of triggers, automations and SLA policies. Pure: no I/O.

    {"all": [{"field": "status", "operator": "is", "value": "pending"}, ...],
     "any": [{"field": "tags", "operator": "includes", "value": ["vip"]}, ...]}

A rule matches when every "all" condition holds and, if there are "any" conditions, at least one
of them. Each condition is evaluated on a `Facts` (one ticket, the change that happened to it,
the time) with a reason a person can read (explain, dry run), and compiled to a Q over tickets
(automations run set-based; time fields become cutoffs on indexed columns)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

STATUSES = ("open", "in_progress", "pending", "on_hold", "resolved", "closed")
PRIORITIES = ("low", "medium", "high", "critical")
PRIORITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
CHANNELS = ("web", "api", "email", "admin", "phone")
TIERS = ("free", "basic", "premium", "enterprise")
EVENTS = (
    "created",
    "updated",
    "status_changed",
    "assigned",
    "customer_replied",
    "agent_replied",
    "note_added",
    "satisfaction_rated",
)
ACTORS = ("agent", "customer", "system")

EQUALITY = ("is", "is_not", "in", "not_in")
NULLABLE = ("present", "blank")
CHANGE = ("changed", "not_changed", "changed_from", "changed_to")
TIME = ("gte", "lte", "present", "blank")


@dataclass(frozen=True)
class FieldSpec:
    """A field conditions can test: its operators, allowed values (None: any), the ticket column
    (for SQL), and where it may be used ("trigger", "automation", "sla")."""

    name: str
    label: str
    operators: tuple[str, ...]
    choices: tuple[Any, ...] | None = None
    column: str | None = None
    kind: str = "value"  # value | tags | time | event | actor | flag | number
    contexts: frozenset[str] = frozenset({"trigger", "automation", "sla"})
    value_type: type | tuple[type, ...] = (str, int)


TICKET_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("status", "Status", EQUALITY + CHANGE, STATUSES, "status"),
        FieldSpec("priority", "Priority", (*EQUALITY, "at_least", "at_most", *CHANGE), PRIORITIES, "priority"),
        FieldSpec("channel", "Channel", EQUALITY, CHANNELS, "channel"),
        FieldSpec("category", "Category (slug)", EQUALITY + NULLABLE + CHANGE, None, "category__slug", value_type=str),
        FieldSpec(
            "ticket_type", "Ticket type (slug)", EQUALITY + NULLABLE + CHANGE, None, "ticket_type__slug", value_type=str
        ),
        FieldSpec("team", "Team (id)", EQUALITY + NULLABLE + CHANGE, None, "team_id", value_type=int),
        FieldSpec("assignee", "Assignee (user id)", EQUALITY + NULLABLE + CHANGE, None, "assignee_id", value_type=int),
        FieldSpec("organization", "Organisation (id)", EQUALITY + NULLABLE, None, "organization_id", value_type=int),
        FieldSpec("customer_tier", "Customer tier", EQUALITY, TIERS, "customer__tier"),
        FieldSpec("tags", "Tags", ("includes", "excludes", *CHANGE[:2]), None, "tags", kind="tags", value_type=str),
        FieldSpec("escalated", "Escalated", ("is",), (True, False), "escalated", kind="flag", value_type=bool),
        FieldSpec(
            "sla_breached", "SLA breached", ("is",), (True, False), "sla_breached_at", kind="flag", value_type=bool
        ),
        FieldSpec("satisfaction", "Satisfaction", EQUALITY + NULLABLE + CHANGE, ("good", "bad"), "satisfaction"),
        FieldSpec("event", "Event", ("is", "in"), EVENTS, kind="event", contexts=frozenset({"trigger"})),
        FieldSpec("actor", "Who acted", ("is", "in", "is_not"), ACTORS, kind="actor", contexts=frozenset({"trigger"})),
    )
}
TIME_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec(f"hours_since_{name}", label, TIME, None, column, kind="time", contexts=frozenset({"automation"}))
        for name, label, column in (
            ("created", "Hours since created", "created_at"),
            ("updated", "Hours since updated", "updated_at"),
            ("status_change", "Hours since the status changed", "status_changed_at"),
            ("customer_reply", "Hours since the customer's last reply", "reply:customer"),
            ("agent_reply", "Hours since an agent's last public reply", "reply:agent"),
            ("resolved", "Hours since resolved", "resolved_at"),
            (
                "first_response_due",
                "Hours since the first response was due (negative: before)",
                "first_response_due_at",
            ),
            ("resolution_due", "Hours since resolution was due (negative: before)", "resolution_due_at"),
        )
    )
}
FIELDS: dict[str, FieldSpec] = {**TICKET_FIELDS, **TIME_FIELDS}
METADATA_PREFIX = "metadata."
# More fields (custom fields, satisfaction) register here: name -> FieldSpec, and a fact getter.
EXTRA_FACTS: dict[str, Callable[[Any], Any]] = {}


def field_spec(name: str) -> FieldSpec | None:
    if name.startswith(METADATA_PREFIX) and len(name) > len(METADATA_PREFIX):
        return FieldSpec(name, f"Metadata {name[len(METADATA_PREFIX) :]}", EQUALITY + NULLABLE, None, kind="metadata")
    return FIELDS.get(name)


# --- validation ---------------------------------------------------------------------------------------


def _check_value(spec: FieldSpec, operator: str, value: Any, where: str) -> Any:
    if operator in ("present", "blank", "changed", "not_changed"):
        return None
    if spec.kind == "time":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(f"{where}: the value must be a number of hours.")
        return value
    listy = operator in ("in", "not_in", "includes", "excludes")
    values = value if listy else [value]
    if listy and (not isinstance(value, list) or not value):
        raise ValidationError(f"{where}: '{operator}' takes a non-empty list of values.")
    for one in values:
        if spec.kind == "metadata":
            if not isinstance(one, str | int | float | bool):
                raise ValidationError(f"{where}: metadata values are strings, numbers or true/false.")
            continue
        if spec.choices is not None and one not in spec.choices:
            raise ValidationError(f"{where}: {one!r} is not one of {', '.join(map(str, spec.choices))}.")
        if one is not None and (
            isinstance(one, bool) != (spec.value_type is bool) or not isinstance(one, spec.value_type)
        ):
            raise ValidationError(f"{where}: {one!r} is not a valid {spec.label.lower()}.")
    return value


def validate_conditions(value: Any, *, context: str) -> dict[str, list[dict[str, Any]]]:
    """The normalised conditions, or a ValidationError naming the group, the position and the field."""
    if value in (None, ""):
        return {"all": [], "any": []}
    if not isinstance(value, Mapping) or set(value) - {"all", "any"}:
        raise ValidationError('Conditions are an object with "all" and/or "any" lists.')
    cleaned: dict[str, list[dict[str, Any]]] = {"all": [], "any": []}
    for group in ("all", "any"):
        items = value.get(group) or []
        if not isinstance(items, list):
            raise ValidationError(f'"{group}" must be a list of conditions.')
        for index, item in enumerate(items, start=1):
            where = f"{group} #{index}"
            if not isinstance(item, Mapping) or "field" not in item or "operator" not in item:
                raise ValidationError(f'{where}: a condition is {{"field", "operator", "value"}}.')
            spec = field_spec(str(item["field"]))
            if spec is None:
                raise ValidationError(f"{where}: unknown field {item['field']!r}.")
            where = f"{where} ({spec.name})"
            if context not in spec.contexts and spec.kind != "metadata":
                raise ValidationError(f"{where}: not available in {context} conditions.")
            operator = str(item["operator"])
            if operator not in spec.operators or (operator in CHANGE and context != "trigger"):
                allowed = [op for op in spec.operators if context == "trigger" or op not in CHANGE]
                raise ValidationError(f"{where}: operator {operator!r} is not one of {', '.join(allowed)}.")
            checked = _check_value(spec, operator, item.get("value"), where)
            entry = {"field": spec.name, "operator": operator}
            if checked is not None:
                entry["value"] = checked
            cleaned[group].append(entry)
    return cleaned


# --- evaluation on one ticket --------------------------------------------------------------------------


@dataclass
class Facts:
    """What conditions look at: the ticket's values, and for triggers the change that happened."""

    values: dict[str, Any]
    now: datetime
    events: tuple[str, ...] = ()
    changes: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    actor: str = "system"
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        if name.startswith(METADATA_PREFIX):
            return self.metadata.get(name[len(METADATA_PREFIX) :])
        if name == "event":
            return self.events
        if name == "actor":
            return self.actor
        return self.values.get(name)


@dataclass(frozen=True)
class Outcome:
    condition: dict[str, Any]
    group: str
    matched: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.condition, "group": self.group, "matched": self.matched, "reason": self.reason}


@dataclass(frozen=True)
class Evaluation:
    matched: bool
    outcomes: tuple[Outcome, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"matched": self.matched, "conditions": [o.as_dict() for o in self.outcomes]}


def _show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(none)"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def _hours_since(at: datetime | None, now: datetime) -> float | None:
    return None if at is None else (now - at).total_seconds() / 3600


def _compare(spec: FieldSpec, operator: str, expected: Any, actual: Any) -> bool:  # noqa: C901 - one table
    if operator == "is":
        return bool(actual) is expected if spec.kind == "flag" else actual == expected
    if operator == "is_not":
        return actual != expected
    if operator == "in":
        return actual in expected
    if operator == "not_in":
        return actual not in expected
    if operator == "present":
        return actual not in (None, "", [])
    if operator == "blank":
        return actual in (None, "", [])
    if operator == "includes":
        return any(tag in (actual or []) for tag in expected)
    if operator == "excludes":
        return not any(tag in (actual or []) for tag in expected)
    if operator == "at_least":
        return PRIORITY_RANK.get(actual, 0) >= PRIORITY_RANK[expected]
    if operator == "at_most":
        return PRIORITY_RANK.get(actual, 0) <= PRIORITY_RANK[expected]
    if operator == "gte":
        return actual is not None and actual >= expected
    if operator == "lte":
        return actual is not None and actual <= expected
    raise ValueError(operator)  # pragma: no cover - validate_conditions refuses it


def evaluate_one(condition: Mapping[str, Any], facts: Facts, group: str = "all") -> Outcome:
    spec = field_spec(condition["field"])
    assert spec is not None  # validated when saved
    operator = condition["operator"]
    expected: Any = condition.get("value")
    cond = dict(condition)
    if spec.kind == "event":
        events = facts.events
        ok = (expected in events) if operator == "is" else any(e in events for e in expected)
        return Outcome(cond, group, ok, f"events: {_show(list(events))}")
    if operator in CHANGE:
        change = facts.changes.get(spec.name)
        if operator == "changed":
            ok = change is not None
        elif operator == "not_changed":
            ok = change is None
        elif operator == "changed_from":
            ok = change is not None and change[0] == expected
        else:
            ok = change is not None and change[1] == expected
        said = "not changed" if change is None else f"changed {_show(change[0])} → {_show(change[1])}"
        return Outcome(cond, group, ok, f"{spec.name} {said}")
    actual = facts.value(spec.name)
    if spec.kind == "time":
        actual = _hours_since(actual, facts.now)
        said = "(none)" if actual is None else f"{actual:.1f} h"
        return Outcome(cond, group, _compare(spec, operator, expected, actual), f"{spec.name} is {said}")
    return Outcome(cond, group, _compare(spec, operator, expected, actual), f"{spec.name} is {_show(actual)}")


def evaluate(conditions: Mapping[str, Any], facts: Facts) -> Evaluation:
    """Every condition's outcome (none skipped, so explain shows them all) and the verdict."""
    all_items = conditions.get("all") or []
    any_items = conditions.get("any") or []
    outcomes = [evaluate_one(c, facts, "all") for c in all_items] + [evaluate_one(c, facts, "any") for c in any_items]
    all_ok = all(o.matched for o in outcomes if o.group == "all")
    any_ok = not any_items or any(o.matched for o in outcomes if o.group == "any")
    return Evaluation(all_ok and any_ok, tuple(outcomes))


# --- SQL ----------------------------------------------------------------------------------------------


def _tag_q(tag: str) -> Q:
    """The ticket's JSON tags hold `tag`: `@>` on PostgreSQL (GIN-friendly), json_each on SQLite."""
    from django.db import connection
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    if connection.vendor == "postgresql":
        return Q(tags__contains=[tag])
    has_tag = RawSQL(
        'EXISTS (SELECT 1 FROM json_each("tickets_ticket"."tags") WHERE json_each.value = %s)',
        (tag,),
        output_field=BooleanField(),
    )
    return Q(has_tag)


def replies(who: str) -> Any:
    """The ticket's replies from the customer, or agents' public replies (OuterRef: the ticket)."""
    from django.db.models import OuterRef

    from tickets.models import Comment

    qs = Comment.objects.filter(ticket=OuterRef("pk"))
    if who == "customer":
        return qs.filter(customer__isnull=False)
    return qs.filter(customer__isnull=True, author__isnull=False, is_internal=False)


def _reply_q(who: str, operator: str, cutoff: datetime | None) -> Q:
    """Hours since the last reply, as subqueries on comment_ticket_created_idx (per candidate ticket)."""
    from django.db.models import Exists

    if operator == "present":
        return Q(Exists(replies(who)))
    if operator == "blank":
        return ~Q(Exists(replies(who)))
    if operator == "gte":  # replied, and not since the cutoff
        return Q(Exists(replies(who))) & ~Q(Exists(replies(who).filter(created_at__gt=cutoff)))
    return Q(Exists(replies(who).filter(created_at__gte=cutoff)))


def _q_one(condition: Mapping[str, Any], now: datetime) -> Q:  # noqa: C901 - one table
    spec = field_spec(condition["field"])
    assert spec is not None
    operator = condition["operator"]
    expected: Any = condition.get("value")
    metadata_key = spec.name[len(METADATA_PREFIX) :]
    column = f"metadata__{metadata_key}" if spec.kind == "metadata" else (spec.column or spec.name)
    if spec.kind == "time" and column.startswith("reply:"):
        cutoff = now - timedelta(hours=expected) if operator in ("gte", "lte") else None
        return _reply_q(column.split(":", 1)[1], operator, cutoff)
    if spec.kind == "time":
        if operator == "present":
            return Q(**{f"{column}__isnull": False})
        if operator == "blank":
            return Q(**{f"{column}__isnull": True})
        cutoff = now - timedelta(hours=expected)
        # hours since >= N  <=>  at <= now - N h
        return Q(**{f"{column}__lte" if operator == "gte" else f"{column}__gte": cutoff})
    if spec.kind == "flag":
        if column.endswith("_at"):
            return Q(**{f"{column}__isnull": not expected})
        return Q(**{column: expected})
    if spec.kind == "tags":
        matched = Q()
        for tag in expected:
            matched |= _tag_q(tag)
        return matched if operator == "includes" else ~matched
    if operator == "is":
        return Q(**{column: expected})
    if operator == "is_not":
        return ~Q(**{column: expected}) | Q(**{f"{column}__isnull": True})
    if operator == "in":
        return Q(**{f"{column}__in": expected})
    if operator == "not_in":
        return ~Q(**{f"{column}__in": expected}) | Q(**{f"{column}__isnull": True})
    if operator == "present":
        return Q(**{f"{column}__isnull": False})
    if operator == "blank":
        return Q(**{f"{column}__isnull": True})
    if operator in ("at_least", "at_most"):
        rank = PRIORITY_RANK[expected]
        return Q(priority_rank__gte=rank) if operator == "at_least" else Q(priority_rank__lte=rank)
    raise ValueError(operator)  # pragma: no cover


def to_q(conditions: Mapping[str, Any], *, now: datetime) -> Q:
    """The conditions as a filter on tickets (automations; the trigger-only fields never reach here)."""
    q = Q()
    for condition in conditions.get("all") or []:
        q &= _q_one(condition, now)
    any_items = conditions.get("any") or []
    if any_items:
        any_q = Q()
        for condition in any_items:
            any_q |= _q_one(condition, now)
        q &= any_q
    return q
