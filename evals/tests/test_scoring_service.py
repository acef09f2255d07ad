"""Scoring jobs against the database: seed claims verified, wrong claims flagged, uplift, idempotence."""

from __future__ import annotations

import pytest

from catalog.models import EdgeKind, LineageEdge, LLMModel, MergeRecipe
from catalog.services.imports import import_document
from evals.models import ClaimCheck, EvalRun, Leaderboard, MergeUplift, Result, ResultFlag, Score, ScoringJob
from evals.services.scoring import request_scoring, run_scoring_job, score_models

pytestmark = pytest.mark.django_db


def test_every_seed_average_is_verified(seeded) -> None:
    checks = {(c.run.model.repo_id, c.aggregate, c.stated): c.status
              for c in ClaimCheck.objects.select_related("run__model").filter(run__third_party_claim=False)}
    expected = {
        ("rombodawg/Open_Gpt4_8x7B_v0.2", "", 73.59), ("orangetin/OpenHermes-Mixtral-8x7B", "", 65.27),
        ("abacusai/Smaug-Mixtral-v0.1", "", 22.24), ("abacusai/Smaug-Mixtral-v0.1", "", 75.12),
        ("mlabonne/Beyonder-4x7B-v2", "", 57.13),
        ("NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO", "gpt4all", 75.70),
        ("NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO", "agieval", 46.05),
        ("NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO", "bigbench", 49.70),
    }
    assert {k: checks[k] for k in expected} == {k: "verified" for k in expected}
    v1 = Score.objects.get(model__repo_id="rombodawg/Open_Gpt4_8x7B_v0.2", leaderboard__slug="open-llm-v1")
    assert v1.verification == "verified" and v1.average == pytest.approx(73.5933, abs=1e-4) and v1.rank == 2


def test_conflicting_truthfulqa_is_flagged(seeded) -> None:
    [flag] = ResultFlag.objects.filter(model__repo_id="mlabonne/Beyonder-4x7B-v2")
    assert flag.kind == "conflict" and flag.details["values"] == [60.68, 60.86]
    assert Score.objects.get(model__repo_id="mlabonne/Beyonder-4x7B-v2", leaderboard__slug="open-llm-v1").flag_count == 1


def test_crafted_wrong_average_is_a_mismatch(db) -> None:
    card = next(__import__("conftest").SEEDS.glob("003_*.txt")).read_text().replace("| 65.27   |", "| 66.50   |")
    model = import_document(card, origin="wrong.md").model
    score_models([model.pk])
    check = ClaimCheck.objects.get(run__model=model)
    assert (check.status, check.stated) == ("mismatch", 66.5)
    assert check.recomputed == pytest.approx(65.27, abs=1e-6)
    score = Score.objects.get(model=model, leaderboard__slug="open-llm-v1")
    assert score.verification == "mismatch" and score.reported_average == 66.5


def test_rescore_of_unchanged_catalog_writes_nothing(seeded) -> None:
    stats = score_models(None)
    assert stats.written == 0 and stats.unchanged > 0


def test_partial_entries_have_no_average(seeded) -> None:
    dpo = Score.objects.get(model__repo_id="NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO", leaderboard__slug="nous")
    assert dpo.average is None and not dpo.complete and dpo.completeness == 0.75  # no TruthfulQA on the page
    assert dpo.rank is None


