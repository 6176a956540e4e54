"""The SLA beat entries exist after migrate, as django-celery-beat rows an admin can pause and re-time."""

import pytest
from django_celery_beat.models import PeriodicTask

from config.celery import app
from config.schedules import SCHEDULES


@pytest.fixture(autouse=True)
def _discover_tasks() -> None:
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "task", "every", "minute"),
    [
        pytest.param("SLA breach scan", "tickets.sla_breach_scan", 60, None, id="breach-scan-every-minute"),
        pytest.param("SLA escalation", "tickets.sla_escalate", 300, None, id="escalation-every-5-minutes"),
        pytest.param("Automations", "tickets.automations_run", 300, None, id="automations-every-5-minutes"),
    ],
)
def test_sla_beat_entries_exist_after_migrate(name, task, every, minute):
    entry = PeriodicTask.objects.select_related("interval", "crontab").get(name=name)

    assert entry.task == task
    assert entry.enabled
    assert task in app.tasks  # the name resolves to a registered task
    if every is not None:
        assert (entry.interval.every, entry.interval.period) == (every, "seconds")
    else:
        assert (entry.crontab.minute, entry.crontab.hour) == (minute, "*")
    assert name in {s.name for s in SCHEDULES}
