"""Read scaling: reports and exports may read from a replica.

With `DATABASE_REPLICA_URL` set, settings add a `replica` database alias and this router. Code that
produces a report or an export wraps its reads in `reporting_reads()`; inside it every read goes to
the replica, and everything else (writes, reads outside the block, migrations) to the primary.
A replica lags the primary by a little: only reads that tolerate that (a report, an export of
tickets that already exist) belong in the block, never a read-then-write.

Unset (the default), there is no `replica` alias and the block changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA_ALIAS = "replica"
_reporting: ContextVar[bool] = ContextVar("helpdesk_reporting_reads", default=False)


def replica_configured() -> bool:
    return bool(getattr(settings, "DATABASE_REPLICA_URL", ""))


@contextmanager
def reporting_reads() -> Iterator[None]:
    """Send the reads inside the block to the replica (when one is configured)."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str:
        if _reporting.get() and replica_configured():
            return REPLICA_ALIAS
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same data as the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db != REPLICA_ALIAS
