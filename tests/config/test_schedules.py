import pytest
from django_celery_beat.models import PeriodicTask

from config.schedules import SCHEDULES, setup_periodic_tasks


@pytest.mark.django_db
def test_every_schedule_exists_after_migrate():
    names = set(PeriodicTask.objects.values_list("name", flat=True))

    assert {s.name for s in SCHEDULES} <= names


@pytest.mark.django_db
def test_setup_is_idempotent_and_keeps_admin_edits():
    task = PeriodicTask.objects.get(name=SCHEDULES[0].name)
    task.enabled = False
    task.save()

    assert setup_periodic_tasks() == []
    task.refresh_from_db()
    assert task.enabled is False
    assert PeriodicTask.objects.filter(name=SCHEDULES[0].name).count() == 1


@pytest.mark.django_db
def test_setup_recreates_a_deleted_entry():
    PeriodicTask.objects.filter(name=SCHEDULES[0].name).delete()

    assert setup_periodic_tasks() == [SCHEDULES[0].name]
