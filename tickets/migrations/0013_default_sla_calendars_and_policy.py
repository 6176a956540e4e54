"""The SLA rows a new desk starts with (data only; the schema is in earlier migrations).

- "Business hours": Monday to Friday 09:00-17:00 in settings.TIME_ZONE, the default calendar.
- "24x7": wall-clock time.
- "Default" policy on business hours: first response critical 1 h, high 4 h, medium 24 h, low 72 h;
  resolution critical 8 h, high 24 h, medium 72 h, low 168 h.

Rows an admin already has are left alone (a database upgraded from before this migration). The
values are frozen here on purpose: later changes to the code's defaults must not rewrite history."""

from zoneinfo import available_timezones

from django.conf import settings
from django.db import migrations

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKING_HOURS = {day: ([["09:00", "17:00"]] if day in WEEKDAYS[:5] else []) for day in WEEKDAYS}
# priority: (first response, resolution), in business minutes
TARGETS = {"critical": (60, 480), "high": (240, 1440), "medium": (1440, 4320), "low": (4320, 10080)}


def create_defaults(apps, schema_editor):
    BusinessCalendar = apps.get_model("tickets", "BusinessCalendar")
    SLAPolicy = apps.get_model("tickets", "SLAPolicy")
    SLATarget = apps.get_model("tickets", "SLATarget")
    db = schema_editor.connection.alias
    calendars = BusinessCalendar.objects.using(db)
    time_zone = settings.TIME_ZONE if settings.TIME_ZONE in available_timezones() else "UTC"
    business, _ = calendars.get_or_create(
        name="Business hours",
        defaults={
            "time_zone": time_zone,
            "working_hours": WORKING_HOURS,
            "is_default": not calendars.filter(is_default=True).exists(),
        },
    )
    calendars.get_or_create(name="24x7", defaults={"time_zone": "UTC", "working_hours": WORKING_HOURS, "is_24x7": True})
    if SLAPolicy.objects.using(db).filter(is_default=True).exists():
        return
    policy, made = SLAPolicy.objects.using(db).get_or_create(
        name="Default",
        defaults={
            "description": "Out-of-the-box targets, measured in business hours.",
            "calendar": business,
            "is_default": True,
        },
    )
    if made:
        SLATarget.objects.using(db).bulk_create(
            SLATarget(policy=policy, priority=priority, tier="", first_response_minutes=first, resolution_minutes=full)
            for priority, (first, full) in TARGETS.items()
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_add_saved_views")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
