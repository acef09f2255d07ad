"""Related rows carried inside one query as a JSON array, and turned back into model instances.

A detail page that shows a handful of small related lists (a model's documents, variants, edges,
scores...) would otherwise pay one round trip per list. ``json_rows`` is an ``ARRAY(SELECT
to_jsonb(row) FROM (SELECT ... ORDER BY ...) row)`` column to annotate onto the main query; ``instances``
rebuilds exactly what a prefetch would have loaded: instances marked as coming from the database,
with the same fields loaded (others deferred) and their ``select_related`` parents cached.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from django.contrib.postgres.fields import ArrayField
from django.db.models import F, JSONField, Model, QuerySet, Subquery

# Related rows' columns are "@relation@column": the prefix cannot clash with a field name.
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


class _JsonRows(Subquery):
    # to_jsonb of the whole row: one call per row instead of a jsonb_build_object whose every key
    # and column Django would resolve and compile on each request. Rows keep the inner ORDER BY
    # (PostgreSQL reads a sorted subquery in order when nothing above it sorts, joins or groups).
    template = "ARRAY(SELECT to_jsonb(_r) FROM (%(subquery)s) _r)"
    output_field = ArrayField(JSONField())


def json_rows(queryset: QuerySet, fields: Sequence[str] | None = None,
              related: Mapping[str, Sequence[str] | None] | None = None) -> Subquery:
    """``queryset``'s rows (its filter and order) as a JSON array column: ``fields`` of each row,
    plus for each ``related`` foreign key name the listed fields of the row it points to."""
    model = queryset.model
    columns: dict[str, Any] = {}
    for relation, rel_fields in (related or {}).items():
        target = model._meta.get_field(relation).related_model
        # The key always comes along: it tells a missing parent from one whose fields are null.
        names = _attnames(target, None if rel_fields is None else [*rel_fields, target._meta.pk.name])
        columns.update({f"{_NESTED}{relation}{_NESTED}{name}": F(f"{relation}__{name}") for name in names})
    return _JsonRows(queryset.values(*_attnames(model, fields), **columns))


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
        nested: dict[str, dict[str, Any]] = {}
        for key, value in row.items():
            if key.startswith(_NESTED):
                relation, name = key[1:].split(_NESTED, 1)
                nested.setdefault(relation, {})[name] = value
        for relation, values in nested.items():
            field = model._meta.get_field(relation)
            # A null foreign key joins to a row of nulls: no related object, as select_related gives.
            parent = None if values.get(field.target_field.attname) is None else _instance(
                field.related_model, values, db)
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
