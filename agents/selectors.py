"""Reads about agents and the caller's role."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist

from agents.models import Agent, Role

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
