"""SLA policies by condition (ordered, first match wins), pause statuses per policy and metric,
next-reply targets and the ticket's next-reply clock, the policy a ticket runs under, and the
per-ticket SLA event log. The ticket index is built concurrently (big table)."""

import django.db.models.deletion
import tickets.models.sla
from django.conf import settings
from django.db import migrations, models

from config.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ('agents', '0004_agent_ticket_scope'),
        ('customers', '0004_organization_share_tickets'),
        ('tickets', '0021_ticket_links_and_merges'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SLAEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('metric', models.CharField(choices=[('first_response', 'First response'), ('next_reply', 'Next reply'), ('resolution', 'Resolution')], max_length=20)),
                ('kind', models.CharField(choices=[('started', 'Started'), ('paused', 'Paused'), ('resumed', 'Resumed'), ('achieved', 'Achieved'), ('breached', 'Breached')], max_length=10)),
                ('at', models.DateTimeField()),
                ('detail', models.JSONField(blank=True, default=dict)),
            ],
            options={
                'verbose_name': 'SLA event',
                'ordering': ['ticket', 'at', 'id'],
            },
        ),
        migrations.AlterModelOptions(
            name='slapolicy',
            options={'ordering': ['position', 'id'], 'verbose_name': 'SLA policy', 'verbose_name_plural': 'SLA policies'},
        ),
        migrations.AddField(
            model_name='slapolicy',
            name='conditions',
            field=models.JSONField(blank=True, default=tickets.models.sla.empty_policy_conditions, help_text='As for triggers: {"all": [{"field": "team", "operator": "in", "value": [3]}], "any": [...]}. Fields: customer_tier, organization, category, priority, channel, team.'),
        ),
        migrations.AddField(
            model_name='slapolicy',
            name='pause_statuses',
            field=models.JSONField(blank=True, default=tickets.models.sla.default_pause_statuses, help_text='Statuses that pause each clock: {"first_response": [], "next_reply": [], "resolution": ["on_hold", "pending"]}. Resolved and closed always stop resolution.'),
        ),
        migrations.AddField(
            model_name='slapolicy',
            name='position',
            field=models.PositiveIntegerField(default=100, help_text='Lower is tried first; ties by id.'),
        ),
        migrations.AddField(
            model_name='slatarget',
            name='next_reply_minutes',
            field=models.PositiveIntegerField(blank=True, help_text='From each customer reply to the next public agent reply.', null=True),
        ),
        migrations.AddField(
            model_name='ticket',
            name='next_reply_breached_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='ticket',
            name='next_reply_due_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='ticket',
            name='sla_policy',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tickets.slapolicy'),
        ),
        migrations.AlterField(
            model_name='slapolicy',
            name='is_default',
            field=models.BooleanField(default=False, help_text='Applies to tickets no other policy matches.'),
        ),
        AddIndexConcurrently(
            model_name='ticket',
            index=models.Index(condition=models.Q(('next_reply_breached_at__isnull', True), ('status__in', ['in_progress', 'on_hold', 'open', 'pending'])), fields=['next_reply_due_at'], name='ticket_nrt_due_open_idx'),
        ),
        migrations.AddField(
            model_name='slaevent',
            name='ticket',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='sla_events', to='tickets.ticket'),
        ),
        migrations.AddIndex(
            model_name='slaevent',
            index=models.Index(fields=['ticket', 'at', 'id'], name='slaevent_ticket_at_idx'),
        ),
        migrations.AddConstraint(
            model_name='slaevent',
            constraint=models.CheckConstraint(condition=models.Q(('metric__in', ['first_response', 'next_reply', 'resolution'])), name='slaevent_metric_valid'),
        ),
        migrations.AddConstraint(
            model_name='slaevent',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['started', 'paused', 'resumed', 'achieved', 'breached'])), name='slaevent_kind_valid'),
        ),
    ]
