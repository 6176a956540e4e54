"""A policy's teams become its first condition ({"all": [{"field": "team", "operator": "in", ...}]}),
keeping what tickets get: a ticket's team's policy (by name when a team had several), else the
default. Policies are numbered in name order, the default last; then the teams table goes (the
condition holds it now)."""

from django.db import migrations


def teams_to_conditions(apps, schema_editor):
    SLAPolicy = apps.get_model("tickets", "SLAPolicy")
    db = schema_editor.connection.alias
    for index, policy in enumerate(SLAPolicy.objects.using(db).order_by("is_default", "name"), start=1):
        teams = sorted(policy.teams.values_list("pk", flat=True))
        policy.position = index * 10
        if teams and not policy.is_default:
            policy.conditions = {"all": [{"field": "team", "operator": "in", "value": teams}], "any": []}
        elif not policy.is_default:
            # No team: it never applied; kept, but a condition no ticket meets keeps it so.
            policy.conditions = {"all": [{"field": "team", "operator": "in", "value": [0]}], "any": []}
        policy.save(update_fields=["position", "conditions"])


def conditions_to_teams(apps, schema_editor):
    SLAPolicy = apps.get_model("tickets", "SLAPolicy")
    db = schema_editor.connection.alias
    for policy in SLAPolicy.objects.using(db).all():
        for condition in (policy.conditions or {}).get("all", []):
            if condition.get("field") == "team" and condition.get("operator") == "in":
                policy.teams.set([pk for pk in condition["value"] if pk])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0022_sla_policy_conditions_next_reply_event_log")]

    operations = [
        migrations.RunPython(teams_to_conditions, conditions_to_teams),
        migrations.RemoveField(model_name="slapolicy", name="teams"),
    ]
