"""Settings of the gunicorn started by tests/agents/api/test_login_throttle_processes.py: the test
settings with the shared Redis cache, the test database and the rates under test (from the env)."""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES, REST_FRAMEWORK

DATABASES["default"]["NAME"] = os.environ["THROTTLE_TEST_DB_NAME"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ["THROTTLE_TEST_REDIS_URL"],
        "KEY_PREFIX": os.environ["THROTTLE_TEST_KEY_PREFIX"],
    }
}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "5/hour"},
}
