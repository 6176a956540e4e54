"""The caller of a request (JWT or session): their user with the agent profile and customer record
joined, read from the shared cache, so an authenticated API request costs no query for who is
calling. One query on a miss (`users_with_profile`), then cached for CALLER_TTL.

Forgotten whenever the user, their agent profile or their customer record is saved or deleted
(signals, connected in AgentsConfig.ready): a password change, deactivation, a new role or scope
applies from the next request. The TTL bounds anything that changes those rows without a save
(a queryset `.update()`; the code base has none on them). The team memberships an agent's scope
reads are not part of the cached object (the scope is a subquery at query time)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache

CALLER_TTL = 300  # seconds
# Everything the role and scope checks read about a caller, joined to the user row.
PROFILE_RELATIONS = ("agent", "customer")


def users_with_profile() -> Any:
    return get_user_model().objects.select_related(*PROFILE_RELATIONS)


def _key(user_id: Any) -> str:
    return f"caller:{user_id}"


def caller_get(user_id: Any) -> Any:
    """The user `user_id` with profile and customer record, or None when there is none."""
    key = _key(user_id)
    user = cache.get(key)
    if user is None:
        user = users_with_profile().filter(pk=user_id).first()
        if user is not None:
            cache.set(key, user, CALLER_TTL)
    return user


def caller_forget(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Signal receiver: the saved or deleted user, agent profile or customer record's caller."""
    user_id = instance.pk if isinstance(instance, get_user_model()) else getattr(instance, "user_id", None)
    if user_id is not None:
        cache.delete(_key(user_id))


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    for sender in (get_user_model(), "agents.Agent", "customers.Customer"):
        name = sender if isinstance(sender, str) else sender._meta.label
        post_save.connect(caller_forget, sender=sender, dispatch_uid=f"caller_forget_saved_{name}")
        post_delete.connect(caller_forget, sender=sender, dispatch_uid=f"caller_forget_deleted_{name}")
