"""Which macros an agent may use: the shared ones and their own personal ones."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet

from agents.selectors import is_agent
from tickets.models.macros import Macro


def macro_list(*, user: AbstractBaseUser | None) -> QuerySet[Macro]:
    if not is_agent(user):
        return Macro.objects.none()
    return (
        Macro.objects.filter(Q(owner__isnull=True) | Q(owner=user), is_active=True)
        .select_related("set_team", "set_assignee", "owner")
        .order_by("name", "id")
    )


def macro_get(*, user: AbstractBaseUser | None, pk: int) -> Macro | None:
    return macro_list(user=user).filter(pk=pk).first()
