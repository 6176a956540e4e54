"""Writes to agents, teams and API keys."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from agents.models import Agent, ApiKey, FollowedUpdates, Priority, Role, Team, TicketScope
from agents.roles import ROLE_GROUP_NAMES, ROLE_PERMISSIONS
from config.db import email_matches
from config.services import fields_refuse_unknown, model_update
from config.validators import normalize_email

User = get_user_model()


@transaction.atomic
def agent_create(
    *,
    email: str,
    name: str = "",
    role: str = Role.AGENT,
    teams: Iterable[Team] = (),
    password: str | None = None,
    skills: list[str] | None = None,
    max_open_tickets: int = 20,
    actor: AbstractBaseUser | None = None,
) -> Agent:
    """Create a login with an agent profile. Agents log into the admin (is_staff); admins are
    superusers. A password, when given, must pass the password validators."""
    errors: dict[str, list[str]] = {}
    try:
        email = normalize_email(email)
    except ValidationError as exc:
        errors["email"] = exc.messages
    else:
        if User.objects.filter(email_matches(email)).exists():
            errors["email"] = ["A user with this email already exists."]
    if role not in Role.values:
        errors["role"] = [f"'{role}' is not a valid role; use one of: {', '.join(Role.values)}."]
    if password:
        try:
            validate_password(password, User(email=email, name=name))
        except ValidationError as exc:
            errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(
        email=email, password=password or None, name=name, is_staff=True, is_superuser=role == Role.ADMIN
    )
    agent = Agent.objects.create(user=user, role=role, skills=skills or [], max_open_tickets=max_open_tickets)
    agent.teams.set(list(teams))
    _apply_role(user, role)
    return agent


# --- API surface (issue 4): agents, teams and API keys written through the REST API ------------

TEAM_WRITABLE_FIELDS = (
    "name",
    "description",
    "email",
    "lead",
    "assignment_strategy",
    "auto_assign_priorities",
    "is_default",
)


@transaction.atomic
def agent_deactivate(*, agent: Agent, actor: AbstractBaseUser | None = None) -> Agent:
    """Remove an agent without losing history: the login is disabled and no work is assigned."""
    if actor is not None and agent.user_id == actor.pk:
        raise ValidationError({"agent": ["You cannot deactivate yourself."]})
    user = agent.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    agent.is_available = False
    agent.save(update_fields=["is_available", "updated_at"])
    return agent


def _team_clean(data: dict, *, team: Team | None) -> dict:
    from agents.models import AssignmentStrategy

    errors: dict[str, list[str]] = {}
    cleaned = dict(data)
    team_pk: Any = getattr(team, "pk", None)  # None for a new team: excludes nothing
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            errors["name"] = ["This field may not be blank."]
        elif Team.objects.filter(name__iexact=cleaned["name"]).exclude(pk=team_pk).exists():
            errors["name"] = ["A team with this name already exists."]
    if "assignment_strategy" in cleaned and cleaned["assignment_strategy"] not in AssignmentStrategy.values:
        errors["assignment_strategy"] = [f"Use one of: {', '.join(AssignmentStrategy.values)}."]
    if "auto_assign_priorities" in cleaned:
        values = cleaned["auto_assign_priorities"]
        if not isinstance(values, list) or any(v not in Priority.values for v in values):
            errors["auto_assign_priorities"] = [f"A list of priorities: {', '.join(Priority.values)}."]
    if cleaned.get("is_default") and Team.objects.filter(is_default=True).exclude(pk=team_pk).exists():
        errors["is_default"] = ["Another team is already the default team."]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def team_create(*, name: str, actor: AbstractBaseUser | None = None, **fields: object) -> Team:
    fields_refuse_unknown(fields, TEAM_WRITABLE_FIELDS, verb="set")
    cleaned = _team_clean({"name": name, **fields}, team=None)
    return Team.objects.create(**cleaned)


@transaction.atomic
def team_update(*, team: Team, data: dict, actor: AbstractBaseUser | None = None) -> Team:
    fields_refuse_unknown(data, TEAM_WRITABLE_FIELDS)
    team, _ = model_update(instance=team, data=_team_clean(data, team=team))
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: AbstractBaseUser | None = None) -> None:
    """Delete a team; its tickets and categories keep existing, unrouted (SET_NULL)."""
    team.delete()


@transaction.atomic
def api_key_create(
    *,
    name: str,
    role: str = Role.AGENT,
    actor: AbstractBaseUser | None = None,
    expiry_date: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create an integration key bound to a role. Returns (api_key, plain_key): the plain key is
    shown this once; only its hash is stored. The key acts as a service user with an agent
    profile of its role that is never available for assignment and cannot log in."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["This field may not be blank."]
    if role not in Role.values:
        errors["role"] = [f"'{role}' is not a valid role; use one of: {', '.join(Role.values)}."]
    if errors:
        raise ValidationError(errors)
    created, plain_key = ApiKey.objects.create_key(name=name[:50], role=role, created_by=actor, expiry_date=expiry_date)
    api_key = cast(ApiKey, created)  # the library types its manager with the abstract model
    user = User.objects.create_user(
        email=f"api-key-{api_key.prefix.lower()}@api-keys.invalid",
        password=None,
        name=f"API key: {name}"[:150],
        is_staff=False,
    )
    Agent.objects.create(user=user, role=role, is_available=False, max_open_tickets=0)
    api_key.user = user
    api_key.save(update_fields=["user"])
    return api_key, plain_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: AbstractBaseUser | None = None) -> ApiKey:
    """Revoke a key for good (djangorestframework-api-key refuses to un-revoke)."""
    if not api_key.revoked:
        api_key.revoked = True
        api_key.save(update_fields=["revoked"])
    return api_key


@transaction.atomic
def api_key_set_expiry(
    *, api_key: ApiKey, expiry_date: datetime | None, actor: AbstractBaseUser | None = None
) -> ApiKey:
    """Set or clear when a key stops working (a past date disables it at once)."""
    if api_key.revoked:
        raise ValidationError({"expiry_date": ["A revoked key cannot be changed."]})
    api_key.expiry_date = expiry_date
    api_key.save(update_fields=["expiry_date"])
    return api_key


# --- roles -> groups and permissions ----------------------------------------------------------


def role_groups_sync() -> dict[str, Group]:
    """Create or update one group per role with exactly the permissions of agents.roles (existing
    extra permissions are removed; missing models are skipped). Idempotent: it runs after every
    migrate. Returns the groups by role."""
    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    apps_labels = {perm.split(".")[0] for perm in wanted}
    by_name = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.filter(content_type__app_label__in=apps_labels).select_related("content_type")
    }
    groups: dict[str, Group] = {}
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
        group.permissions.set([by_name[perm] for perm in sorted(perms) if perm in by_name])
        groups[role] = group
    return groups


def _role_group(role: str) -> Group:
    group = Group.objects.filter(name=ROLE_GROUP_NAMES[role]).first()
    return group if group is not None else role_groups_sync()[role]


def _apply_role(user: AbstractBaseUser, role: str) -> None:
    """The user's access follows the role: staff always (the admin is the agents' UI), superuser
    for admins only, and the role's group instead of any other role group."""
    role_group_names = set(ROLE_GROUP_NAMES.values())
    keep = [g for g in user.groups.all() if g.name not in role_group_names]  # type: ignore[attr-defined]
    user.groups.set([*keep, _role_group(role)])  # type: ignore[attr-defined]
    fields = []
    if not user.is_staff:  # type: ignore[attr-defined]
        user.is_staff = True  # type: ignore[attr-defined]
        fields.append("is_staff")
    if user.is_superuser != (role == Role.ADMIN):  # type: ignore[attr-defined]
        user.is_superuser = role == Role.ADMIN  # type: ignore[attr-defined]
        fields.append("is_superuser")
    if fields:
        user.save(update_fields=fields)


