"""Settings of the real Celery worker started by tests/tickets/sla/test_worker.py: the test
settings with a real broker, a private queue and the test database (all from the environment)."""

import json
import os

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ["SLA_WORKER_BROKER_URL"]
CELERY_BROKER_TRANSPORT_OPTIONS = json.loads(os.environ.get("SLA_WORKER_BROKER_OPTIONS", "{}"))
CELERY_TASK_DEFAULT_QUEUE = os.environ["SLA_WORKER_QUEUE"]
CELERY_TASK_ROUTES: dict = {}  # everything on the private queue (routing has its own test)
DATABASES["default"]["NAME"] = os.environ["SLA_WORKER_DB_NAME"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
