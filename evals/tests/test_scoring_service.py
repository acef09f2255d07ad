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

    monkeypatch.setattr(scoring, "_rerank", lambda board: (_ for _ in ()).throw(RuntimeError("db went away")))
    failed = run_scoring_job(request_scoring(None, enqueue=False).pk)
    assert failed.status == "failed" and "db went away" in failed.errors[0]
    assert ScoringJob.objects.filter(status="failed").count() == 1
