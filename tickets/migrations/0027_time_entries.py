"""Time entries: minutes agents log on a ticket, a reply or a note (tickets/time_tracking.py)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_organization_share_tickets'),
        ('tickets', '0026_custom_fields'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TimeEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('minutes', models.PositiveIntegerField()),
                ('is_billable', models.BooleanField(default=False)),
                ('note', models.CharField(blank=True, max_length=500)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('agent', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='time_entries', to=settings.AUTH_USER_MODEL)),
                ('comment', models.ForeignKey(blank=True, help_text='The reply or note the time was spent on; empty for time on the ticket.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='time_entries', to='tickets.comment')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='time_entries', to='customers.customer')),
                ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='time_entries', to='customers.organization')),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='time_entries', to='tickets.ticket')),
            ],
            options={
                'verbose_name_plural': 'time entries',
                'ordering': ['created_at', 'id'],
                'indexes': [models.Index(fields=['ticket', 'created_at'], name='timeentry_ticket_idx'), models.Index(fields=['agent', 'created_at'], name='timeentry_agent_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('minutes__gte', 1), ('minutes__lte', 1440)), name='timeentry_minutes_range')],
            },
        ),
    ]
