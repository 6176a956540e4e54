"""Rules as configuration: every trigger, automation and SLA policy as one document (JSON, or YAML),
and the import of such a document: validated as a whole first (each error names the section, the
rule and the field), then applied through the same services as the admin (triggers and
automations versioned), matched by name (a default rule also by its key). Rules absent from the
document are left alone. A dry run applies it inside a transaction that is rolled back and reports
what would change.

    {"version": 1,
     "triggers": [{"name", "description", "is_active", "position", "conditions", "actions", "key"}],
     "automations": [... the same ...],
     "sla_policies": [{"name", "description", "position", "is_default", "calendar", "conditions",
                       "pause_statuses", "targets": [{"priority", "tier", "first_response_minutes",
                       "next_reply_minutes", "resolution_minutes"}]}]}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from tickets.models import Automation, BusinessCalendar, Priority, SLAPolicy, SLATarget, Trigger
from tickets.rules.services import (
    SNAPSHOT_FIELDS,
    rule_save,
    rule_snapshot,
    rule_validate,
    sla_policy_snapshot,
    sla_policy_version_record,
)
from tickets.sla.selection import sla_policy_validate

VERSION = 1
RULE_FIELDS = ("description", "is_active", "position", "conditions", "actions")
POLICY_FIELDS = ("description", "position", "is_default", "conditions", "pause_statuses")
TARGET_FIELDS = ("priority", "tier", "first_response_minutes", "next_reply_minutes", "resolution_minutes")
SECTIONS: dict[str, type[Trigger] | type[Automation]] = {"triggers": Trigger, "automations": Automation}


class DocumentError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


# --- export --------------------------------------------------------------------------------------


def _policy_dict(policy: SLAPolicy) -> dict[str, Any]:
    return {
        "name": policy.name,
        **{name: getattr(policy, name) for name in POLICY_FIELDS},
        "calendar": policy.calendar.name if policy.calendar is not None else None,
        "targets": [
            {name: getattr(t, name) for name in TARGET_FIELDS}
            for t in sorted(policy.targets.all(), key=lambda t: (t.tier, Priority.values.index(t.priority)))
        ],
    }


def rules_export() -> dict[str, Any]:
    """Every trigger, automation and SLA policy, in the order they run."""
    document: dict[str, Any] = {"version": VERSION}
    for section, model in SECTIONS.items():
        document[section] = [
            {"name": r.name, **{n: getattr(r, n) for n in RULE_FIELDS}, "key": r.key}
            for r in model.objects.order_by("position", "id")
        ]
    policies = SLAPolicy.objects.select_related("calendar").prefetch_related("targets").order_by("position", "id")
    document["sla_policies"] = [_policy_dict(p) for p in policies]
    return document


# --- import --------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return (
            [f"create {name}" for name in self.created]
            + [f"update {name}" for name in self.updated]
            + [f"unchanged {name}" for name in self.unchanged]
        )


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{name}: {message}" for name, messages in exc.message_dict.items() for message in messages]
    return list(exc.messages)


def _entries(document: Mapping[str, Any], section: str, errors: list[str]) -> list[tuple[str, Mapping[str, Any]]]:
    items = document.get(section, [])
    if not isinstance(items, list):
        errors.append(f"{section}: a list of rules.")
        return []
    out = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        name = item.get("name") if isinstance(item, Mapping) else None
        where = f"{section} #{index}" + (f" '{name}'" if name else "")
        if not isinstance(item, Mapping) or not isinstance(name, str) or not name.strip():
            errors.append(f"{where}: name: every rule needs a name.")
            continue
        if name in seen:
            errors.append(f"{where}: name: appears twice in the document.")
            continue
        seen.add(name)
        out.append((where, item))
    return out


def _rule(model: type[Trigger] | type[Automation], item: Mapping[str, Any]) -> Trigger | Automation:
    rule = None
    if item.get("key"):
        rule = model.objects.filter(key=item["key"]).first()
    rule = rule or model.objects.filter(name=item["name"]).first() or model(name=item["name"])
    rule.name = item["name"]
    for name in RULE_FIELDS:
        if name in item:
            setattr(rule, name, item[name])
    return rule


def _policy(item: Mapping[str, Any], where: str, errors: list[str]) -> tuple[SLAPolicy, list[SLATarget]] | None:
    policy = SLAPolicy.objects.filter(name=item["name"]).first() or SLAPolicy(name=item["name"])
    for name in POLICY_FIELDS:
        if name in item:
            setattr(policy, name, item[name])
    calendar_name = item.get("calendar")
    policy.calendar = None
    if calendar_name:
        policy.calendar = BusinessCalendar.objects.filter(name=calendar_name).first()
        if policy.calendar is None:
            errors.append(f"{where}: calendar: no business calendar named {calendar_name!r}.")
    targets = []
    raw_targets = item.get("targets", [])
    if not isinstance(raw_targets, list):
        errors.append(f"{where}: targets: a list of targets.")
        raw_targets = []
    for number, raw in enumerate(raw_targets, start=1):
        target = SLATarget(policy=policy, **{k: raw.get(k) for k in TARGET_FIELDS if k in raw})
        target.tier = target.tier or ""
        try:
            target.full_clean(exclude=["policy"], validate_unique=False)
        except ValidationError as exc:
            errors += [f"{where}: targets #{number}: {m}" for m in _messages(exc)]
        targets.append(target)
    try:
        sla_policy_validate(policy)
        policy.full_clean(exclude=["conditions", "pause_statuses"], validate_unique=False)
    except ValidationError as exc:
        errors += [f"{where}: {m}" for m in _messages(exc)]
    return policy, targets


def _policy_state(policy: SLAPolicy, targets: list[SLATarget]) -> Any:
    return (
        {n: getattr(policy, n) for n in POLICY_FIELDS},
        policy.calendar_id,
        sorted(tuple(getattr(t, n) for n in TARGET_FIELDS) for t in targets),
    )


@transaction.atomic
def rules_import(*, document: Any, actor: Any = None, dry_run: bool = False) -> ImportReport:
    """Validate the whole document (DocumentError lists every problem), then apply it; with
    `dry_run`, roll back and only report."""
    if not isinstance(document, Mapping) or document.get("version") != VERSION:
        raise DocumentError([f'version: the document must be an object with "version": {VERSION}.'])
    unknown = sorted(set(document) - {"version", *SECTIONS, "sla_policies"})
    if unknown:
        raise DocumentError([f"{unknown[0]}: not a section (triggers, automations, sla_policies)."])
    errors: list[str] = []
    rules: list[tuple[str, Trigger | Automation]] = []
    for section, model in SECTIONS.items():
        for where, item in _entries(document, section, errors):
            rule = _rule(model, item)
            try:
                rule_validate(rule)
            except ValidationError as exc:
                errors += [f"{where}: {m}" for m in _messages(exc)]
            rules.append((f"{section[:-1]} '{rule.name}'", rule))
    policies: list[tuple[str, SLAPolicy, list[SLATarget]]] = []
    for where, item in _entries(document, "sla_policies", errors):
        loaded = _policy(item, where, errors)
        if loaded is not None:
            policies.append((f"SLA policy '{item['name']}'", *loaded))
    if errors:
        raise DocumentError(errors)
    report = _apply(rules, policies, actor)
    if dry_run:
        transaction.set_rollback(True)
    return report


def _apply(
    rules: list[tuple[str, Trigger | Automation]], policies: list[tuple[str, SLAPolicy, list[SLATarget]]], actor: Any
) -> ImportReport:
    report = ImportReport()
    for label, rule in rules:
        if rule.pk is None:
            report.created.append(label)
        else:
            current = type(rule).objects.get(pk=rule.pk)
            changed = {n: rule_snapshot(current)[n] for n in SNAPSHOT_FIELDS} != {
                n: getattr(rule, n) for n in SNAPSHOT_FIELDS
            }
            (report.updated if changed else report.unchanged).append(label)
        rule_save(rule=rule, actor=actor, note="Imported.")
    for label, policy, targets in policies:
        if policy.pk is None:
            report.created.append(label)
        else:
            saved = SLAPolicy.objects.get(pk=policy.pk)
            same = _policy_state(saved, list(saved.targets.all())) == _policy_state(policy, targets)
            (report.unchanged if same else report.updated).append(label)
        before = sla_policy_snapshot(SLAPolicy.objects.get(pk=policy.pk)) if policy.pk is not None else None
        if policy.is_default:
            SLAPolicy.objects.filter(is_default=True).exclude(pk=policy.pk).update(is_default=False)
        policy.save()
        SLATarget.objects.filter(policy=policy).delete()
        for target in targets:
            target.policy = policy
        SLATarget.objects.bulk_create(targets)
        sla_policy_version_record(policy=policy, actor=actor, before=before, note="Imported.")
    return report
