"""Settings of the real Celery worker started by tests/config/test_queues.py: the test settings with
the production routing (config/queues.py), kombu's filesystem broker in the test's tmp folder, and
the test database (from the environment)."""

import json
import os

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = json.loads(os.environ["QUEUE_TEST_BROKER_OPTIONS"])
DATABASES["default"]["NAME"] = os.environ["QUEUE_TEST_DB_NAME"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
