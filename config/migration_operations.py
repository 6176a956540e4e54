"""Migration operations shared by every app.

Indexes on the big tables (tickets, comments, events) are built with `CREATE INDEX CONCURRENTLY` on
PostgreSQL, so adding one to a million-row table does not block writes for minutes. Django's own
operations are PostgreSQL-only; these fall back to the plain statement on other databases (SQLite in
the quick start and the tests). A migration using them sets `atomic = False`, as PostgreSQL requires.
tests/config/test_migrations.py refuses a plain AddIndex/RemoveIndex on a big table in new migrations."""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently as _PostgresAddIndexConcurrently
from django.contrib.postgres.operations import RemoveIndexConcurrently as _PostgresRemoveIndexConcurrently
from django.db import migrations


class AddIndexConcurrently(_PostgresAddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexConcurrently(_PostgresRemoveIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
