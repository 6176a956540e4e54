"""Ticket.status_changed_at: when the status last changed (automations' "hours since the status
changed"). Existing rows get the best time the row knows: closed_at, resolved_at, the pending
pause's start, else the last update (one UPDATE). The index is built concurrently (big table)."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import Case, F, When
from django.db.models.functions import Coalesce

from config.migration_operations import AddIndexConcurrently


def backfill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    Ticket.objects.using(schema_editor.connection.alias).update(
        status_changed_at=Case(
            When(status="closed", closed_at__isnull=False, then=F("closed_at")),
            When(status="resolved", resolved_at__isnull=False, then=F("resolved_at")),
            When(status="pending", then=Coalesce(F("sla_paused_at"), F("updated_at"))),
            default=F("updated_at"),
        )
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0018_ticket_csat_rated_index")]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="status_changed_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        AddIndexConcurrently(
            model_name="ticket",
            index=models.Index(fields=["status", "status_changed_at"], name="ticket_status_changed_idx"),
        ),
    ]
