"""The rules the product ships, created by a data migration (and again after a flush, see
tickets/apps.py) when their key is missing. An admin edits or disables them; deleting one is
refused (disable it instead), so a later migrate never brings back a rule an admin removed.

Automations' hours mirror the settings the fixed behaviours used before (ESCALATION_UNASSIGNED_HOURS
72, AUTO_CLOSE_RESOLVED_DAYS 7, AUTO_RESOLVE_PENDING_DAYS 14); the rule is now the place to change them."""

from __future__ import annotations

from typing import Any

DEFAULT_TRIGGERS: list[dict[str, Any]] = [
    {
        "key": "reopen-on-customer-reply",
        "name": "Reopen on customer reply",
        "description": "A customer's reply on a ticket waiting on them (pending) or resolved reopens it.",
        "position": 10,
        "conditions": {
            "all": [
                {"field": "event", "operator": "is", "value": "customer_replied"},
                {"field": "status", "operator": "in", "value": ["pending", "resolved"]},
            ],
            "any": [],
        },
        "actions": [{"action": "set_status", "value": "open"}],
    },
]

DEFAULT_AUTOMATIONS: list[dict[str, Any]] = [
    {
        "key": "escalate-sla-breached",
        "name": "Escalate on SLA breach",
        "description": "An active ticket whose SLA was breached goes up one priority and is marked escalated; "
        "once per breach.",
        "position": 10,
        "conditions": {
            "all": [
                {"field": "status", "operator": "in", "value": ["open", "in_progress", "pending", "on_hold"]},
                {"field": "sla_breached", "operator": "is", "value": True},
            ],
            "any": [],
        },
        "actions": [{"action": "escalate"}],
    },
    {
        "key": "escalate-unassigned",
        "name": "Escalate open and unassigned",
        "description": "An open ticket nobody took for 72 hours goes up one priority and is marked escalated.",
        "position": 20,
        "conditions": {
            "all": [
                {"field": "status", "operator": "is", "value": "open"},
                {"field": "assignee", "operator": "blank"},
                {"field": "hours_since_created", "operator": "gte", "value": 72},
            ],
            "any": [],
        },
        "actions": [{"action": "escalate"}],
    },
    {
        "key": "auto-close-resolved",
        "name": "Close resolved tickets",
        "description": "A resolved ticket the customer left silent for 7 days is closed.",
        "position": 30,
        "conditions": {
            "all": [
                {"field": "status", "operator": "is", "value": "resolved"},
                {"field": "hours_since_resolved", "operator": "gte", "value": 168},
            ],
            "any": [
                {"field": "hours_since_customer_reply", "operator": "blank"},
                {"field": "hours_since_customer_reply", "operator": "gte", "value": 168},
            ],
        },
        "actions": [{"action": "set_status", "value": "closed"}],
    },
    {
        "key": "auto-resolve-pending",
        "name": "Resolve pending tickets",
        "description": "A ticket waiting on the customer (pending) for 14 days without a reply is resolved, "
        "with an internal note.",
        "position": 40,
        "conditions": {
            "all": [
                {"field": "status", "operator": "is", "value": "pending"},
                {"field": "hours_since_status_change", "operator": "gte", "value": 336},
            ],
            "any": [
                {"field": "hours_since_customer_reply", "operator": "blank"},
                {"field": "hours_since_customer_reply", "operator": "gte", "value": 336},
            ],
        },
        "actions": [
            {"action": "set_status", "value": "resolved"},
            {"action": "add_note", "value": "Resolved automatically: no customer reply for 14 days while pending."},
        ],
    },
]


def defaults_ensure(model: Any, rules: list[dict[str, Any]]) -> list[str]:
    """Create the default rules whose key is missing (`model`: the migration's historical model,
    or the real one). Returns the keys created."""
    created: list[str] = []
    existing = set(model.objects.filter(key__isnull=False).values_list("key", flat=True))
    for rule in rules:
        if rule["key"] in existing:
            continue
        name = rule["name"]
        if model.objects.filter(name=name).exists():  # an admin's rule took the name
            name = f"{name} (default)"
        model.objects.create(**{**rule, "name": name})
        created.append(rule["key"])
    return created
