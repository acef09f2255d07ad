"""Related rows carried inside one query as a JSON array, and turned back into model instances.

A detail page that shows a handful of small related lists (a model's documents, variants, edges,
scores...) would otherwise pay one round trip per list. ``json_rows`` is an ``ARRAY(SELECT
jsonb_build_object(...) ... ORDER BY ...)`` column to annotate onto the main query; ``instances``
rebuilds exactly what a prefetch would have loaded: instances marked as coming from the database,
with the same fields loaded (others deferred) and their ``select_related`` parents cached.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, Model, QuerySet
from django.db.models.functions import JSONObject

# A nested object's key prefix cannot clash with a field name (they never start with "@").
_NESTED = "@"


def _attnames(model: type[Model], names: Sequence[str] | None) -> list[str]:
    """Field names as database attnames (``model`` -> ``model_id``), in the model's own order;
    ``None`` means every column, as a plain query loads."""
    if names is None:
        return [f.attname for f in model._meta.concrete_fields]
    wanted = set()
    for name in names:
        wanted.add(model._meta.get_field(name).attname)
    return [f.attname for f in model._meta.concrete_fields if f.attname in wanted]


def json_rows(queryset: QuerySet, fields: Sequence[str] | None = None,
              related: Mapping[str, Sequence[str] | None] | None = None) -> ArraySubquery:
    """``queryset``'s rows (its filter and order) as a JSON array column: ``fields`` of each row,
    plus for each ``related`` foreign key name the listed fields of the row it points to."""
    model = queryset.model
    parts: dict[str, Any] = {name: F(name) for name in _attnames(model, fields)}
    for relation, rel_fields in (related or {}).items():
        target = model._meta.get_field(relation).related_model
        # The key always comes along: it tells a missing parent from one whose fields are null.
        names = _attnames(target, None if rel_fields is None else [*rel_fields, target._meta.pk.name])
        parts[_NESTED + relation] = JSONObject(**{name: F(f"{relation}__{name}") for name in names})
    return ArraySubquery(queryset.values(_json=JSONObject(**parts)))


def _instance(model: type[Model], row: Mapping[str, Any], db: str) -> Model:
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.attname in row:
            names.append(field.attname)
            value = row[field.attname]
            # JSON leaves dates as ISO strings; to_python parses them (and passes the rest through).
            values.append(None if value is None else field.to_python(value))
    return model.from_db(db, names, values)


def instances(model: type[Model], rows: Sequence[Mapping[str, Any]] | None,
              db: str = "default") -> list[Model]:
    """The rows of a ``json_rows`` column as ``model`` instances, related objects attached."""
    result = []
    for row in rows or []:
        obj = _instance(model, row, db)
        for key, nested in row.items():
            if not key.startswith(_NESTED):
                continue
            field = model._meta.get_field(key[len(_NESTED):])
            # A null foreign key joins to a row of nulls: no related object, as select_related gives.
            parent = None if nested.get(field.target_field.attname) is None else _instance(
                field.related_model, nested, db)
            field.set_cached_value(obj, parent)
        result.append(obj)
    return result


def set_prefetched(obj: Model, name: str, rows: list[Model]) -> None:
    """Store ``rows`` as the prefetch of ``obj.<name>``, exactly as prefetch_related would, so
    ``obj.<name>.all()`` reads them without a query."""
    cache = getattr(obj, "_prefetched_objects_cache", None)
    if cache is None:
        cache = obj._prefetched_objects_cache = {}
    queryset = getattr(obj, name).all()
    queryset._result_cache, queryset._prefetch_done = rows, True
    cache[name] = queryset