def test_uplift_on_a_lineage_fixture(db) -> None:
    board = Leaderboard.objects.get(slug="open-llm-v1")
    members = [(m.benchmark, m.metric, m.shots) for m in board.members.select_related("benchmark")]

    def scored(repo: str, values: list[float]) -> LLMModel:
        model = LLMModel.objects.create(repo_id=repo, name=repo.split("/")[1])
        run = EvalRun.objects.create(model=model, source="manual", leaderboard_hint="open_llm_v1")
        Result.objects.bulk_create([Result(run=run, benchmark=b, raw_name=b.key, metric=m, shots=s, value=v,
                                           raw_value=v, raw_scale=100.0) for (b, m, s), v in zip(members, values)])
        return model

    a = scored("t/parent-a", [60, 80, 60, 50, 75, 40])   # average 60.8333
    b = scored("t/parent-b", [62, 78, 58, 54, 77, 30])   # average 59.8333
    base = scored("t/base", [55, 75, 55, 45, 70, 20])    # average 53.3333
    child = scored("t/child", [64, 82, 61, 53, 78, 44])  # average 63.6667
    for parent in (a, b):
        LineageEdge.objects.create(child=child, parent=parent, kind=EdgeKind.MERGE)
    LineageEdge.objects.create(child=child, parent=base, kind=EdgeKind.MERGE, params={"role": "base"})
    MergeRecipe.objects.create(model=child, method="ties", base_model=base, raw_config="merge_method: ties")
    score_models(None)
    uplift = MergeUplift.objects.get(model=child)
    assert uplift.method == "ties" and uplift.beats_all_parents
    assert uplift.vs_best_parent == pytest.approx(63.6667 - 60.8333, abs=1e-3)
    assert uplift.vs_mean_parents == pytest.approx(63.6667 - 60.3333, abs=1e-3)
    assert uplift.vs_base == pytest.approx(63.6667 - 53.3333, abs=1e-3)
    assert uplift.per_benchmark["vs_best_parent"]["arc"] == pytest.approx(2.0)


def test_job_lifecycle_and_failure_is_recorded(db, monkeypatch) -> None:
    job = request_scoring(None, trigger="manual", enqueue=False)
    job = run_scoring_job(job.pk)
    assert job.status == "done" and job.finished_at is not None
    import evals.services.scoring as scoring

    monkeypatch.setattr(scoring, "_update_uplift", lambda *args: (_ for _ in ()).throw(RuntimeError("db went away")))
    failed = run_scoring_job(request_scoring(None, enqueue=False).pk)
    assert failed.status == "failed" and "db went away" in failed.errors[0]
    assert ScoringJob.objects.filter(status="failed").count() == 1


def test_a_failed_uplift_still_lets_every_board_write_its_scores(db, monkeypatch) -> None:
    """A full job computes the uplift while the other boards' scores are written: its failure
    fails the job only after those are written, not half-way through them."""
    from django.db.models import Count

    import evals.services.scoring as scoring

    for i in range(3):
        _v1_model(f"t/u{i}", [50 + i, 80, 60, 50, 75, 40])
    score_models(None)
    per_board = dict(Score.objects.values_list("leaderboard__slug").annotate(n=Count("id")))
    assert per_board["open-llm-v1"] == 3 and len(per_board) > 1  # the uplift board and others
    Score.objects.all().delete()
    monkeypatch.setattr(scoring, "_update_uplift", lambda *args: (_ for _ in ()).throw(RuntimeError("db went away")))
    failed = run_scoring_job(request_scoring(None, enqueue=False).pk)
    assert failed.status == "failed" and "db went away" in failed.errors[0]
    assert dict(Score.objects.values_list("leaderboard__slug").annotate(n=Count("id"))) == per_board


# --- the diff-and-write paths (issue 8) ---------------------------------------------------

V1_VALUES = [60, 80, 60, 50, 75, 40]  # average 60.8333


def _v1_model(repo: str, values: list[float], *, stated: dict | None = None, source: str = "manual",
              hint: str = "open_llm_v1") -> LLMModel:
    """A model with one Open LLM v1 run (in board member order)."""
    board = Leaderboard.objects.get(slug="open-llm-v1")
    members = [(m.benchmark, m.metric, m.shots) for m in board.members.select_related("benchmark")]
    model = LLMModel.objects.get_or_create(repo_id=repo, defaults={"name": repo.split("/")[1]})[0]
    run = EvalRun.objects.create(model=model, source=source, leaderboard_hint=hint, stated_averages=stated or {})
    Result.objects.bulk_create([Result(run=run, benchmark=b, raw_name=b.key, metric=m, shots=s, value=v,
                                       raw_value=v, raw_scale=100.0) for (b, m, s), v in zip(members, values)])
    return model


def _v1(model: LLMModel) -> Score:
    return Score.objects.get(model=model, leaderboard__slug="open-llm-v1")


def _snapshot() -> dict[str, set]:
    return {
        "scores": set(Score.objects.values_list("id", "model_id", "leaderboard_id", "average", "rank",
                                                "verification", "flag_count", "computed_at")),
        "claims": set(ClaimCheck.objects.values_list("id", "run_id", "aggregate", "status", "checked_at")),
        "flags": set(ResultFlag.objects.values_list("id", "model_id", "kind", "message", "created_at")),
        "uplifts": set(MergeUplift.objects.values_list("id", "model_id", "vs_best_parent", "computed_at")),
    }


