"""Two PostgreSQL transactions at once, for the tests of who locks what (SQLite has no row locks)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, connections, transaction


def while_held(hold: Callable[[], object], other: Callable[[], object]) -> object:
    """Run `hold` in a transaction kept open, then `other` in a second connection whose lock waits
    give up at once (`lock_timeout`, raising OperationalError); returns what `other` returned.
    Only a lock wait ends `other` early, however slow the machine is."""
    held, release = threading.Event(), threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                hold()
                held.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    def second() -> object:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                return other()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder = pool.submit(first)
        assert held.wait(timeout=60)
        try:
            result = pool.submit(second).result(timeout=60)
        finally:
            release.set()
        holder.result(timeout=60)
    return result
