"""Local development: DEBUG on, embedded PostgreSQL and broker when nothing is configured."""

from __future__ import annotations

import os
from pathlib import Path

from config.embedded import DATA_DIR, embedded_postgres_url

from .base import *  # noqa: F403
from .base import database_from_env, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-insecure-key-only-for-local-use"  # noqa: S105

DATABASES = {"default": database_from_env(None if os.environ.get("DATABASE_URL") else embedded_postgres_url())}

# Without a broker configured, the filesystem transport needs no service at all.
# dev.py sets CELERY_BROKER_URL to a private redis-server when one is installed.
_FS_BROKER = Path(os.environ.get("LLMCAT_BROKER_FOLDER") or DATA_DIR / "broker")
if os.environ.get("CELERY_BROKER_URL", "filesystem://") == "filesystem://":
    for sub in ("in", "processed", "control"):
        (_FS_BROKER / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_FS_BROKER / "in"),
        "data_folder_out": str(_FS_BROKER / "in"),
        "processed_folder": str(_FS_BROKER / "processed"),
        # kombu's default is ./control, relative to wherever the worker was started.
        "control_folder": str(_FS_BROKER / "control"),
        "store_processed": False,
    }
if not os.environ.get("CELERY_RESULT_BACKEND"):
    (DATA_DIR / "results").mkdir(parents=True, exist_ok=True)
    CELERY_RESULT_BACKEND = f"file://{DATA_DIR / 'results'}"

# Serve /static/ from the app folders without collectstatic while developing.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