def test_rescore_rewrites_no_row_of_any_table(seeded) -> None:
    before = _snapshot()
    assert before["claims"] and before["flags"] and before["scores"]
    stats = score_models(None)
    assert (stats.written, stats.deleted, stats.claim_checks_written, stats.flags_written, stats.uplifts_written) \
        == (0, 0, 0, 0, 0)
    assert stats.rows_written == 0 and stats.scores == stats.unchanged == Score.objects.count()
    assert stats.claim_checks == len(before["claims"]) and stats.flags == len(before["flags"])
    assert _snapshot() == before  # same ids, same timestamps: nothing deleted and recreated


def test_unchanged_rescore_job_counts(seeded) -> None:
    job = run_scoring_job(request_scoring(None, enqueue=False).pk)
    assert job.status == "done" and job.scores_written == 0
    assert job.scores_unchanged == job.succeeded == Score.objects.count()
    assert job.total == job.processed == EvalRun.objects.values("model_id").distinct().count()


def test_changed_result_rewrites_only_its_rows(db) -> None:
    a = _v1_model("t/a", V1_VALUES, stated={"": 60.83})
    b = _v1_model("t/b", [62, 78, 58, 54, 77, 30])
    first = score_models(None)
    # v1 rows, and partial Nous rows (TruthfulQA and the GPT4All tasks are Nous members too)
    assert (first.written, first.unchanged, first.claim_checks_written) == (4, 0, 1)
    check = ClaimCheck.objects.get(run__model=a)
    assert check.status == "verified"
    b_score = _v1(b)
    Result.objects.filter(run__model=a, benchmark__key="gsm8k").update(value=46.0, raw_value=46.0)
    second = score_models(None)
    assert (second.written, second.unchanged, second.deleted) == (1, 3, 0)
    score = _v1(a)
    assert score.average == pytest.approx(61.8333, abs=1e-4) and score.components["gsm8k"] == 46.0
    assert score.verification == "mismatch" and score.reported_average == 60.83 and score.rank == 1
    check.refresh_from_db()
    assert check.status == "mismatch" and check.recomputed == pytest.approx(61.8333, abs=1e-4)
    assert ClaimCheck.objects.count() == 1 and second.claim_checks_written == 1
    assert _v1(b).computed_at == b_score.computed_at  # untouched row
    assert _v1(b).rank == 2


def test_scale_flag_comes_and_goes_with_its_result(db) -> None:
    model = _v1_model("t/frac", [60, 80, 60, 0.5, 75, 40])  # TruthfulQA mc2 written as a 0-1 fraction
    stats = score_models([model.pk])
    [flag] = ResultFlag.objects.filter(model=model)
    assert flag.kind == "scale" and "0.5" in flag.message and stats.flags_written == 1
    assert _v1(model).flag_count == 1
    Result.objects.filter(run__model=model, benchmark__key="truthfulqa").update(value=50.0, raw_value=50.0)
    stats = score_models([model.pk])
    assert not ResultFlag.objects.filter(model=model).exists() and stats.flags_written == 1
    assert _v1(model).flag_count == 0


def test_scale_flags_of_a_run_are_listed_in_benchmark_order_not_result_id_order(db) -> None:
    model = _v1_model("t/fractions", [60, 80, 60, 50, 0.75, 40])  # Winogrande as a fraction
    winogrande = Result.objects.get(run__model=model, benchmark__key="winogrande")
    arc = Result.objects.get(run__model=model, benchmark__key="arc")
    # A second ARC metric, also a fraction, added after Winogrande: a higher id, an earlier benchmark.
    late = Result.objects.create(run=arc.run, benchmark=arc.benchmark, raw_name="arc_acc", metric="acc",
                                 shots=arc.shots, value=0.5, raw_value=0.5, raw_scale=100.0)
    assert late.pk > winogrande.pk and arc.benchmark_id < winogrande.benchmark_id
    score_models([model.pk])
    flags = ResultFlag.objects.filter(model=model, kind="scale").order_by("pk")
    assert [(f.benchmark_id, f.metric) for f in flags] == [(arc.benchmark_id, "acc"),
                                                           (winogrande.benchmark_id, "acc")]


