"""The default trigger: a customer's reply reopens a pending or resolved ticket (was fixed in code)."""

from django.db import migrations

from tickets.rules.defaults import DEFAULT_TRIGGERS, defaults_ensure


def create(apps, schema_editor):
    defaults_ensure(apps.get_model("tickets", "Trigger"), DEFAULT_TRIGGERS)


def remove(apps, schema_editor):
    apps.get_model("tickets", "Trigger").objects.filter(key__in=[r["key"] for r in DEFAULT_TRIGGERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0013_rules_triggers_automations")]

    operations = [migrations.RunPython(create, remove)]
