"""IdempotencyKey moves here from the agents app: the model enters this app's state on the
existing table (agents_idempotencykey, created by agents 0002), which is then renamed."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("agents", "0002_add_idempotency_key"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyKey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(max_length=255)),
                        ("method", models.CharField(max_length=10)),
                        ("path", models.CharField(max_length=255)),
                        (
                            "fingerprint",
                            models.CharField(help_text="SHA-256 of the method, path and JSON body.", max_length=64),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[("in_flight", "In flight"), ("completed", "Completed")],
                                default="in_flight",
                                max_length=10,
                            ),
                        ),
                        ("response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("response_body", models.JSONField(blank=True, null=True)),
                        ("response_headers", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "idempotency key",
                        "db_table": "agents_idempotencykey",
                        "indexes": [models.Index(fields=["created_at"], name="idempotency_created_idx")],
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "key"), name="idempotency_key_unique_per_user"),
                            models.CheckConstraint(
                                condition=models.Q(("state__in", ["in_flight", "completed"])),
                                name="idempotency_key_state_valid",
                            ),
                        ],
                    },
                ),
            ]
        ),
        migrations.AlterModelTable(name="idempotencykey", table=None),
    ]
