"""The Celery app. Settings come from Django's settings under the CELERY_ namespace; each app's
tasks.py is discovered. Periodic schedules live in django-celery-beat's tables (editable in the
admin) and are created by `manage.py setup_periodic_tasks`."""

import importlib
import os

from celery import Celery
from django_structlog.celery.steps import DjangoStructLogInitStep

import config.metrics  # noqa: F401  (connects the task metrics signal handlers)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Workers bind the request_id (and user_id) a task's message carries to everything it logs.
app.steps["worker"].add(DjangoStructLogInitStep)


def enqueue(task_name: str, *args: object, countdown: int | None = None) -> object:
    """Send the registered task `task_name` with `args` (ids, never model instances). Services
    enqueue by name, so a service module never imports the tasks module that imports it (no
    import cycle); the task's own settings (eager in tests, retries) apply as with `.delay()`."""
    if task_name not in app.tasks:  # outside a worker, an app's tasks module is imported on first use
        importlib.import_module(f"{task_name.split('.', 1)[0]}.tasks")
    return app.tasks[task_name].apply_async(args=args, countdown=countdown)


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    """kombu's filesystem transport (the quick start's embedded broker) needs its folders."""
    from pathlib import Path

    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