def test_duplicate_flags_are_kept_as_a_multiset(db) -> None:
    model = _v1_model("t/dup", [60, 80, 60, 0.5, 75, 40])
    first = Result.objects.get(run__model=model, benchmark__key="truthfulqa")
    # The same fraction under a second task name in the same run: two identical flags.
    Result.objects.create(run=first.run, benchmark=first.benchmark, raw_name="truthfulqa_again", metric="mc2",
                          shots=first.shots, value=0.5, raw_value=0.5, raw_scale=100.0)
    score_models([model.pk])
    assert ResultFlag.objects.filter(model=model, kind="scale").count() == 2
    stats = score_models([model.pk])
    assert stats.flags_written == 0 and stats.flags == 2
    assert ResultFlag.objects.filter(model=model, kind="scale").count() == 2


def test_vanished_board_entry_is_deleted(seeded) -> None:
    model = LLMModel.objects.get(repo_id="abacusai/Smaug-Mixtral-v0.1")
    assert Score.objects.filter(model=model, leaderboard__slug="open-llm-v2").exists()
    v2_keys = ["ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro"]
    Result.objects.filter(run__model=model, benchmark__key__in=v2_keys).delete()
    stats = score_models([model.pk])
    assert stats.deleted == 1
    assert not Score.objects.filter(model=model, leaderboard__slug="open-llm-v2").exists()
    assert model.__class__.objects.get(pk=model.pk).result_count == Result.objects.filter(run__model=model).count()


def test_partial_job_touches_only_its_models(db) -> None:
    a = _v1_model("t/a", V1_VALUES)
    b = _v1_model("t/b", [62, 78, 58, 54, 77, 30])
    score_models(None)
    Result.objects.filter(benchmark__key="gsm8k").update(value=10.0, raw_value=10.0)
    stats = score_models([b.pk])
    assert stats.models == 1 and stats.written == 1  # GSM8K is on v1 only
    assert _v1(a).components["gsm8k"] == 40.0  # not in the job: left as it was
    assert _v1(b).components["gsm8k"] == 10.0
    assert LLMModel.objects.get(pk=b.pk).result_count == 6


def test_many_chunks_match_one_chunk(db, monkeypatch) -> None:
    import evals.services.scoring as scoring

    models = [_v1_model(f"t/m{i}", [50 + i, 80, 60, 50, 75, 40], stated={"": 59.0}) for i in range(5)]
    monkeypatch.setattr(scoring, "CHUNK", 2)  # three chunks, all inside the test's one transaction
    stats = score_models(None)
    assert (stats.models, stats.written, stats.claim_checks) == (5, 10, 5)
    ranks = dict(Score.objects.filter(leaderboard__slug="open-llm-v1").values_list("model_id", "rank"))
    assert [ranks[m.pk] for m in models] == [5, 4, 3, 2, 1]
    assert score_models(None).rows_written == 0


def test_uplift_is_rewritten_only_when_it_changes(db) -> None:
    a = _v1_model("t/parent-a", V1_VALUES)
    b = _v1_model("t/parent-b", [62, 78, 58, 54, 77, 30])
    child = _v1_model("t/child", [64, 82, 61, 53, 78, 44])
    for parent in (a, b):
        LineageEdge.objects.create(child=child, parent=parent, kind=EdgeKind.MERGE)
    stats = score_models(None)
    assert (stats.uplifts, stats.uplifts_written) == (1, 1)
    assert score_models(None).uplifts_written == 0
    Result.objects.filter(run__model=a, benchmark__key="arc").update(value=70.0, raw_value=70.0)
    stats = score_models([a.pk])  # a parent changed: its merged child's uplift follows
    uplift = MergeUplift.objects.get(model=child)
    assert stats.uplifts_written == 1 and uplift.parents["t/parent-a"] == pytest.approx(62.5)
    assert uplift.vs_best_parent == pytest.approx(63.6667 - 62.5, abs=1e-3)


