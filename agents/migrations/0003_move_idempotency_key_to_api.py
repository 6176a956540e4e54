"""IdempotencyKey is API plumbing: it moves to the config.api app (label "api"). State only here;
api 0001 takes the table over and renames it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0002_add_idempotency_key"),
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="IdempotencyKey")]),
    ]
