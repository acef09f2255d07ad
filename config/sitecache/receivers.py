"""ORM writes to the public apps' models advance the catalog version (after commit, once per transaction).

Covered here: ``save()`` of any model of ``RESPONSE_CACHE_APPS`` (admin, API, forms, services,
fixtures), many-to-many changes, and deletes of the models simple_history tracks. Not covered,
and bumped explicitly by their callers through :func:`sitecache.version.catalog_changed`: COPY,
raw SQL, ``bulk_create`` and ``QuerySet.update()`` in the import, scoring and fit jobs and the
data commands. Every successful write request through HTTP bumps too (see the middleware).

Deletes of the other models get no receiver on purpose: any ``post_delete`` receiver makes Django
load every row of a ``QuerySet.delete()`` to send it, instead of one ``DELETE ... WHERE``, and
the bulk tables (scores, fit rows) are deleted by the hundred thousand. simple_history already
listens to its models' deletes, so for those a receiver costs nothing more.

Job rows (import, scoring, fit) change every second while a job runs; only their creation and
their status changes bump. Pages that show live progress are not cached (see ``RESPONSE_CACHE_EXCLUDE``
and :func:`sitecache.middleware.exempt`).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save
from simple_history.models import HistoricalChanges

from config.sitecache.version import catalog_changed


def _is_job(model: type[models.Model]) -> bool:
    from catalog.jobs import Job

    return issubclass(model, Job)


def _on_save(sender: type[models.Model], *, using: str, **kwargs: Any) -> None:
    catalog_changed(using)


def _on_job_save(sender: type[models.Model], *, created: bool, update_fields: Any, using: str, **kwargs: Any) -> None:
    # Heartbeats and progress counts save named fields without "status"; a full save (the admin) bumps.
    if created or update_fields is None or "status" in update_fields:
        catalog_changed(using)


def _on_m2m(sender: type[models.Model], *, action: str, using: str, **kwargs: Any) -> None:
    if action.startswith("post_"):
        catalog_changed(using)


def watched_models() -> list[type[models.Model]]:
    ignored = {label.lower() for label in settings.RESPONSE_CACHE_IGNORED_MODELS}
    # History rows are written with the rows they record, which bump already.
    return [model for label in settings.RESPONSE_CACHE_APPS for model in apps.get_app_config(label).get_models()
            if model._meta.label_lower not in ignored and not issubclass(model, HistoricalChanges)]


def connect() -> None:
    for model in watched_models():
        uid = f"sitecache.{model._meta.label_lower}"
        if _is_job(model):
            post_save.connect(_on_job_save, sender=model, dispatch_uid=uid, weak=False)
            continue
        post_save.connect(_on_save, sender=model, dispatch_uid=uid, weak=False)
        if getattr(model._meta, "simple_history_manager_attribute", None):
            post_delete.connect(_on_save, sender=model, dispatch_uid=uid, weak=False)
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(_on_m2m, sender=field.remote_field.through, dispatch_uid=uid, weak=False)
