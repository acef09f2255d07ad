"""Writing catalog models from parsed facts."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import get_history_manager_for_model

from catalog.cards.facts import ModelFacts
from catalog.models import LLMModel, Organization
from catalog.services.copy_insert import copy_create
from catalog.validators import REPO_ID_RE

# Facts copied onto LLMModel when the document states them. A document never blanks a
# field another document filled: absent facts leave the stored value alone.
COPIED_FIELDS = (
    "family", "architecture", "num_experts", "experts_per_token", "total_params_b", "active_params_b",
    "layers", "kv_heads", "attention_heads", "head_dim", "hidden_size", "context_length", "license",
    "license_name", "release_date", "prompt_format", "prompt_template", "downloads", "summary",
)
LIST_FIELDS = ("tags", "languages", "datasets")


M = TypeVar("M", bound=models.Model)


@functools.cache
def _history_manager(model_cls: type[models.Model]) -> Any:
    # simple_history builds a new manager class (inspecting every QuerySet method) on each
    # ``Model.history`` access, which every save and its bulk helper do; one per model class is enough.
    return get_history_manager_for_model(model_cls)


def bulk_create_with_history(objs: list[M], model_cls: type[M]) -> list[M]:
    """Insert rows and their "+" history rows: three statements however many rows (ids, COPY, history)."""
    if not objs:
        return objs
    with transaction.atomic(savepoint=False):
        created = copy_create(objs, model_cls)
        if not _copy_history_rows(created, model_cls):
            _history_manager(model_cls).bulk_history_create(created, default_change_reason=None)
    return created


def _copy_history_rows(created: list[M], model_cls: type[M]) -> bool:
    """Write the "+" history rows of freshly inserted rows by copying them on the server.

    What ``bulk_history_create`` writes for rows with no user, change reason or date of their own,
    without building a history object per row and sending every value back to the server (which
    cost the importer more CPU than inserting the rows). Returns False, having written nothing, when
    a row carries any of those or the history model is unusual: the caller then uses simple_history.
    """
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return True  # simple_history would write nothing either
    history = _history_manager(model_cls).model
    if hasattr(history, "history_relation") or any(
        hasattr(obj, "_history_date") or getattr(obj, "_change_reason", None)
        or getattr(obj, "_history_user", None) is not None
        or history.get_default_history_user(obj) is not None
        for obj in created
    ):
        return False
    quote = connection.ops.quote_name
    names = [field.name for field in history.tracked_fields]
    target = ", ".join(quote(history._meta.get_field(name).column) for name in names)
    source = ", ".join(f"s.{quote(model_cls._meta.get_field(name).column)}" for name in names)
    pk = quote(model_cls._meta.pk.column)
    user = quote(history._meta.get_field("history_user").column)
    with connection.cursor() as cursor:
        # Rows in the order given, as simple_history inserts them (history ids follow that order).
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({target}, history_date, history_type, "  # noqa: S608
            f"history_change_reason, {user}) "
            f"SELECT {source}, %s, '+', NULL, NULL FROM {quote(model_cls._meta.db_table)} AS s "
            f"JOIN unnest(%s::bigint[]) WITH ORDINALITY AS u(id, n) ON s.{pk} = u.id ORDER BY u.n",
            [timezone.now(), [obj.pk for obj in created]],
        )
    return True


def save_with_history(obj: models.Model, *, created: bool, update_fields: list[str] | None = None) -> None:
    """``obj.save()`` plus its history row, as the post_save handler writes it, minus the per-call manager class."""
    obj.skip_history_when_saving = True  # the attribute simple_history's post_save handler checks
    try:
        obj.save(update_fields=update_fields)
    finally:
        del obj.skip_history_when_saving
    _history_manager(type(obj)).bulk_history_create([obj], update=not created, default_change_reason=None)


def normalize_repo_id(repo_id: str) -> str | None:
    repo_id = (repo_id or "").strip().strip("/")
    if repo_id.startswith("https://huggingface.co/"):
        repo_id = repo_id.removeprefix("https://huggingface.co/")
    return repo_id if REPO_ID_RE.fullmatch(repo_id) and ".." not in repo_id else None


@dataclasses.dataclass
class LookupCache:
    """Rows one import job looks up again and again (the same base models, organisations and
    benchmarks recur across a batch), kept for the job so each is read or created once.

    Only ids of committed or in-transaction rows are kept; the importer calls ``forget()`` when a
    document's transaction rolls back, because rows it created (stub parents) vanish with it.
    ``extra`` is for subscribers of ``document_imported`` (e.g. evals' benchmark ids), keyed by app,
    so catalog never needs to know what they cache.
    """

    models: dict[str, LLMModel] = dataclasses.field(default_factory=dict)
    organizations: dict[str, Organization] = dataclasses.field(default_factory=dict)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def forget(self) -> None:
        self.models.clear()
        self.organizations.clear()
        self.extra.clear()


def get_or_create_organization(slug: str, *, cache: LookupCache | None = None) -> Organization:
    key = slug.lower()
    if cache is not None and key in cache.organizations:
        return cache.organizations[key]
    # Lower(...) = lower(value) uses the case-insensitive unique index; __iexact (UPPER) would scan.
    org = Organization.objects.annotate(slug_lower=Lower("slug")).filter(slug_lower=key).first()
    if org is None:
        org = Organization.objects.create(slug=slug, name=slug, url=f"https://huggingface.co/{slug}")
    if cache is not None:
        cache.organizations[key] = org
    return org


def get_or_create_model(repo_id: str, *, stub: bool = True, cache: LookupCache | None = None) -> LLMModel:
    """The model row for ``repo_id``, created as a stub (known only by reference) if new.

    With a ``cache`` the row is read once per job; callers use it as a foreign-key target only.
    """
    key = repo_id.lower()
    if cache is not None and key in cache.models:
        return cache.models[key]
    model = LLMModel.objects.annotate(repo_lower=Lower("repo_id")).filter(repo_lower=key).first()
    if model is None:
        org_slug, name = repo_id.split("/", 1)
        model = LLMModel.objects.create(
            repo_id=repo_id, name=name, organization=get_or_create_organization(org_slug, cache=cache), is_stub=stub
        )
    if cache is not None:
        cache.models[key] = model
    return model


def apply_model_facts(model: LLMModel, facts: ModelFacts, *, own_document: bool) -> list[str]:
    """Copy stated facts onto ``model``; returns the names of the fields that changed."""
    changed: list[str] = []
    for name in COPIED_FIELDS:
        value = getattr(facts, name, None)
        if value in (None, "", []):
            continue
        if name in ("total_params_b", "active_params_b") and facts.params_estimated and getattr(model, name):
            continue  # an estimate never overrides a stated count
        if getattr(model, name) != value:
            setattr(model, name, value)
            changed.append(name)
    for name in LIST_FIELDS:
        value = [str(v)[:100] for v in getattr(facts, name) or [] if str(v).strip()]
        if value and value != getattr(model, name):
            setattr(model, name, value)
            changed.append(name)
    if model.active_params_b and model.total_params_b and model.active_params_b > model.total_params_b + 0.05:
        # Documents disagree (one states the total, another an active count); the database refuses
        # active > total, and a total is the safer fact to keep.
        model.active_params_b = None
        changed.append("active_params_b")
    if facts.is_moe and not model.is_moe:
        model.is_moe = True
        changed.append("is_moe")
    if facts.params_estimated != model.params_estimated and facts.total_params_b is not None:
        model.params_estimated = facts.params_estimated and "total_params_b" in changed
        changed.append("params_estimated")
    if facts.name and (own_document or not model.name) and model.name != facts.name[:200]:
        model.name = facts.name[:200]
        changed.append("name")
    if own_document and model.is_stub:
        model.is_stub = False
        changed.append("is_stub")
    return changed


def facts_to_json(value: Any) -> Any:
    """dataclasses/dates -> JSON-serialisable structures for SourceDocument.parsed_facts."""
    # Exact types first, tested by identity: a parsed card holds thousands of strings, numbers,
    # dicts and lists (its raw front matter among them), and this runs once per value.
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return {k if type(k) is str else str(k): facts_to_json(v) for k, v in value.items()}
    if kind is list:
        return [facts_to_json(v) for v in value]
    names = _dataclass_fields.get(kind)
    if names is not None:
        return {name: facts_to_json(getattr(value, name)) for name in names}
    return _other_to_json(value)


_dataclass_fields: dict[type, tuple[str, ...]] = {}


def _other_to_json(value: Any) -> Any:
    if isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN is not JSON
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _dataclass_fields[type(value)] = tuple(f.name for f in dataclasses.fields(value))
        return {name: facts_to_json(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {str(k): facts_to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [facts_to_json(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
