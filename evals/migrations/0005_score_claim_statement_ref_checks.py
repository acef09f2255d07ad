"""Score and claim-check references checked once per statement instead of once per row.

A cold scoring job inserts 200,000 scores and 115,000 claim checks. Through foreign keys,
PostgreSQL checked each row on its own: one ``SELECT ... FOR KEY SHARE`` of the model, of the
leaderboard (four rows, locked 200,000 times by two processes at once: multixacts) and of the
run. Measured on the 100,000-model catalog, one backend inserting the 201,193 scores: 5.5 s
with both foreign keys (3.3 s of it the checks), 1.9 s without.

The same guarantee, set-based. Each reference (child column -> parent id) gets:

* after INSERT, per statement: the statement's distinct parent ids (its transition table) are
  looked up and locked FOR KEY SHARE, as the foreign key did for each row; any not found
  raises ``foreign_key_violation`` (23503, Django's IntegrityError), so the statement fails;
* before an UPDATE that changes the child column, per row: the same check for the new id;
* after DELETE on the parent, per statement: if a child row still references a deleted id,
  ``foreign_key_violation``; before an UPDATE that changes the parent's id, likewise.

Races resolve as with the foreign key, under READ COMMITTED (the project's isolation level): a
parent deleted by a transaction that has not committed blocks the child's lock until it ends,
and then counts as missing; a parent DELETE waits for the lock of a child transaction still
inserting, and its check, run after that wait with a fresh snapshot, sees the committed child
rows. Checks run at the end of each statement, not at commit (the foreign keys were
DEFERRABLE INITIALLY DEFERRED; nothing wrote a child before its parent). Django's ORM is
unchanged: ``db_constraint=False`` keeps the relation, its joins and its CASCADE collector.
"""


import django.db.models.deletion
from django.db import migrations, models

# (child table, child column, parent table)
REFERENCES = (
    ("evals_score", "model_id", "catalog_llmmodel"),
    ("evals_score", "leaderboard_id", "evals_leaderboard"),
    ("evals_claimcheck", "run_id", "evals_evalrun"),
)


def create_sql(child: str, column: str, parent: str) -> str:
    name = f"{child}_{column}_ref"
    violation = (f"RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', "
                 f"MESSAGE = 'insert or update on table \"{child}\" violates reference \"{name}\"', "
                 f"DETAIL = format('Key ({column})=(%s) is not present in table \"{parent}\".', ")
    still = (f"RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', "
             f"MESSAGE = 'update or delete on table \"{parent}\" violates reference \"{name}\" on table \"{child}\"', "
             f"DETAIL = format('Key (id)=(%s) is still referenced from table \"{child}\".', ")
    return f"""
CREATE FUNCTION {name}_insert() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
    missing bigint;
BEGIN
    SELECT n.ref INTO missing
      FROM (SELECT DISTINCT {column} AS ref FROM new_rows) n
      LEFT JOIN LATERAL (SELECT p.id FROM {parent} p WHERE p.id = n.ref FOR KEY SHARE) locked ON true
     WHERE locked.id IS NULL
     LIMIT 1;
    IF FOUND THEN
        {violation}missing);
    END IF;
    RETURN NULL;
END
$f$;
CREATE TRIGGER {name}_insert AFTER INSERT ON {child}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}_insert();

CREATE FUNCTION {name}_update() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM 1 FROM {parent} p WHERE p.id = NEW.{column} FOR KEY SHARE;
    IF NOT FOUND THEN
        {violation}NEW.{column});
    END IF;
    RETURN NEW;
END
$f$;
CREATE TRIGGER {name}_update BEFORE UPDATE OF {column} ON {child}
    FOR EACH ROW WHEN (OLD.{column} IS DISTINCT FROM NEW.{column}) EXECUTE FUNCTION {name}_update();

CREATE FUNCTION {name}_parent_delete() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
    referenced bigint;
BEGIN
    SELECT c.{column} INTO referenced FROM {child} c WHERE c.{column} IN (SELECT id FROM old_rows) LIMIT 1;
    IF FOUND THEN
        {still}referenced);
    END IF;
    RETURN NULL;
END
$f$;
CREATE TRIGGER {name}_parent_delete AFTER DELETE ON {parent}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}_parent_delete();

CREATE FUNCTION {name}_parent_update() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF EXISTS (SELECT 1 FROM {child} c WHERE c.{column} = OLD.id) THEN
        {still}OLD.id);
    END IF;
    RETURN NEW;
END
$f$;
CREATE TRIGGER {name}_parent_update BEFORE UPDATE OF id ON {parent}
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION {name}_parent_update();
"""


def drop_sql(child: str, column: str, parent: str) -> str:
    name = f"{child}_{column}_ref"
    return "\n".join([
        f"DROP TRIGGER IF EXISTS {name}_insert ON {child};",
        f"DROP TRIGGER IF EXISTS {name}_update ON {child};",
        f"DROP TRIGGER IF EXISTS {name}_parent_delete ON {parent};",
        f"DROP TRIGGER IF EXISTS {name}_parent_update ON {parent};",
        *(f"DROP FUNCTION IF EXISTS {name}_{kind}();" for kind in ("insert", "update", "parent_delete", "parent_update")),
    ])


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0009_search_facet_indexes'),
        ('evals', '0004_score_claim_redundant_fk_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='claimcheck',
            name='run',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='claim_checks', to='evals.evalrun'),
        ),
        migrations.AlterField(
            model_name='score',
            name='leaderboard',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='scores', to='evals.leaderboard'),
        ),
        migrations.AlterField(
            model_name='score',
            name='model',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='scores', to='catalog.llmmodel'),
        ),
        migrations.RunSQL(
            sql=[create_sql(*ref) for ref in REFERENCES],
            reverse_sql=[drop_sql(*ref) for ref in REFERENCES],
        ),
    ]
