"""The bench's web settings: production's, with the floor views' URLs added and HTTPS redirects
off (the bench talks plain HTTP on loopback). Everything else (sessions in Redis, JSON logs,
throttling) is exactly what a production web process runs."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.floor.urls"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
