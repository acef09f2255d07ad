"""Scoring rules, claim verification and uplift on the seeds' real numbers."""

from __future__ import annotations

import pytest

from evals.scoring.rules import ResultRow, normalize_v2, rank, score
from evals.scoring.specs import BY_SLUG, LEADERBOARDS
from evals.scoring.uplift import merge_uplift
from evals.scoring.verify import find_conflicts, scale_suspicious, sub_aggregate_components, verify_stated_average

V1 = [("arc", "acc_norm", 25), ("hellaswag", "acc_norm", 10), ("mmlu", "acc", 5), ("truthfulqa", "mc2", 0),
      ("winogrande", "acc", 5), ("gsm8k", "acc", 5)]


def v1_rows(values: list[float], run_id: int = 1) -> list[ResultRow]:
    return [ResultRow(run_id, k, m, s, v) for (k, m, s), v in zip(V1, values)]


@pytest.mark.parametrize("stated, components", [
    (73.59, [68.69, 86.16, 72.07, 71.92, 83.58, 59.14]),  # seed 000 v1
    (65.27, [63.91, 84.14, 64.29, 59.53, 74.03, 45.72]),  # seed 003 v1
    (22.24, [55.54, 31.92, 0.00, 6.82, 12.99, 26.13]),    # seed 004 v2 (recomputes to 22.233)
    (57.13, [45.29, 75.95, 60.86, 46.4]),                 # seed 001 Nous overall
    (75.12, [74.91, 87.70, 70.16, 65.96, 81.61, 70.36]),  # seed 004 self-reported v1
])
def test_seed_averages_verify(stated: float, components: list[float]) -> None:
    result = verify_stated_average(stated, components)
    assert result.status == "verified", result


def test_seed_002_sub_averages_verify_from_fraction_subtasks() -> None:
    gpt4all = {("arc", "acc"): 59.90, ("arc", "acc_norm"): 64.25, ("arc_easy", "acc"): 86.57,
               ("arc_easy", "acc_norm"): 86.36, ("boolq", "acc"): 87.83, ("hellaswag", "acc"): 66.61,
               ("hellaswag", "acc_norm"): 84.89, ("openbookqa", "acc"): 34.40, ("openbookqa", "acc_norm"): 46.60,
               ("piqa", "acc"): 83.24, ("piqa", "acc_norm"): 83.79, ("winogrande", "acc"): 76.16}
    rows = [ResultRow(7, k, m, 0, v) for (k, m), v in gpt4all.items()]
    components = sub_aggregate_components(rows, "gpt4all")
    assert components == [64.25, 86.36, 87.83, 84.89, 46.60, 83.79, 76.16]  # acc_norm where present, else acc
    result = verify_stated_average(75.70, components)
    assert result.status == "verified" and result.recomputed == pytest.approx(75.697, abs=0.001)
    agieval = [25.20, 40.55, 20.87, 52.94, 63.57, 79.13, 46.12, 40.00]
    assert verify_stated_average(46.05, agieval).status == "verified"


def test_wrong_average_is_flagged_with_both_numbers() -> None:
    result = verify_stated_average(74.50, [68.69, 86.16, 72.07, 71.92, 83.58, 59.14])
    assert result.status == "mismatch"
    assert result.stated == 74.50 and result.recomputed == pytest.approx(73.5933, abs=1e-4)
    assert result.delta == pytest.approx(-0.9067, abs=1e-4)


def test_no_components_is_insufficient() -> None:
    assert verify_stated_average(50.0, []).status == "insufficient"


def test_v1_score_complete_and_partial() -> None:
    outcome = score(v1_rows([68.69, 86.16, 72.07, 71.92, 83.58, 59.14]), BY_SLUG["open-llm-v1"])
    assert outcome.complete and outcome.average == pytest.approx(73.5933, abs=1e-4)
    partial = score(v1_rows([68.69, 86.16, 72.07]), BY_SLUG["open-llm-v1"])
    assert partial.average is None and not partial.complete and partial.completeness == 0.5
    assert partial.missing == ["truthfulqa", "winogrande", "gsm8k"]


def test_v1_requires_the_boards_shots() -> None:
    rows = v1_rows([68.69, 86.16, 72.07, 71.92, 83.58, 59.14])
    rows[0] = ResultRow(1, "arc", "acc_norm", 0, 64.0)  # a 0-shot ARC is not the board's 25-shot ARC
    assert score(rows, BY_SLUG["open-llm-v1"]).missing == ["arc"]


