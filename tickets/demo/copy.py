"""PostgreSQL bulk loading for the demo seeder (tickets/demo/bulk.py): rows written with COPY in its
text format, primary keys handed out in blocks under a table lock, and the catalogue queries that
find the foreign keys and secondary indexes to drop before a large load and build again after it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

NULL = "\\N"


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _formatter(field: models.Field) -> Callable[[Any], str]:
    """How one column's values are written in COPY's text format."""
    if isinstance(field, models.JSONField):
        return _json_formatter()
    if isinstance(field, models.BooleanField):
        return lambda value: NULL if value is None else ("t" if value else "f")
    if isinstance(field, models.DateTimeField):
        return lambda value: NULL if value is None else value.isoformat()
    if isinstance(field, models.IntegerField | models.ForeignKey | models.AutoField):
        return lambda value: NULL if value is None else str(value)
    return lambda value: NULL if value is None else _escape(str(value))


def _json_formatter() -> Callable[[Any], str]:
    """JSON values, the few that repeat (the seed's tags and metadata) encoded once."""
    encoded: dict[str, str] = {}

    def fmt(value: Any) -> str:
        if value is None:
            return NULL
        key = repr(value)  # the same repr, the same plain JSON value
        text = encoded.get(key)
        if text is None:
            text = _escape(json.dumps(value))
            if len(encoded) < 1000:
                encoded[key] = text
        return text

    return fmt


def copy_text(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The rows (tuples in `columns` order, attnames) in COPY's text format, with one formatter per
    column (psycopg's per-value adaptation costs several times more). Every other column gets its
    model default, so a field added later never breaks the seed. Pure Python: the seeder's worker
    processes call it."""
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    formatters = [_formatter(by_attname[name]) for name in columns]
    tail = "".join("\t" + _formatter(field)(field.get_default()) for field in _rest(model, columns))
    lines = ["\t".join([f(v) for f, v in zip(formatters, row, strict=True)]) + tail for row in rows]
    return "\n".join(lines) + "\n" if lines else ""


def copy_write(model: type[models.Model], columns: Sequence[str], text: str) -> None:
    """COPY rows formatted by copy_text into the model's table (PostgreSQL)."""
    if not text:
        return
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in columns] + _rest(model, columns)
    names = ", ".join(f'"{field.column}"' for field in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY is not in the DB-API
        with raw.copy(f'COPY "{model._meta.db_table}" ({names}) FROM STDIN') as copy:
            copy.write(text)


def _rest(model: type[models.Model], columns: Sequence[str]) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if field.attname not in columns and not field.primary_key and not field.generated
    ]


class IdBlock:
    """Primary keys handed out here, for the duration of the load (the tables are locked against
    other writers); the sequences are moved past them at the end."""

    def __init__(self, models_: Sequence[type[models.Model]]) -> None:
        self.next: dict[type[models.Model], int] = {}
        with connection.cursor() as cursor:
            for model in models_:
                table = model._meta.db_table
                cursor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
                cursor.execute(
                    f"SELECT greatest(coalesce(max(id), 0), (SELECT last_value FROM "  # noqa: S608
                    f'{_sequence(cursor, table)})) FROM "{table}"'
                )
                self.next[model] = cursor.fetchone()[0] + 1

    def take(self, model: type[models.Model], count: int) -> range:
        first = self.next[model]
        self.next[model] = first + count
        return range(first, first + count)

    def finish(self) -> None:
        with connection.cursor() as cursor:
            for model, next_id in self.next.items():
                sequence = _sequence(cursor, model._meta.db_table)
                cursor.execute("SELECT setval(%s, %s, false)", [sequence, next_id])


def _sequence(cursor: Any, table: str) -> str:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    return cursor.fetchone()[0]


def foreign_keys(tables: Iterable[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of every foreign key of `tables`."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
            JOIN pg_class t ON t.oid = c.conrelid
            WHERE c.contype = 'f' AND t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
            ORDER BY t.relname, c.conname
            """,
            [list(tables)],
        )
        return list(cursor.fetchall())


def secondary_indexes(tables: Iterable[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of every index of `tables` that backs no constraint."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            ORDER BY i.tablename, i.indexname
            """,
            [list(tables)],
        )
        return list(cursor.fetchall())