def test_uplift_follows_a_child_leaving_the_uplift_board_in_the_same_job(db) -> None:
    """A full job deletes the child's vanished v1 score before it computes uplift: its uplift goes."""
    from evals.models import Benchmark

    a, b = _v1_model("t/parent-a", V1_VALUES), _v1_model("t/parent-b", [62, 78, 58, 54, 77, 30])
    child = _v1_model("t/child", [64, 82, 61, 53, 78, 44])
    for parent in (a, b):
        LineageEdge.objects.create(child=child, parent=parent, kind=EdgeKind.MERGE)
    assert score_models(None).uplifts_written == 1 and MergeUplift.objects.filter(model=child).exists()
    run = EvalRun.objects.get(model=child)
    run.results.all().delete()
    Result.objects.create(run=run, benchmark=Benchmark.objects.get(key="ifeval"), raw_name="ifeval",
                          metric="strict_acc", shots=0, value=40.0, raw_value=40.0, raw_scale=100.0)
    stats = score_models(None)
    assert stats.deleted == 2 and stats.uplifts_written == 1  # its v1 and Nous rows
    assert not MergeUplift.objects.filter(model=child).exists()
    assert not Score.objects.filter(model=child, leaderboard__slug="open-llm-v1").exists()


@pytest.mark.django_db(transaction=True)
def test_chunks_scored_in_parallel_processes(monkeypatch, settings) -> None:
    import evals.services.scoring as scoring
    from evals.services.reference import sync_reference_data

    # Committed rows are needed (the pool's processes have their own connections), so this test
    # runs outside a transaction, after other such tests may have flushed the reference data.
    sync_reference_data()
    models = [_v1_model(f"t/p{i}", [50 + i, 80, 60, 0.5 if i == 2 else 50, 75, 40], stated={"": 59.0})
              for i in range(5)]
    for parent in models[:2]:  # p4 merges p0 and p1: its uplift is computed while the pool writes other boards
        LineageEdge.objects.create(child=models[4], parent=parent, kind=EdgeKind.MERGE)
    monkeypatch.setattr(scoring, "CHUNK", 2)
    settings.SCORING_WORKERS = 2
    assert scoring._workers(3) == 2  # committed data, no transaction held: the pool is used
    job = run_scoring_job(request_scoring(None, enqueue=False).pk)
    assert (job.status, job.total, job.processed, job.scores_written) == ("done", 5, 5, 10)
    ranks = dict(Score.objects.filter(leaderboard__slug="open-llm-v1").values_list("model_id", "rank"))
    assert [ranks[m.pk] for m in models] == [4, 3, 5, 2, 1]  # p2's TruthfulQA fraction sinks it
    uplift = MergeUplift.objects.get()
    assert uplift.model_id == models[4].pk and uplift.beats_all_parents
    assert uplift.vs_best_parent == pytest.approx(359 / 6 - 356 / 6) and uplift.parents == {
        "t/p0": pytest.approx(355 / 6), "t/p1": pytest.approx(356 / 6)}
    assert ClaimCheck.objects.count() == 5 and ResultFlag.objects.get().model_id == models[2].pk
    stats = score_models(None)
    assert stats.rows_written == 0 and stats.unchanged == 10 and stats.flags == 1


def test_claim_is_recomputed_from_its_own_run_only(db) -> None:
    model = _v1_model("t/two", V1_VALUES, stated={"": 60.83})  # verified against its own run
    _v1_model("t/two", [70, 90, 70, 60, 85, 50], source="card_table")  # a second document, other figures
    score_models([model.pk])
    check = ClaimCheck.objects.get(run__model=model)
    assert check.status == "verified" and check.recomputed == pytest.approx(60.8333, abs=1e-4)
    assert _v1(model).average == pytest.approx(70.8333, abs=1e-4)  # the score takes the more trusted card table


def test_float_noise_is_not_a_change() -> None:
    from evals.services.scoring import _same

    assert _same((60.0, True, {"arc": 1.5}, "verified"), (60.0, True, {"arc": 1.5}, "verified"))
    assert _same((60.0, None), (60.0 + 1e-12, None)) and not _same((60.0, None), (60.001, None))
    assert not _same((None, 1), (0.0, 1)) and not _same((60.0, {"arc": 1.5}), (60.0, {"arc": 1.5000001}))


