"""Settings shared by every environment. Everything configurable comes from the environment
(django-environ, with an optional `.env` file at the project root); see README "Configuration"."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static

from config import queues, web_address
from config.logs import build_logging

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

# --- core -----------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
# Where the quick start serves (config/web_address.py): the default host and base URL follow it.
WEB_ADDRESS = env("WEB_ADDRESS", default=web_address.DEFAULT)
try:
    _web_host, _web_url = web_address.host(WEB_ADDRESS), web_address.public_url(WEB_ADDRESS)
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from exc
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=list(dict.fromkeys(["localhost", "127.0.0.1", "[::1]", _web_host])))
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
TIME_ZONE = env("TIME_ZONE", default="UTC")
LANGUAGE_CODE = "en-us"
USE_I18N = True
# The customer-facing pages (portal, knowledge base) follow the visitor's language among these
# (config/customer_language.py); the admin and the API stay in LANGUAGE_CODE.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALIZED_PATH_PREFIXES = ("/portal/", "/kb/", "/i18n/")
USE_TZ = True
SITE_URL = env("SITE_URL", default=_web_url)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "agents.User"

# --- database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file in the quick start: WAL lets readers run
    # beside the writer, IMMEDIATE transactions take the write lock up front (no upgrade
    # deadlocks), and a busy timeout waits for the lock instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=wal; PRAGMA synchronous=normal;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# Reports and exports may read from a replica (config/db_router.py); off while unset.
# Behind PgBouncer in transaction mode server-side cursors cannot work (README "Production").
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
# The cache (readiness probe, rate limits): local memory in the quick start (one web process);
# production sets CACHE_URL to Redis so every web process counts rate limits together.
# Redis through django-redis: one client per process, reused (Django's own Redis backend builds a
# client, copying its ~500 response callbacks, for every command: a tenth of an API read's CPU).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "django_redis.cache.RedisCache"
# The portal's sign-in rate limits count in this cache. In local memory each web process counts on
# its own (fine for the quick start and the tests, one process); production sets CACHE_URL to Redis.
SILENCED_SYSTEM_CHECKS = {
    "django.core.cache.backends.locmem.LocMemCache": ["django_ratelimit.E003", "django_ratelimit.W001"],
}.get(CACHES["default"]["BACKEND"], [])

# --- applications ---------------------------------------------------------------------------
DJANGO_APPS = [
    # django-unfold restyles the admin; it must come before django.contrib.admin.
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "rest_framework_api_key",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "anymail",
    "django_prometheus",
    "django_structlog",
    "django_ratelimit",
]
LOCAL_APPS = [
    "config.api",
    "agents",
    "customers",
    "tickets",
    "tickets.knowledge",
    "notifications",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "config.health.ProbeMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.customer_language.CustomerLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- the admin's look and navigation (django-unfold; tickets/admin/navigation.py) ------------
UNFOLD = {
    "SITE_TITLE": "Helpdesk",
    "SITE_HEADER": "Helpdesk",
    "SITE_SUBHEADER": "Support desk",
    "SITE_URL": "/",
    "SITE_SYMBOL": "support_agent",
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "tickets.admin.dashboard.dashboard_callback",
    "STYLES": [lambda request: static("tickets/admin.css")],
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": "tickets.admin.navigation.sidebar_navigation",
    },
    "COLORS": {
        "primary": {
            "50": "oklch(97.0% .014 254.604)",
            "100": "oklch(93.2% .032 255.585)",
            "200": "oklch(88.2% .059 254.128)",
            "300": "oklch(80.9% .105 251.813)",
            "400": "oklch(70.7% .165 254.624)",
            "500": "oklch(62.3% .214 259.815)",
            "600": "oklch(54.6% .245 262.881)",
            "700": "oklch(48.8% .243 264.376)",
            "800": "oklch(42.4% .199 265.638)",
            "900": "oklch(37.9% .146 265.522)",
            "950": "oklch(28.2% .091 267.935)",
        },
    },
}

# --- auth -----------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Password-reset links (the customer portal's; tickets/portal/) expire after this many seconds.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)

# --- customer portal (tickets/portal/; README "Customer portal") -----------------------------
# One-time sign-in links by email: valid this many minutes, and only until the next sign-in.
PORTAL_LOGIN_LINK_MINUTES = env.int("PORTAL_LOGIN_LINK_MINUTES", default=15)
# Self sign-up: off while empty; otherwise open to addresses at these domains (`acme.com,globex.com`).
PORTAL_SIGNUP_DOMAINS = [
    d.strip().lower().lstrip("@") for d in env.list("PORTAL_SIGNUP_DOMAINS", default=[]) if d.strip()
]
PORTAL_SIGNUP_LINK_HOURS = env.int("PORTAL_SIGNUP_LINK_HOURS", default=24)
# A suggested article a customer opened counts as a deflected ticket when no request follows within this.
PORTAL_DEFLECTION_WINDOW_HOURS = env.int("PORTAL_DEFLECTION_WINDOW_HOURS", default=24)
# Satisfaction survey links (mailed when a ticket is resolved) work this many days, once.
CSAT_LINK_DAYS = env.int("CSAT_LINK_DAYS", default=14)
# Sign-in, link, reset and sign-up attempts (django-ratelimit; counted in the default cache, so set
# CACHE_URL to Redis when several web processes run): per address and per client IP.
PORTAL_RATE_PER_ADDRESS = env("PORTAL_RATE_PER_ADDRESS", default="5/15m")
PORTAL_RATE_PER_IP = env("PORTAL_RATE_PER_IP", default="30/15m")

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "var" / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))

# --- security (production.py hardens these) -------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# The user of a request (session or JWT) is loaded with their agent profile and customer record in
# one query, so the role and scope checks that follow cost nothing (agents/authentication.py).
AUTHENTICATION_BACKENDS = ["agents.authentication.ProfileModelBackend"]
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- email and notifications: config/settings/notifications.py --------------------------------
# --- domain, inbound email, background jobs, SLA: config/settings/domain.py ------------------
from config.settings.domain import *  # noqa: E402, F403
from config.settings.notifications import *  # noqa: E402, F403

# --- Celery ---------------------------------------------------------------------------------
# The quick start needs no broker server: kombu's filesystem transport keeps the queue in
# var/broker. Production sets CELERY_BROKER_URL to Redis or RabbitMQ.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost/")
BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(BASE_DIR / "var" / "broker")))
CELERY_TASK_ACKS_LATE = True
# Late acks alone still lose a task whose worker process is killed: reject it back to the queue.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A stray print() in a task is output, not a warning.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A Redis broker re-delivers any unacknowledged task after the visibility timeout; with late
# acks that must exceed the longest a task may run (hard limit), and long delays are database
# rows picked up by beat, never countdowns (see notifications).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(BROKER_DIR / "queue"),
            "data_folder_out": str(BROKER_DIR / "queue"),
            "processed_folder": str(BROKER_DIR / "processed"),
            "store_processed": False,
            # Where workers announce themselves (kombu's default is ./control, in the project root).
            "control_folder": str(BROKER_DIR / "control"),
        }
    )
CELERY_RESULT_BACKEND = None
# Queues by purpose, routed by task name in one table (config/queues.py): the SLA scans never wait
# behind an outbox, webhook or export backlog. Workers must consume every queue (the quick start's
# does; production runs one worker per queue).
CELERY_TASK_DEFAULT_QUEUE = queues.DEFAULT
CELERY_TASK_ROUTES = queues.ROUTES

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agents.authentication.JWTAuthenticationWithClearErrors",
        "agents.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttling.UserThrottle",
        "config.api.throttling.ApiKeyThrottle",
        "config.api.throttling.AnonThrottle",
    ],
    # orjson with DRF's output bytes (config/api/renderers.py); the browsable API stays for people.
    "DEFAULT_RENDERER_CLASSES": [
        "config.api.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Bodies are JSON (anything else is a 415); file uploads (tickets/api/attachments.py) are
    # multipart. Behind one input rule: no NUL or lone surrogate, bounded JSON nesting (400s).
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["config.api.filters.FilterParamsOnlyBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER", default="1000/hour"),
        "anon": env("API_THROTTLE_ANON", default="100/hour"),
        "api_key": env("API_THROTTLE_API_KEY", default="5000/hour"),
        # Logins (token and refresh; the admin's login form too): per client address and per account.
        "login_address": env("API_THROTTLE_LOGIN_ADDRESS", default="30/hour"),
        "login_account": env("API_THROTTLE_LOGIN_ACCOUNT", default="10/hour"),
    },
    # Client identity (config/api/throttling.client_address): the peer address unless requests
    # come through proxies we run. NUM_PROXIES = how many append to X-Forwarded-For in front of
    # us; TRUSTED_PROXIES = their addresses or networks (wins over NUM_PROXIES). Default: none,
    # so a client's own X-Forwarded-For is ignored.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
NUM_PROXIES = REST_FRAMEWORK["NUM_PROXIES"]
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Idempotency-Key records are kept at least 24 h (Stripe's contract); an hourly task purges older ones.
IDEMPOTENCY_KEY_TTL_HOURS = max(24, env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24))
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Customer-support ticketing: tickets, customers, agents, SLA, webhooks.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents the errors it can answer with (config/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Status",
        "CustomerTicketStatusEnum": "tickets.api.serializers.CUSTOMER_STATUS_CHOICES",
        "PriorityEnum": "tickets.models.Priority",
        "TierEnum": "customers.models.Tier",
        "AgentRoleEnum": "agents.models.Role",
        "UserRoleEnum": "agents.api.serializers.USER_ROLE_CHOICES",
        "AssignmentStrategyEnum": "agents.models.AssignmentStrategy",
        "JobStatusEnum": "tickets.models.JobStatus",
        "MacroVisibilityEnum": "tickets.models.macros.Visibility",
        "SavedViewVisibilityEnum": "tickets.models.saved_views.ViewVisibility",
        "ArticleStatusEnum": "tickets.knowledge.models.ArticleStatus",
        "ArticleVisibilityEnum": "tickets.knowledge.models.ArticleVisibility",
    },
}

# --- logging, metrics (config/logs.py, config/metrics.py; README "Production") ----------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="plain")  # plain | json
LOGGING = build_logging(level=LOG_LEVEL, fmt=LOG_FORMAT)
DJANGO_STRUCTLOG_CELERY_ENABLED = True  # request_id travels into the tasks a request enqueues
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # no personal data in logs
# Take the request id from X-Request-ID (only behind a proxy that always sets it itself).
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env.bool("TRUST_UPSTREAM_REQUEST_ID", default=False)
# /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it answers 401 to everyone.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0)  # a worker's own metrics page; 0 = off
PROMETHEUS_EXPORT_MIGRATIONS = False
