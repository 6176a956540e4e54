# A rule's status change skipped because the ticket lacks a custom field required for that status.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0027_time_entries'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='ticketevent',
            name='ticketevent_kind_valid',
        ),
        migrations.AlterField(
            model_name='ticketevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Created'), ('updated', 'Field changed'), ('status_changed', 'Status changed'), ('assigned', 'Assigned'), ('commented', 'Comment added'), ('attached', 'Attachment added'), ('escalated', 'Escalated'), ('sla_warning', 'SLA at risk'), ('sla_breached', 'SLA breached'), ('merged', 'Merged'), ('merge_undone', 'Merge undone'), ('split', 'Split'), ('linked', 'Linked'), ('unlinked', 'Unlinked'), ('rule_skipped', 'Rule action skipped')], max_length=20),
        ),
        migrations.AddConstraint(
            model_name='ticketevent',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['created', 'updated', 'status_changed', 'assigned', 'commented', 'attached', 'escalated', 'sla_warning', 'sla_breached', 'merged', 'merge_undone', 'split', 'linked', 'unlinked', 'rule_skipped'])), name='ticketevent_kind_valid'),
        ),
    ]