def test_unknown_shots_accepted_with_a_note() -> None:
    rows = [ResultRow(1, k, m, None, v) for (k, m, _), v in zip(V1, [74.91, 87.70, 70.16, 65.96, 81.61, 70.36])]
    outcome = score(rows, BY_SLUG["open-llm-v1"])
    assert outcome.average == pytest.approx(75.1167, abs=1e-4)
    assert any("not stated" in n for n in outcome.notes)


def test_v2_normalizes_raw_values_and_keeps_normalized_ones() -> None:
    assert normalize_v2(25.0, 0.25) == 0.0 and normalize_v2(20.0, 0.25) == 0.0
    assert normalize_v2(62.5, 0.25) == pytest.approx(50.0)
    raw = [ResultRow(1, "gpqa", "acc_norm", 0, 32.5, normalized=False)]
    assert score(raw, BY_SLUG["open-llm-v2"]).components["gpqa"] == pytest.approx(10.0)
    done = [ResultRow(1, "gpqa", "acc_norm", 0, 6.82, normalized=True)]
    assert score(done, BY_SLUG["open-llm-v2"]).components["gpqa"] == 6.82


def test_prefers_trustworthy_source_then_newest_run() -> None:
    rows = v1_rows([60] * 6, run_id=1) + [ResultRow(2, "arc", "acc_norm", 25, 70.0, source_rank=3),
                                          ResultRow(3, "arc", "acc_norm", 25, 65.0, source_rank=0)]
    assert score(rows, BY_SLUG["open-llm-v1"]).components["arc"] == 65.0


def test_rank_is_dense_with_ties() -> None:
    spec = BY_SLUG["open-llm-v1"]
    outcomes = {1: score(v1_rows([70] * 6), spec), 2: score(v1_rows([70] * 6), spec),
                3: score(v1_rows([60] * 6), spec), 4: score(v1_rows([60] * 3), spec)}
    assert rank(outcomes) == {1: 1, 2: 1, 3: 2}


def test_conflicting_sources_flagged() -> None:
    conflicts = find_conflicts([
        {"run_id": 1, "benchmark": "truthfulqa", "metric": "mc2", "shots": 0, "value": 60.68},
        {"run_id": 2, "benchmark": "truthfulqa", "metric": "mc2", "shots": 0, "value": 60.86},
        {"run_id": 2, "benchmark": "arc", "metric": "acc_norm", "shots": 25, "value": 68.77},
        {"run_id": 3, "benchmark": "arc", "metric": "acc_norm", "shots": 25, "value": 68.77},
    ])
    assert [(c.benchmark, c.values) for c in conflicts] == [("truthfulqa", (60.68, 60.86))]


def test_scale_checks() -> None:
    assert scale_suspicious(0.64, 0.64, 100.0, "acc_norm")
    assert scale_suspicious(130.0, 130.0, 100.0, "acc")
    assert scale_suspicious(0.0, 0.0, 100.0, "exact_match") is None  # MATH 0.00 is real
    assert scale_suspicious(64.25, 0.6425, 1.0, "acc_norm") is None
    assert scale_suspicious(1099, 1099, None, "elo") is None


def test_uplift_hand_computed() -> None:
    child = {"arc": 70.0, "mmlu": 64.0, "average": 67.0}
    parents = {"a": {"arc": 68.0, "mmlu": 66.0, "average": 67.0 - 1.0}, "b": {"arc": 66.0, "average": 64.0}}
    base = {"arc": 60.0, "mmlu": 60.0, "average": 60.0}
    result = merge_uplift(child, parents, base)
    assert result.vs_best_parent == {"arc": 2.0, "mmlu": -2.0, "average": 1.0}
    assert result.vs_mean_parents == {"arc": 3.0, "mmlu": -2.0, "average": 2.0}
    assert result.vs_base == {"arc": 10.0, "mmlu": 4.0, "average": 7.0}
    assert result.beats_all_parents
    assert merge_uplift({"average": 65.0}, parents).beats_all_parents is False


def test_specs_are_consistent() -> None:
    from evals.scoring.specs import BY_KEY

    for board in LEADERBOARDS:
        for member in board.members:
            assert member.benchmark in BY_KEY, (board.slug, member.benchmark)
        for tasks in board.subsets.values():
            assert all(t in BY_KEY for t in tasks)
    assert BY_KEY["gpqa"].random_baseline == 0.25 and BY_KEY["mmlu_pro"].random_baseline == 0.1
