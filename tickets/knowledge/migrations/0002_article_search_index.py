"""The GIN expression index for knowledge-base search (selectors.article_search), PostgreSQL only.

The indexed expression is exactly `article_search_vector()` (title weighted A, body B), frozen here
as a migration must be. Not in Meta.indexes: SQLite (the quick start) has no GIN indexes. Built
CONCURRENTLY (a non-atomic migration), so adding it to a live table does not block writes."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

CONFIG = "english"
INDEX = GinIndex(
    SearchVector("title", weight="A", config=CONFIG) + SearchVector("body", weight="B", config=CONFIG),
    name="kb_article_search_gin",
)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("knowledge", "Article"), INDEX, concurrently=True)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("knowledge", "Article"), INDEX, concurrently=True)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("knowledge", "0001_knowledge_base")]

    operations = [migrations.RunPython(add_index, remove_index, elidable=False)]
