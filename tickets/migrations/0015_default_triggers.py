"""The default trigger (was fixed in code): a customer's reply reopens a pending or resolved ticket.
Editable and can be disabled; not deleted (tickets/rules/services.py). The values are frozen here:
later changes to tickets/rules/defaults.py must not rewrite history."""

from django.db import migrations

REOPEN = {
    "key": "reopen-on-customer-reply",
    "name": "Reopen on customer reply",
    "description": "A customer's reply on a ticket waiting on them (pending) or resolved reopens it.",
    "position": 10,
    "conditions": {
        "all": [
            {"field": "event", "operator": "is", "value": "customer_replied"},
            {"field": "status", "operator": "in", "value": ["pending", "resolved"]},
        ],
        "any": [],
    },
    "actions": [{"action": "set_status", "value": "open"}],
}


def create(apps, schema_editor):
    Trigger = apps.get_model("tickets", "Trigger")
    triggers = Trigger.objects.using(schema_editor.connection.alias)
    if triggers.filter(key=REOPEN["key"]).exists():
        return
    name = REOPEN["name"] if not triggers.filter(name=REOPEN["name"]).exists() else f"{REOPEN['name']} (default)"
    triggers.create(**{**REOPEN, "name": name})


def remove(apps, schema_editor):
    apps.get_model("tickets", "Trigger").objects.using(schema_editor.connection.alias).filter(key=REOPEN["key"]).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0014_rules_triggers_automations")]

    operations = [migrations.RunPython(create, remove)]
