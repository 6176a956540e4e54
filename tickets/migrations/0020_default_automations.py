"""The default automations (escalation, auto-close and auto-resolve were fixed in code). Their
hours start from the settings the fixed behaviours read (ESCALATION_UNASSIGNED_HOURS,
AUTO_CLOSE_RESOLVED_DAYS, AUTO_RESOLVE_PENDING_DAYS), so a desk that tuned them keeps its values;
from now on the rules are the place to change them. Editable, can be disabled, not deleted."""

from django.conf import settings
from django.db import migrations

ACTIVE = ["open", "in_progress", "pending", "on_hold"]


def defaults():
    unassigned = getattr(settings, "ESCALATION_UNASSIGNED_HOURS", 72)
    close = getattr(settings, "AUTO_CLOSE_RESOLVED_DAYS", 7) * 24
    resolve_days = getattr(settings, "AUTO_RESOLVE_PENDING_DAYS", 14)
    resolve = resolve_days * 24
    silent = lambda hours: [  # noqa: E731 - one small shape, used twice
        {"field": "hours_since_customer_reply", "operator": "blank"},
        {"field": "hours_since_customer_reply", "operator": "gte", "value": hours},
    ]
    return [
        {
            "key": "escalate-sla-breached",
            "name": "Escalate on SLA breach",
            "description": "An active ticket whose SLA target was missed goes up one priority (critical stays "
            "critical) and is marked escalated; the team lead is notified. Once per breach.",
            "position": 10,
            "conditions": {
                "all": [
                    {"field": "status", "operator": "in", "value": ACTIVE},
                    {"field": "sla_breached", "operator": "is", "value": True},
                ],
                "any": [],
            },
            "actions": [{"action": "escalate"}],
        },
        {
            "key": "escalate-unassigned",
            "name": "Escalate open and unassigned",
            "description": f"An open ticket nobody took for {unassigned} hours goes up one priority and is marked "
            "escalated (not when it was already escalated, e.g. for a breach).",
            "position": 20,
            "conditions": {
                "all": [
                    {"field": "status", "operator": "is", "value": "open"},
                    {"field": "assignee", "operator": "blank"},
                    {"field": "escalated", "operator": "is", "value": False},
                    {"field": "hours_since_created", "operator": "gte", "value": unassigned},
                ],
                "any": [],
            },
            "actions": [{"action": "escalate"}],
        },
        {
            "key": "auto-close-resolved",
            "name": "Close resolved tickets",
            "description": f"A resolved ticket the customer left silent for {close // 24} days is closed.",
            "position": 30,
            "conditions": {
                "all": [
                    {"field": "status", "operator": "is", "value": "resolved"},
                    {"field": "hours_since_resolved", "operator": "gte", "value": close},
                ],
                "any": silent(close),
            },
            "actions": [{"action": "set_status", "value": "closed"}],
        },
        {
            "key": "auto-resolve-pending",
            "name": "Resolve pending tickets",
            "description": f"A ticket waiting on the customer (pending) for {resolve_days} days without a reply is "
            "resolved, with an internal note.",
            "position": 40,
            "conditions": {
                "all": [
                    {"field": "status", "operator": "is", "value": "pending"},
                    {"field": "hours_since_status_change", "operator": "gte", "value": resolve},
                ],
                "any": silent(resolve),
            },
            "actions": [
                {"action": "set_status", "value": "resolved"},
                {
                    "action": "add_note",
                    "value": f"Resolved automatically: no customer reply for {resolve_days} days while pending.",
                },
            ],
        },
    ]


def create(apps, schema_editor):
    automations = apps.get_model("tickets", "Automation").objects.using(schema_editor.connection.alias)
    for rule in defaults():
        if automations.filter(key=rule["key"]).exists():
            continue
        name = rule["name"] if not automations.filter(name=rule["name"]).exists() else f"{rule['name']} (default)"
        automations.create(**{**rule, "name": name})


def remove(apps, schema_editor):
    keys = [rule["key"] for rule in defaults()]
    apps.get_model("tickets", "Automation").objects.using(schema_editor.connection.alias).filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0019_ticket_status_changed_at")]

    operations = [migrations.RunPython(create, remove)]
