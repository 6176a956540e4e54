"""Reads about agents and the caller's role."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from agents.models import Agent, Role, User

CUSTOMER_ROLE = "customer"


def agent_for_user(user: AbstractBaseUser | None) -> Agent | None:
    """The user's agent profile, or None (customers, anonymous). Cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.agent  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return None


def user_role(user: AbstractBaseUser | None) -> str | None:
    """admin, senior_agent, agent, viewer, customer, or None. Superusers count as admins."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    agent = agent_for_user(user)
    if agent is not None:
        return agent.role
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    try:
        user.customer  # type: ignore[attr-defined]  # noqa: B018
    except ObjectDoesNotExist:
        return None
    return CUSTOMER_ROLE


def is_agent(user: AbstractBaseUser | None) -> bool:
    return user_role(user) in Role.values


ASSIGNABLE_ROLES = frozenset({Role.ADMIN, Role.SENIOR_AGENT, Role.AGENT})


def assignee_refusal(user: AbstractBaseUser | None) -> str | None:
    """Why `user` may not be given a ticket by hand, or None: only active people with a role
    that works tickets (not viewers, who are read-only, and not an API key's service user).
    Availability and capacity are left to whoever assigns by hand (they may override them)."""
    agent = agent_for_user(user)
    if agent is None or not getattr(user, "is_active", False):
        return "Tickets can only be assigned to active agents."
    if agent.role not in ASSIGNABLE_ROLES:
        return "Tickets cannot be assigned to a viewer (the role is read-only)."
    if _is_service_user(user):
        return "Tickets cannot be assigned to an API key."
    return None


def assignable_users() -> QuerySet[User]:
    """The people a ticket may be assigned to by hand (the rule of `assignee_refusal`, as a query)."""
    return User.objects.filter(is_active=True, agent__role__in=ASSIGNABLE_ROLES, api_key__isnull=True)


def _is_service_user(user: AbstractBaseUser | None) -> bool:
    try:
        return user.api_key is not None  # type: ignore[union-attr]
    except ObjectDoesNotExist:
        return False
