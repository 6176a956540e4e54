"""The CSAT index on the ticket table, built concurrently (config/migration_operations.py)."""

from django.db import migrations, models

from config.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("tickets", "0017_portal_deflection_and_satisfaction")]

    operations = [
        AddIndexConcurrently(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("satisfaction_rated_at__isnull", False)),
                fields=["satisfaction_rated_at"],
                name="ticket_csat_rated_idx",
            ),
        ),
    ]
