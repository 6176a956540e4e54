"""GIN expression indexes for full-text search (tickets.selectors.ticket_search), PostgreSQL only.

The indexed expressions are exactly the ones ticket_search queries (`ticket_search_vector()` and
`comment_search_vector()`), so PostgreSQL uses them; they are frozen here, as a migration must be,
and tests/tickets/test_selectors.py checks the query plan. Not in Meta.indexes: SQLite (the quick
start) has no GIN indexes. Hand-written and separate from schema migrations. Built CONCURRENTLY
(a non-atomic migration), so adding them to a big live table does not block writes."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

CONFIG = "english"
INDEXES = (
    ("Ticket", GinIndex(SearchVector("title", "description", config=CONFIG), name="ticket_search_gin")),
    ("Comment", GinIndex(SearchVector("body", config=CONFIG), name="comment_search_gin")),
)


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in INDEXES:
        schema_editor.add_index(apps.get_model("tickets", model_name), index, concurrently=True)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in INDEXES:
        schema_editor.remove_index(apps.get_model("tickets", model_name), index, concurrently=True)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("tickets", "0002_export_bulk_jobs_and_anonymized_at")]

    operations = [migrations.RunPython(add_indexes, remove_indexes, elidable=False)]