AGENT_UPDATABLE_FIELDS = (
    "name",
    "role",
    "teams",
    "skills",
    "max_open_tickets",
    "is_available",
    "is_active",
    "ticket_scope",
    "notify_followed",
    "notify_mentions",
)
AGENT_PROFILE_FIELDS = (
    "role",
    "skills",
    "max_open_tickets",
    "is_available",
    "ticket_scope",
    "notify_followed",
    "notify_mentions",
)


def _agent_update_errors(*, agent: Agent, data: dict[str, Any], actor: AbstractBaseUser | None) -> dict[str, list[str]]:
    """The field errors of an `agent_update` payload, all at once; {} when it is valid."""
    errors: dict[str, list[str]] = {}
    if "ticket_scope" in data and data["ticket_scope"] not in TicketScope.values:
        errors["ticket_scope"] = [f"'{data['ticket_scope']}' is not a valid scope; use one of: all, teams, assigned."]
    if "notify_followed" in data and data["notify_followed"] not in FollowedUpdates.values:
        errors["notify_followed"] = [f"Use one of: {', '.join(FollowedUpdates.values)}."]
    if "notify_mentions" in data and not isinstance(data["notify_mentions"], bool):
        errors["notify_mentions"] = ["Must be true or false."]
    if "role" in data and data["role"] not in Role.values:
        errors["role"] = [f"'{data['role']}' is not a valid role; use one of: {', '.join(Role.values)}."]
    if "max_open_tickets" in data and (not isinstance(data["max_open_tickets"], int) or data["max_open_tickets"] < 0):
        errors["max_open_tickets"] = ["Enter a whole number, 0 or more."]
    if "skills" in data and (
        not isinstance(data["skills"], list) or not all(isinstance(s, str) and s for s in data["skills"])
    ):
        errors["skills"] = ["Skills must be a list of category slugs."]
    is_self = actor is not None and actor.pk == agent.user_id
    if is_self and agent.role == Role.ADMIN and data.get("role", Role.ADMIN) != Role.ADMIN:
        errors["role"] = ["You cannot remove your own admin role."]
    if is_self and data.get("is_active") is False:
        errors["is_active"] = ["You cannot deactivate your own login."]
    return errors


@transaction.atomic
def agent_update(*, agent: Agent, data: dict[str, Any], actor: AbstractBaseUser | None = None) -> Agent:
    """Change an agent's profile (role, teams, skills, capacity, availability) or login (name,
    is_active). A role change moves the user to the role's group and keeps `is_superuser` in step.
    An admin cannot demote or deactivate themself (they would lock themselves out)."""
    fields_refuse_unknown(data, AGENT_UPDATABLE_FIELDS)
    errors = _agent_update_errors(agent=agent, data=data, actor=actor)
    if errors:
        raise ValidationError(errors)

    agent = Agent.objects.select_for_update().select_related("user").get(pk=agent.pk)
    user = agent.user
    agent, _ = model_update(instance=agent, data={f: data[f] for f in AGENT_PROFILE_FIELDS if f in data})
    model_update(instance=user, data={f: data[f] for f in ("name", "is_active") if f in data})
    if "teams" in data:
        agent.teams.set(list(data["teams"]))
    if "role" in data:
        _apply_role(user, agent.role)
    return agent
