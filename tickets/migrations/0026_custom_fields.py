"""Custom fields: the definitions, the ticket's JSONB `custom_fields` object, and its GIN index.

The index is `jsonb_path_ops` (smaller and faster than the default opclass; it answers exactly the
containment `@>` that tickets/custom_fields.py filters with), PostgreSQL only (SQLite has no GIN),
built CONCURRENTLY so adding it to a big live table does not block writes. Not in Meta.indexes for
the same reason as ticket_search_gin (0003)."""

from django.contrib.postgres.indexes import GinIndex


import django.utils.timezone
from django.db import migrations, models


INDEX = GinIndex(fields=["custom_fields"], opclasses=["jsonb_path_ops"], name="ticket_custom_fields_gin")


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("tickets", "Ticket"), INDEX, concurrently=True)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("tickets", "Ticket"), INDEX, concurrently=True)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ('tickets', '0025_default_ticket_types'),
    ]

    operations = [
        migrations.AddField(
            model_name='ticket',
            name='custom_fields',
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.CreateModel(
            name='CustomField',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.SlugField(help_text='The name in the API (`custom_fields.<key>`, filter `?cf_<key>=`), exports and webhooks. Letters, digits and underscores.', unique=True)),
                ('label', models.CharField(max_length=100)),
                ('field_type', models.CharField(choices=[('text', 'Text'), ('long_text', 'Long text'), ('number', 'Number (whole)'), ('decimal', 'Decimal'), ('date', 'Date'), ('dropdown', 'Dropdown'), ('multi_select', 'Multi-select'), ('checkbox', 'Checkbox'), ('url', 'URL')], default='text', max_length=20)),
                ('help_text', models.CharField(blank=True, max_length=300)),
                ('options', models.JSONField(blank=True, default=list, help_text='Dropdown and multi-select: the values that may be chosen (a list of strings). Removing one keeps it on the tickets that have it; it can no longer be chosen.')),
                ('required_statuses', models.JSONField(blank=True, default=list, help_text='Statuses a ticket may only be in with a value here, e.g. ["resolved", "closed"]: required to resolve. Empty: never required.')),
                ('is_customer_visible', models.BooleanField(default=False, help_text="Shown to customers, and asked in the portal's new-ticket form.")),
                ('is_active', models.BooleanField(default=True, help_text='Inactive fields keep their values but are not shown.')),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('categories', models.ManyToManyField(blank=True, help_text='Empty: every category.', related_name='custom_fields', to='tickets.category')),
                ('ticket_types', models.ManyToManyField(blank=True, help_text='Empty: every type.', related_name='custom_fields', to='tickets.tickettype')),
            ],
            options={
                'ordering': ['position', 'label'],
                'constraints': [models.CheckConstraint(condition=models.Q(('field_type__in', ['text', 'long_text', 'number', 'decimal', 'date', 'dropdown', 'multi_select', 'checkbox', 'url'])), name='customfield_type_valid'), models.CheckConstraint(condition=models.Q(('key__regex', '^[a-z][a-z0-9_]*$')), name='customfield_key_format')],
            },
        ),
        migrations.RunPython(add_index, remove_index, elidable=False),
    ]
