"""Roles map to Django groups and permissions, so the admin enforces them by itself.

- viewer: may look at everything agents work with, change nothing;
- agent: works tickets (add/change tickets, write comments, attach files), never deletes;
- senior_agent: an agent who may also add and edit customers;
- admin: a superuser (agents.services keeps `is_superuser` in step with the role); the "Admin"
  group holds every permission below as well, so the role is legible in the admin.

The table names permissions as "app_label.codename"; a permission whose model does not exist
(yet) is skipped, so other apps can list theirs here as they are added. `role_groups_sync()` in
agents/services.py writes this table to the database; it runs after every `migrate` (post_migrate,
see agents/apps.py) and is idempotent."""

from __future__ import annotations

from agents.models import Role

# What everybody in the support team may look at.
VIEWABLE_MODELS: tuple[str, ...] = (
    "tickets.ticket",
    "tickets.comment",
    "tickets.attachment",
    "tickets.ticketevent",
    "tickets.category",
    "customers.customer",
    "customers.organization",
    "customers.organizationdomain",
    "agents.agent",
    "agents.team",
    "agents.user",
)


def _view() -> set[str]:
    return {f"{model.split('.')[0]}.view_{model.split('.')[1]}" for model in VIEWABLE_MODELS}


_AGENT = _view() | {
    "tickets.add_ticket",
    "tickets.change_ticket",
    "tickets.add_comment",
    "tickets.add_attachment",
}
_SENIOR_AGENT = _AGENT | {"customers.add_customer", "customers.change_customer"}
_ADMIN = _SENIOR_AGENT | {
    f"{model.split('.')[0]}.{action}_{model.split('.')[1]}"
    for model in VIEWABLE_MODELS
    for action in ("add", "change", "delete")
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset(_view()),
    Role.AGENT: frozenset(_AGENT),
    Role.SENIOR_AGENT: frozenset(_SENIOR_AGENT),
    Role.ADMIN: frozenset(_ADMIN),
}

# The group of each role is named after the role's label ("Senior agent").
ROLE_GROUP_NAMES: dict[str, str] = {role.value: str(role.label) for role in Role}
