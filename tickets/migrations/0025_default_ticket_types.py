"""The four ticket types every desk starts with (editable, can be deactivated): question,
incident, problem, task. Existing tickets keep no type; nothing is guessed for them."""

from django.db import migrations

DEFAULTS = (
    ("question", "Question", "A customer asks how something works.", 10),
    ("incident", "Incident", "Something is broken for this customer.", 20),
    ("problem", "Problem", "The cause behind one or more incidents (link them as children).", 30),
    ("task", "Task", "Work to do, with or without a customer waiting.", 40),
)


def seed(apps, schema_editor):
    TicketType = apps.get_model("tickets", "TicketType")
    for slug, name, description, position in DEFAULTS:
        TicketType.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0024_ticket_types")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
