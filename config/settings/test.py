"""Test settings: real PostgreSQL (embedded unless DATABASE_URL is set), tasks run
eagerly unless a test starts a real worker, fast password hashing."""

from __future__ import annotations

import os

from config.embedded import embedded_postgres_url

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, database_from_env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
DATABASES = {"default": database_from_env(None if os.environ.get("DATABASE_URL") else embedded_postgres_url())}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
}
# Test transactions never commit, so the version never moves under them: cached pages would leak
# between tests. The response cache's own tests turn it on.
RESPONSE_CACHE_SECONDS = 0
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "responses": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "responses"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
