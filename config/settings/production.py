"""Production: every secret from the environment with no default, HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from config.logs import build_logging

from .base import *  # noqa: F403
from .base import LOG_LEVEL, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Rate limits (and readiness) need one cache shared by every web process: Redis, not local memory.
if not env("CACHE_URL", default="").startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("CACHE_URL must name a shared Redis cache (redis://host:6379/1) in production.")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# Sessions are read from the cache (Redis, CACHE_URL, required above): a request costs no session
# query. They are written through to the database too (cached_db), so a Redis restart logs nobody
# out. SESSION_ENGINE overrides it.
SESSION_ENGINE = env("SESSION_ENGINE", default="django.contrib.sessions.backends.cached_db")
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
# One JSON object per line for the log pipeline (config/logs.py); LOG_FORMAT=plain to read by eye.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = build_logging(level=LOG_LEVEL, fmt=LOG_FORMAT)
# Static files collected into the image and served by the app itself (whitenoise: compressed,
# content-hashed names, far-future cache headers), so no shared volume is needed.
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
