"""The SLA policies as the ticket writes use them, cached: opening a ticket (and every other
write that recomputes due times) reads the ordered policies, their targets, pauses and calendar
holidays from the cache (Redis in production, shared by every process) as one entry, and picks the
first that matches (tickets/sla/selection.py) in memory, instead of querying each time.

Invalidation is by generation: every cached spec's key carries the current generation, and any
change to a policy, a target, a calendar or a holiday starts a new one (now and
again when the transaction commits, so a concurrent reader cannot re-cache what is being
replaced). Saves and deletes from anywhere (the admin, services, the shell) are caught by model
signals connected in `TicketsConfig.ready()`; bulk writes that send none call
`sla_policies_changed()` themselves. Entries also expire after POLICY_CACHE_SECONDS, which bounds
staleness where the cache is not shared (the local-memory default of a quick start: the worker
and the web process each hold their own copy)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
POLICY_CACHE_SECONDS = 300
GENERATION_KEY = "sla:policy-generation"


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = time.time_ns()
        cache.add(GENERATION_KEY, generation, timeout=None)
        generation = cache.get(GENERATION_KEY, generation)
    return generation


def cached_policies(load: Callable[[], T]) -> T:
    """The ordered policies from the cache, else `load()` (then cached)."""
    key = f"sla:policies:{_generation()}"
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, timeout=POLICY_CACHE_SECONDS)
    return value


def _new_generation() -> None:
    cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def sla_policies_changed(**_: Any) -> None:
    """Forget every cached policy spec (a model signal receiver, or called after a bulk write)."""
    _new_generation()
    transaction.on_commit(_new_generation)
