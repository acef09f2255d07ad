"""The Celery application. Tasks receive ids; the database rows are the truth."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("llmcatalog")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="system.ping")
def ping(nonce: str = "") -> str:
    """Round-trip check used by health probes and the smoke test."""
    return f"pong:{nonce}"
