"""Ticket types (question, incident, ...) as an editable list and a nullable foreign key on the
ticket; its (type, status) index is built concurrently (config/migration_operations.py)."""

import django.db.models.deletion
from django.db import migrations, models

from config.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ('tickets', '0023_sla_policy_team_conditions'),
    ]

    operations = [
        migrations.CreateModel(
            name='TicketType',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(help_text='What the API, filters and rules use.', unique=True)),
                ('name', models.CharField(max_length=100)),
                ('description', models.CharField(blank=True, max_length=200)),
                ('position', models.PositiveSmallIntegerField(default=0, help_text='Order in lists (lowest first).')),
                ('is_active', models.BooleanField(default=True, help_text='Inactive types stay on the tickets that have them but cannot be chosen.')),
            ],
            options={
                'ordering': ['position', 'name'],
            },
        ),
        migrations.AddField(
            model_name='ticket',
            name='ticket_type',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='tickets.tickettype', verbose_name='type'),
        ),
        AddIndexConcurrently(
            model_name='ticket',
            index=models.Index(fields=['ticket_type', 'status'], name='ticket_type_status_idx'),
        ),
    ]
