"""``bulk_create`` of new rows through COPY.

The importer inserts a few hundred new rows per group into each of its tables. ``bulk_create``
prepares every value of every row through its field (tens of thousands of Python calls per group),
assembles one statement holding all of them and has psycopg quote each literal into it in Python
(ClientCursor): for a group of cards that cost more worker CPU than everything else about storing
it. COPY takes the rows as plain values, formatted by psycopg's C code, and PostgreSQL does not
parse a statement the size of the data.

The rows are the ones ``bulk_create`` writes: the same columns, the values its fields would prepare
(``pre_save`` then ``get_db_prep_save``, short-cut only for plain values those leave unchanged) and
ids from the table's own sequence, taken in the order of the objects, as an INSERT would take them.
Row triggers (the search vector) fire for COPY as for INSERT. Afterwards each instance looks as
``bulk_create`` leaves it: its pk set and its state saved.
"""

from __future__ import annotations

import datetime
import json
from typing import Any, Callable, TypeVar

from django.db import connection, models, router
from django.db.models import JSONField

M = TypeVar("M", bound=models.Model)

# Field classes (exactly these, not subclasses, which may prepare values their own way) whose
# ``get_db_prep_save`` hands back a value of exactly these types unchanged: CharField.to_python,
# BooleanField/FloatField.get_prep_value; IntegerField wraps an int in psycopg's Int2/Int4/Int8 only
# to choose the parameter's type, which COPY's text does not carry; the PostgreSQL backend adapts
# a date as it is. Checked by exact value type: a subclass of str (a choices member), an int where
# a float is expected or a datetime in a DateField go through the field as before, and so does
# every DateTimeField (a naive datetime is made aware there).
_PLAIN: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.SlugField: (str,),
    models.URLField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.PositiveBigIntegerField: (int,),
    models.FloatField: (float,),
    models.DateField: (datetime.date,),
}


def _converter(field: models.Field) -> Callable[[Any], Any]:
    """A function from a field's ``pre_save`` value to what COPY writes for it."""
    def generic(value: Any) -> Any:
        return field.get_db_prep_save(value, connection=connection)

    if type(field) is JSONField:
        dumps = json.dumps if field.encoder is None else (lambda value: json.dumps(value, cls=field.encoder))

        def as_json(value: Any) -> Any:
            # What the adapter Django passes (Jsonb with json.dumps) sends, as the column's text input.
            kind = type(value)
            if kind is dict or kind is list or kind is str or kind is int or kind is float or kind is bool:
                return dumps(value)
            return generic(value)

        return as_json
    if type(field) is models.ForeignKey and type(field.target_field) in (models.AutoField, models.BigAutoField):
        plain: tuple[type, ...] = (int,)  # the target's get_db_prep_save: int() and the auto-pk check
    else:
        plain = _PLAIN.get(type(field), ())
    if not plain:
        return generic

    def convert(value: Any) -> Any:
        if value is None and field.null or type(value) in plain:
            return value
        return generic(value)

    return convert


class _Plan:
    """Per model class: the columns ``bulk_create`` writes for new rows and how to prepare each."""

    def __init__(self, model_cls: type[models.Model]) -> None:
        opts = model_cls._meta
        pk = opts.pk
        self.fields = [field for field in opts.concrete_fields if not field.generated and field is not pk]
        self.convert = [_converter(field) for field in self.fields]
        # pre_save is the plain attribute read for every field but those that set a value on save.
        self.pre_save = [type(field).pre_save is not models.Field.pre_save for field in self.fields]
        quote = connection.ops.quote_name
        self.table = quote(opts.db_table)
        self.pk_column = pk.column
        self.columns = ", ".join([quote(pk.column), *(quote(field.column) for field in self.fields)])


_plans: dict[type[models.Model], _Plan] = {}


def _usable(model_cls: type[models.Model], objs: list[Any]) -> bool:
    """COPY covers what the importer inserts: new rows of a plain model with an auto-increment pk,
    written to the default connection (no parent table, no pk of their own, no expressions or
    database defaults among the values)."""
    opts = model_cls._meta
    return (not opts.parents and connection.vendor == "postgresql"
            and type(opts.pk) in (models.AutoField, models.BigAutoField)
            and router.db_for_write(model_cls) == connection.alias
            and all(obj.pk is None and type(obj) is model_cls for obj in objs)
            and not any(getattr(field, "db_default", models.NOT_PROVIDED) is not models.NOT_PROVIDED
                        for field in opts.concrete_fields))


def copy_create(objs: list[M], model_cls: type[M]) -> list[M]:
    """Insert ``objs`` (new instances of ``model_cls``) as ``bulk_create`` would, through COPY.

    Falls back to ``bulk_create`` for anything it does not cover. Errors are Django's own
    (IntegrityError, OperationalError ...), as from ``bulk_create``.
    """
    if not objs:
        return objs
    if not _usable(model_cls, objs):
        return model_cls._default_manager.bulk_create(objs)
    plan = _plans.get(model_cls)
    if plan is None:
        plan = _plans[model_cls] = _Plan(model_cls)
    fields = plan.fields
    rows: list[list[Any]] = []
    for obj in objs:
        # bulk_create's own check: a related object must be saved, and its id is copied onto the
        # foreign key column if it was assigned before it had one.
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        row = [None]
        for field, convert, pre_save in zip(fields, plan.convert, plan.pre_save):
            value = field.pre_save(obj, True) if pre_save else getattr(obj, field.attname)
            if hasattr(value, "resolve_expression"):
                return model_cls._default_manager.bulk_create(objs)  # an expression: SQL, not a value
            row.append(convert(value))
        rows.append(row)
    with connection.wrap_database_errors, connection.cursor() as cursor:
        # Ids in the objects' order, from the sequence an INSERT would draw them from.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) ORDER BY 1",
            [plan.table, plan.pk_column, len(objs)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        with cursor.cursor.copy(f"COPY {plan.table} ({plan.columns}) FROM STDIN") as copy:  # noqa: S608
            for row, pk in zip(rows, ids):
                row[0] = pk
                copy.write_row(row)
    for obj, pk in zip(objs, ids):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs
