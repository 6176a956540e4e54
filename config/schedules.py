"""Every periodic task in one table. `setup_periodic_tasks()` creates the django-celery-beat
entries that are missing, and never overwrites one: an admin may pause or re-time any entry in the
admin and a later migrate keeps the change. It runs after every `migrate` (post_migrate, see
notifications/apps.py) and as `manage.py setup_periodic_tasks`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    every_seconds: int | None = None
    crontab: dict[str, str] | None = None  # e.g. {"minute": "0", "hour": "3"}
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""


SCHEDULES: list[Schedule] = [
    Schedule(
        name="Outbox sweep",
        task="notifications.outbox_sweep",
        every_seconds=60,
        description="Re-dispatch outbox events left pending (crashed worker, broker outage).",
    ),
]


def setup_periodic_tasks() -> list[str]:
    """Create the missing entries; return the names created."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created: list[str] = []
    existing = set(PeriodicTask.objects.filter(name__in=[s.name for s in SCHEDULES]).values_list("name", flat=True))
    for schedule in SCHEDULES:
        if schedule.name in existing:
            continue
        timing: dict[str, Any] = {}
        if schedule.every_seconds is not None:
            timing["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=schedule.every_seconds, period=IntervalSchedule.SECONDS
            )
        else:
            timing["crontab"], _ = CrontabSchedule.objects.get_or_create(**(schedule.crontab or {}))
        PeriodicTask.objects.create(
            name=schedule.name,
            task=schedule.task,
            kwargs=json.dumps(schedule.kwargs),
            description=schedule.description,
            **timing,
        )
        created.append(schedule.name)
    return created
