"""The SLA policies as the ticket writes use them, cached: opening a ticket (and every other
write that recomputes due times) reads its team's policy, targets and calendar holidays from the
cache (Redis in production, shared by every process) instead of three queries each time.

Invalidation is by generation: every cached spec's key carries the current generation, and any
change to a policy, a target, a calendar, a holiday or a policy's teams starts a new one (now and
again when the transaction commits, so a concurrent reader cannot re-cache what is being
replaced). Saves and deletes from anywhere (the admin, services, the shell) are caught by model
signals connected in `TicketsConfig.ready()`; bulk writes that send none call
`sla_policies_changed()` themselves. Entries also expire after POLICY_CACHE_SECONDS, which bounds
staleness where the cache is not shared (the local-memory default of a quick start: the worker
and the web process each hold their own copy)."""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.db import transaction

from tickets.sla import policies

POLICY_CACHE_SECONDS = 300
GENERATION_KEY = "sla:policy-generation"


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = time.time_ns()
        cache.add(GENERATION_KEY, generation, timeout=None)
        generation = cache.get(GENERATION_KEY, generation)
    return generation


def cached_policy_spec(team_id: int | None, load: Any) -> policies.PolicySpec:
    """The team's policy spec from the cache, else `load(team_id)` (then cached)."""
    key = f"sla:policy-spec:{_generation()}:{team_id}"
    spec = cache.get(key)
    if spec is None:
        spec = load(team_id)
        cache.set(key, spec, timeout=POLICY_CACHE_SECONDS)
    return spec


def _new_generation() -> None:
    cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def sla_policies_changed(**_: Any) -> None:
    """Forget every cached policy spec (a model signal receiver, or called after a bulk write)."""
    _new_generation()
    transaction.on_commit(_new_generation)
