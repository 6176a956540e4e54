"""Writes to agents, teams and API keys."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from agents.models import Agent, Role, Team
from customers.validators import normalize_email

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
        if User.objects.filter(email__iexact=email).exists():
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
    return agent
