"""Saving rules: validated (errors name the rule's field and the condition or action at fault),
versioned (every save, delete and restore is a RuleVersion: who, when, before and after), and
admins only. Default rules (shipped, with a key) can be edited and disabled but not deleted."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from agents.models import Role, User
from agents.selectors import user_role
from config.exceptions import ApplicationError
from tickets.conditions import validate_conditions
from tickets.models import Automation, RuleKind, RuleVersion, SLAPolicy, Trigger
from tickets.rules.actions import validate_actions

Rule = Trigger | Automation
SNAPSHOT_FIELDS = ("name", "description", "is_active", "position", "conditions", "actions")


def rule_kind(rule: Rule | type[Rule]) -> str:
    model = rule if isinstance(rule, type) else type(rule)
    return RuleKind.TRIGGER if model is Trigger else RuleKind.AUTOMATION


def rule_snapshot(rule: Rule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in SNAPSHOT_FIELDS} | {"key": rule.key}


def require_rule_admin(actor: Any) -> None:
    if actor is None:  # the system (a migration, an import run by the operator)
        return
    if user_role(actor) != Role.ADMIN:
        raise ApplicationError("Only admins manage rules.", code="permission_denied", http_status=403)


def rule_validate(rule: Rule) -> None:
    """Normalise the rule's conditions and actions in place, or raise one ValidationError with
    every field at fault."""
    context = rule_kind(rule)
    errors: dict[str, list[str]] = {}
    try:
        rule.conditions = validate_conditions(rule.conditions, context=context)
    except ValidationError as exc:
        errors["conditions"] = exc.messages
    try:
        rule.actions = validate_actions(rule.actions, context=context)
    except ValidationError as exc:
        errors["actions"] = exc.messages
    try:
        rule.full_clean(exclude=["conditions", "actions", "key"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _version(
    rule: Rule | SLAPolicy, *, kind: str, rule_id: int, actor: Any, before: Any, after: Any, note: str
) -> RuleVersion:
    last = RuleVersion.objects.filter(kind=kind, rule_id=rule_id).aggregate(n=Max("number"))["n"] or 0
    return RuleVersion.objects.create(
        kind=kind,
        rule_id=rule_id,
        number=last + 1,
        actor=actor if isinstance(actor, User) else None,
        before=before,
        after=after,
        note=note[:200],
    )


@transaction.atomic
def rule_save(*, rule: Rule, actor: Any, note: str = "") -> Rule:
    """Create or change a trigger or automation; records a version unless nothing changed."""
    require_rule_admin(actor)
    rule_validate(rule)
    model = type(rule)
    before = None
    if rule.pk is not None:
        current = model.objects.select_for_update().filter(pk=rule.pk).first()
        before = rule_snapshot(current) if current is not None else None
        if current is not None:
            rule.key = current.key  # the key is the product's, never the caller's
    rule.save()
    after = rule_snapshot(rule)
    if before != after:
        _version(rule, kind=rule_kind(rule), rule_id=rule.pk, actor=actor, before=before, after=after, note=note)
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, actor: Any) -> None:
    require_rule_admin(actor)
    if rule.key:
        raise ApplicationError(
            f"'{rule.name}' is a default rule: disable it instead of deleting it.", code="default_rule", http_status=409
        )
    before = rule_snapshot(rule)
    kind, rule_id = rule_kind(rule), rule.pk
    rule.delete()
    _version(rule, kind=kind, rule_id=rule_id, actor=actor, before=before, after=None, note="Deleted.")


@transaction.atomic
def rule_restore(*, version: RuleVersion, actor: Any) -> Rule:
    """Put the rule back as it was in `version` (after that save; for a deletion, before it).
    A deleted rule is created again under its old id. Restoring is itself a new version."""
    require_rule_admin(actor)
    model: type[Rule] = Trigger if version.kind == RuleKind.TRIGGER else Automation
    state = version.after if version.after is not None else version.before
    if state is None:
        raise ApplicationError("This version holds no rule to restore.", code="empty_version", http_status=409)
    rule = model.objects.filter(pk=version.rule_id).first() or model(pk=version.rule_id)
    for name in SNAPSHOT_FIELDS:
        setattr(rule, name, state[name])
    if rule.key is None and state.get("key"):
        rule.key = state["key"]
    return rule_save(rule=rule, actor=actor, note=f"Restored version {version.number}.")


# --- SLA policies: versioned like the rules (the admin and rules_import save them) ------------------

POLICY_SNAPSHOT_FIELDS = (
    "name",
    "description",
    "position",
    "is_default",
    "calendar_id",
    "conditions",
    "pause_statuses",
)
TARGET_SNAPSHOT_FIELDS = ("priority", "tier", "first_response_minutes", "next_reply_minutes", "resolution_minutes")


def sla_policy_snapshot(policy: SLAPolicy) -> dict[str, Any]:
    """The policy and its targets as a version records them (reads the targets: one query)."""
    targets = sorted(
        ({name: getattr(t, name) for name in TARGET_SNAPSHOT_FIELDS} for t in policy.targets.all()),
        key=lambda t: (t["tier"], t["priority"]),
    )
    return {name: getattr(policy, name) for name in POLICY_SNAPSHOT_FIELDS} | {"targets": targets}


def sla_policy_version_record(*, policy: SLAPolicy, actor: Any, before: dict[str, Any] | None, note: str = "") -> None:
    """Record a version of the policy as it is now, unless nothing changed since `before`."""
    after = sla_policy_snapshot(policy)
    if before != after:
        _version(
            policy, kind=RuleKind.SLA_POLICY, rule_id=policy.pk, actor=actor, before=before, after=after, note=note
        )
