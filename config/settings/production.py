"""Production: every secret and address from the environment, hardened HTTP."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import database_from_env, env_bool

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
DATABASES = {"default": database_from_env(None)}
CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# The container health check talks plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
