"""The statement-level reference checks that replace the foreign keys of scores and claim checks
(migration evals 0005): every way an orphan row could be written is refused, as the foreign
keys refused it, and Django's cascades still work."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from catalog.models import LLMModel
from catalog.tests.factories import LLMModelFactory
from evals.models import ClaimCheck, EvalRun, Leaderboard, Score

SCORE_COLUMNS = ("model_id", "leaderboard_id", "complete", "completeness", "components", "verification",
                 "flag_count", "computed_at")


def _board() -> Leaderboard:
    return Leaderboard.objects.get(slug="open-llm-v1")


def _score_sql(model_id: int, board_id: int) -> tuple[str, list[Any]]:
    return (f"INSERT INTO evals_score ({', '.join(SCORE_COLUMNS)}) VALUES (%s, %s, false, 0, '{{}}', 'none', 0, now())",
            [model_id, board_id])


def _run(model: LLMModel) -> EvalRun:
    return EvalRun.objects.create(model=model, source="card_table", leaderboard_hint="open_llm_v1")


def _refused(sql: str, params: list[Any] | None = None) -> str:
    """Run sql in a savepoint; return the database's message for the refusal it must give."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert isinstance(caught.value.__cause__, psycopg.errors.ForeignKeyViolation)
    return str(caught.value)


def test_a_score_of_a_missing_model_or_board_is_refused(db) -> None:
    model, board = LLMModelFactory(), _board()
    missing = model.pk + 1000
    message = _refused(*_score_sql(missing, board.pk))
    assert f"Key (model_id)=({missing}) is not present in table \"catalog_llmmodel\"" in message
    message = _refused(*_score_sql(model.pk, 987654))
    assert "Key (leaderboard_id)=(987654) is not present in table \"evals_leaderboard\"" in message
    with connection.cursor() as cursor:  # the same statement with both present goes in
        cursor.execute(*_score_sql(model.pk, board.pk))
    assert Score.objects.get().model_id == model.pk


def test_one_orphan_fails_the_whole_multi_row_statement(db) -> None:
    """The check covers every row of the statement (its transition table), not only the first."""
    models, board = LLMModelFactory.create_batch(3), _board()
    values = ", ".join(f"({m}, {board.pk}, false, 0, '{{}}', 'none', 0, now())" for m in
                       [models[0].pk, models[1].pk, models[2].pk + 500, models[2].pk])
    message = _refused(f"INSERT INTO evals_score ({', '.join(SCORE_COLUMNS)}) VALUES {values}")
    assert f"({models[2].pk + 500})" in message
    assert not Score.objects.exists()


def test_rows_copied_in_by_the_scoring_job_are_checked(db) -> None:
    """Scoring writes by COPY: the statement trigger sees those rows too."""
    from evals.services.scoring import _copy_rows

    model, board = LLMModelFactory(), _board()
    row = (model.pk + 77, board.pk, False, 0.0, {}, "none", 0, timezone.now())
    # COPY goes through the psycopg cursor itself: its error arrives unwrapped, as a foreign key's did.
    with pytest.raises(psycopg.errors.ForeignKeyViolation), transaction.atomic(), connection.cursor() as cursor:
        _copy_rows(cursor, "evals_score", SCORE_COLUMNS, [row])
    with transaction.atomic(), connection.cursor() as cursor:
        _copy_rows(cursor, "evals_score", SCORE_COLUMNS, [(model.pk, *row[1:])])
    assert Score.objects.get().model_id == model.pk


def test_moving_a_score_to_a_missing_model_is_refused_but_other_updates_pass(db) -> None:
    model, board = LLMModelFactory(), _board()
    score = Score.objects.create(model=model, leaderboard=board, average=60.0)
    message = _refused("UPDATE evals_score SET model_id = %s WHERE id = %s", [model.pk + 9, score.pk])
    assert f"Key (model_id)=({model.pk + 9})" in message
    _refused("UPDATE evals_score SET leaderboard_id = 424242 WHERE id = %s", [score.pk])
    other = LLMModelFactory()
    Score.objects.filter(pk=score.pk).update(rank=3, model=other)  # to a model that exists: fine
    score.refresh_from_db()
    assert (score.rank, score.model_id) == (3, other.pk)


def test_a_claim_check_of_a_missing_run_is_refused(db) -> None:
    run = _run(LLMModelFactory())
    sql = "INSERT INTO evals_claimcheck (run_id, aggregate, stated, tolerance, status, n_components, checked_at) " \
          "VALUES (%s, '', 60, 0.01, 'verified', 6, now())"
    assert f"Key (run_id)=({run.pk + 3}) is not present in table \"evals_evalrun\"" in _refused(sql, [run.pk + 3])
    with connection.cursor() as cursor:
        cursor.execute(sql, [run.pk])
    assert ClaimCheck.objects.get().run_id == run.pk


def test_deleting_a_referenced_parent_in_sql_is_refused(db) -> None:
    model, board = LLMModelFactory(), _board()
    Score.objects.create(model=model, leaderboard=board)
    run = _run(model)
    ClaimCheck.objects.create(run=run, stated=60.0, status="verified")
    assert "is still referenced from table \"evals_score\"" in _refused(
        "DELETE FROM catalog_llmmodel WHERE id = %s", [model.pk])
    assert "is still referenced from table \"evals_score\"" in _refused(
        "DELETE FROM evals_leaderboard WHERE id = %s", [board.pk])
    assert f"Key (id)=({run.pk}) is still referenced from table \"evals_claimcheck\"" in _refused(
        "DELETE FROM evals_evalrun WHERE id = %s", [run.pk])
    assert "is still referenced" in _refused("UPDATE catalog_llmmodel SET id = id + 100000 WHERE id = %s",
                                             [model.pk])
    assert Score.objects.filter(model=model).exists() and ClaimCheck.objects.filter(run=run).exists()


def test_django_cascades_still_delete_children_first(db) -> None:
    keep, gone, board = LLMModelFactory(), LLMModelFactory(), _board()
    for model in (keep, gone):
        Score.objects.create(model=model, leaderboard=board)
        ClaimCheck.objects.create(run=_run(model), stated=60.0, status="verified")
    gone.delete()
    assert list(Score.objects.values_list("model_id", flat=True)) == [keep.pk]
    assert list(ClaimCheck.objects.values_list("run__model_id", flat=True)) == [keep.pk]
    with connection.cursor() as cursor:  # a parent nothing references deletes in plain SQL
        cursor.execute("DELETE FROM catalog_llmmodel WHERE id = %s", [LLMModelFactory().pk])
        assert cursor.rowcount == 1


# --- races between two connections ----------------------------------------------------------

def _connect() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params)


class _InThread(threading.Thread):
    """Runs fn(conn) then commits, in its own transaction; keeps the error it met."""

    def __init__(self, conn: psycopg.Connection, fn: Any) -> None:
        super().__init__(daemon=True)
        self.conn, self.fn, self.error = conn, fn, None

    def run(self) -> None:
        try:
            self.fn(self.conn)
            self.conn.commit()
        except psycopg.Error as exc:
            self.error = exc
            self.conn.rollback()


@pytest.mark.django_db(transaction=True)
def test_a_parent_delete_waits_for_a_score_being_inserted_and_then_fails() -> None:
    """The insert locks its model (KEY SHARE) as a foreign key did: a delete of that model waits
    for it, and its check, run after the wait, sees the committed score and refuses."""
    from evals.services.reference import sync_reference_data

    sync_reference_data()
    model, board = LLMModelFactory(), _board()
    with _connect() as scorer, _connect() as deleter:
        scorer.execute(*_score_sql(model.pk, board.pk))  # not committed yet
        delete = _InThread(deleter, lambda conn: conn.execute("DELETE FROM catalog_llmmodel WHERE id = %s",
                                                              [model.pk]))
        delete.start()
        time.sleep(0.5)
        assert delete.is_alive()  # blocked on the scorer's lock
        scorer.commit()
        delete.join(10)
        assert isinstance(delete.error, psycopg.errors.ForeignKeyViolation)
    assert Score.objects.filter(model=model).count() == 1 and LLMModel.objects.filter(pk=model.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_score_inserted_while_its_model_is_being_deleted_fails() -> None:
    """The other order: the delete (no score yet) holds the row; the insert waits for it, finds
    the model gone once it commits, and refuses."""
    from evals.services.reference import sync_reference_data

    sync_reference_data()
    model, board = LLMModelFactory(), _board()
    with _connect() as deleter, _connect() as scorer:
        deleter.execute("DELETE FROM catalog_llmmodel WHERE id = %s", [model.pk])  # not committed yet
        insert = _InThread(scorer, lambda conn: conn.execute(*_score_sql(model.pk, board.pk)))
        insert.start()
        time.sleep(0.5)
        assert insert.is_alive()
        deleter.commit()
        insert.join(10)
        assert isinstance(insert.error, psycopg.errors.ForeignKeyViolation)
    assert not Score.objects.exists() and not LLMModel.objects.filter(pk=model.pk).exists()