def test_full_job_ranks_match_the_database_rerank(db) -> None:
    """A full job ranks in memory and writes ranks with the rows; the SQL rerank a partial job
    runs must find nothing to change (ties at six decimals, unranked partial entries, a model
    whose runs are gone keeping its score)."""
    import evals.services.scoring as scoring

    models = [_v1_model(f"t/r{i}", values) for i, values in enumerate(
        [V1_VALUES, [60, 80, 60, 50, 75, 40.0000001], [70, 80, 60, 50, 75, 40], [90, 90, 90, 90, 90, 90]])]
    partial = _v1_model("t/partial", [60, 80, 60])  # three of six members: unranked
    score_models(None)
    gone = models[3]
    EvalRun.objects.filter(model=gone).delete()  # its score stays (the job no longer visits it)
    score_models(None)
    ranks = dict(Score.objects.filter(leaderboard__slug="open-llm-v1").values_list("model_id", "rank"))
    assert [ranks[m.pk] for m in models] == [3, 3, 2, 1] and ranks[partial.pk] is None
    before = set(Score.objects.values_list("id", "rank"))
    for board in Leaderboard.objects.all():
        scoring._rerank(board)
    assert set(Score.objects.values_list("id", "rank")) == before


def test_in_memory_ranks_equal_postgresql_dense_rank(db) -> None:
    """Ties at six decimals, values at the rounding half and float noise, large magnitudes:
    the in-memory rank of every average is the one PostgreSQL's window function gives it."""
    from django.db import connection

    from evals.scoring.rules import dense_rank_by_average
    from evals.tests.scoring.test_rules import _tricky_averages

    averages = _tricky_averages(11)
    with connection.cursor() as cursor:
        cursor.execute("SELECT x, DENSE_RANK() OVER (ORDER BY round(x::numeric, 6) DESC) "
                       "FROM unnest(%s::float8[]) AS x", [averages])
        expected = dict(cursor.fetchall())
    assert len(expected) > 1500 and max(expected.values()) > 700  # many ties: the case being tested
    assert dense_rank_by_average(averages) == expected


def test_new_row_taken_by_a_concurrent_job_is_upserted(seeded) -> None:
    """Rows the chunk did not hold go in by COPY; when another job has inserted one of them
    since, the COPY's savepoint is rolled back and every row goes through the upsert instead."""
    from django.db import connection
    from django.utils import timezone

    from evals.services.scoring import _SCORE_FIELDS, _insert_new

    taken = Score.objects.select_related("model").filter(leaderboard__slug="open-llm-v1").first()
    free_board = Leaderboard.objects.exclude(scores__model=taken.model).first()
    now = timezone.now()
    columns = ("model_id", "leaderboard_id", *_SCORE_FIELDS, "computed_at", "rank")
    rows = [(taken.model_id, taken.leaderboard_id, 12.5, True, 1.0, {"arc": 12.5}, None, "none", 0, now, 7),
            (taken.model_id, free_board.pk, None, False, 0.5, {"gsm8k": 3.25}, 40.0, "verified", 2, now, None)]
    with connection.cursor() as cursor:
        _insert_new(cursor, "evals_score", columns, ("model_id", "leaderboard_id"), rows)
    stored = {s.leaderboard_id: (s.average, s.complete, s.completeness, s.components, s.reported_average,
                                 s.verification, s.flag_count, s.rank)
              for s in Score.objects.filter(model=taken.model, leaderboard_id__in=[taken.leaderboard_id, free_board.pk])}
    assert stored == {taken.leaderboard_id: (12.5, True, 1.0, {"arc": 12.5}, None, "none", 0, 7),
                      free_board.pk: (None, False, 0.5, {"gsm8k": 3.25}, 40.0, "verified", 2, None)}
    assert Score.objects.get(pk=taken.pk).average == 12.5  # the same row, updated in place


@pytest.mark.django_db(transaction=True)
def test_chunk_transactions_commit_without_waiting_for_the_flush_unless_nested() -> None:
    """A job's own chunk and part transactions turn off the commit's flush wait; a transaction
    the caller holds keeps its own setting."""
    from django.db import connection, transaction

    from evals.services.scoring import _commit_without_flush_wait

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    with transaction.atomic(), connection.cursor() as cursor:
        _commit_without_flush_wait(cursor)
        assert setting() == "off"
    assert setting() == "on"  # SET LOCAL: over with its transaction
    with transaction.atomic():
        with transaction.atomic(), connection.cursor() as cursor:
            _commit_without_flush_wait(cursor)
            assert setting() == "on"
