"""Development and the quick start: DEBUG on, a development secret, console email."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEV_SECRET_KEY = "django-insecure-local-development-key-change-me-0123456789"  # noqa: S105

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("DEBUG is off: set SECRET_KEY to a real secret (see .env.example).")
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=True)
# The quick start seeds its demo data with tasks run in-process, so the worker starts on an empty queue.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
