"""The test suite: fast hashing, locmem email, Celery eager (one test runs a real worker)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-secret-key-not-used-anywhere-else-0123456789abcdef"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
WEBHOOK_ALLOW_PRIVATE_URLS = True
MEDIA_ROOT = env("TEST_MEDIA_ROOT", default="/tmp/helpdesk-test-media")  # noqa: S108
REST_FRAMEWORK = {**REST_FRAMEWORK}
