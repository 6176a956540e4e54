"""Migration hygiene that review alone would miss: indexes on the big tables are built concurrently
(config/migration_operations.py) in every migration written after the rule was made."""

from __future__ import annotations

import pytest
from django.db import migrations
from django.db.migrations.loader import MigrationLoader

from config.migration_operations import AddIndexConcurrently, RemoveIndexConcurrently

# The tables that hold a row per ticket or more (a million and up in production).
BIG_TABLES = {("tickets", "ticket"), ("tickets", "comment"), ("tickets", "ticketevent")}
# The last migration of each app written before the rule; later ones must follow it.
RULE_STARTS_AFTER = {"tickets": 13}


def _new_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app_label, name), migration in sorted(loader.disk_migrations.items()):
        number = int(name.split("_", 1)[0])
        if app_label in RULE_STARTS_AFTER and number > RULE_STARTS_AFTER[app_label]:
            yield app_label, name, migration


def _offences(app_label: str, migration) -> list[str]:
    offences = []
    for operation in migration.operations:
        plain = type(operation) in (migrations.AddIndex, migrations.RemoveIndex)
        if plain and (app_label, operation.model_name.lower()) in BIG_TABLES:
            offences.append(f"{type(operation).__name__} on {operation.model_name}")
        concurrent = isinstance(operation, AddIndexConcurrently | RemoveIndexConcurrently)
        if concurrent and migration.atomic:
            offences.append(f"{type(operation).__name__} in an atomic migration (set atomic = False)")
    return offences


def test_new_migrations_build_big_table_indexes_concurrently():
    offences = {
        f"{app}.{name}": found for app, name, migration in _new_migrations() if (found := _offences(app, migration))
    }
    assert offences == {}, "use config.migration_operations.AddIndexConcurrently / RemoveIndexConcurrently"


@pytest.mark.parametrize(
    ("operation", "atomic", "expected"),
    [
        pytest.param(migrations.AddIndex, True, ["AddIndex on ticket"], id="plain-add-on-ticket"),
        pytest.param(migrations.RemoveIndex, True, ["RemoveIndex on ticket"], id="plain-remove-on-ticket"),
        pytest.param(AddIndexConcurrently, False, [], id="concurrent-add"),
        pytest.param(
            AddIndexConcurrently,
            True,
            ["AddIndexConcurrently in an atomic migration (set atomic = False)"],
            id="concurrent-add-atomic",
        ),
    ],
)
def test_the_rule_recognises_each_form(operation, atomic, expected):
    from django.db import models

    index = models.Index(fields=["created_at"], name="ticket_example_idx")
    op = operation(model_name="ticket", index=index) if "Add" in operation.__name__ else None
    if op is None:
        op = operation(model_name="ticket", name="ticket_example_idx")
    migration = type("Migration", (migrations.Migration,), {"operations": [op], "atomic": atomic})("0099_x", "tickets")
    assert _offences("tickets", migration) == expected


def _ticket_indexes() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, "tickets_ticket"))


@pytest.mark.django_db(transaction=True)
def test_add_index_concurrently_builds_and_drops_the_index_on_this_database():
    """CREATE INDEX CONCURRENTLY on PostgreSQL, the plain statement on SQLite; both ways work."""
    from django.db import connection, models

    state = MigrationLoader(connection).project_state()
    operation = AddIndexConcurrently(
        model_name="ticket", index=models.Index(fields=["updated_at", "id"], name="ticket_concurrent_test_idx")
    )
    new_state = state.clone()
    operation.state_forwards("tickets", new_state)
    with connection.schema_editor(atomic=False) as editor:
        operation.database_forwards("tickets", editor, state, new_state)
    assert "ticket_concurrent_test_idx" in _ticket_indexes()

    with connection.schema_editor(atomic=False) as editor:
        operation.database_backwards("tickets", editor, new_state, state)
    assert "ticket_concurrent_test_idx" not in _ticket_indexes()
