"""Database helpers shared by every app: the planner's row estimates (PostgreSQL), so big
tables are never counted row by row, and the case-insensitive email match the indexes serve."""

from __future__ import annotations

import json

from django.db import connections
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact


def queryset_row_estimate(queryset: QuerySet) -> int:
    """The planner's row estimate for `queryset` (EXPLAIN, nothing is run)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def table_row_estimate(table: str, *, using: str = "default") -> int | None:
    """`pg_class.reltuples` for `table` (kept by autovacuum/ANALYZE); None off PostgreSQL, for an
    unknown table, or before the table was first analysed."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


def email_matches(email: str | None, field: str = "email") -> Exact:
    """A filter: `field` equals `email` ignoring case, written as the LOWER(email) unique indexes
    of customers and users read it, so the lookup is an index probe. (Django's `iexact` compares
    UPPER() on PostgreSQL, which no index covers: a sequential scan of the whole table.)"""
    return Exact(Lower(field), Lower(Value(email)))
