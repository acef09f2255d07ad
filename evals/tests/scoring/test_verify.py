"""Every average the seed documents state, recomputed from the same run's components.

Component values are copied from catalog/fixtures/cards/seeds/ (seed 002's are 0-1 fractions on
the page, converted x100 the way the importer does).
"""

from __future__ import annotations

import math

import pytest

from evals.scoring.rules import ResultRow
from evals.scoring.verify import (
    Conflict,
    decimals_of,
    find_conflicts,
    find_row_conflicts,
    scale_suspicious,
    sub_aggregate_components,
    sub_aggregates_components,
    verify_stated_average,
)

# Seed 002 (Nous-Hermes-2-Mixtral-8x7B-DPO catalog page), as printed: task, metric, value (0-1).
SEED_002_GPT4ALL = [("arc", "acc", 0.5990), ("arc", "acc_norm", 0.6425), ("arc_easy", "acc", 0.8657),
                    ("arc_easy", "acc_norm", 0.8636), ("boolq", "acc", 0.8783), ("hellaswag", "acc", 0.6661),
                    ("hellaswag", "acc_norm", 0.8489), ("openbookqa", "acc", 0.3440),
                    ("openbookqa", "acc_norm", 0.4660), ("piqa", "acc", 0.8324), ("piqa", "acc_norm", 0.8379),
                    ("winogrande", "acc", 0.7616)]
SEED_002_AGIEVAL = [("agieval_aqua_rat", 0.2402, 0.2520), ("agieval_logiqa_en", 0.4117, 0.4055),
                    ("agieval_lsat_ar", 0.2348, 0.2087), ("agieval_lsat_lr", 0.5549, 0.5294),
                    ("agieval_lsat_rc", 0.6617, 0.6357), ("agieval_sat_en", 0.8010, 0.7913),
                    ("agieval_sat_en_without_passage", 0.4806, 0.4612), ("agieval_sat_math", 0.4909, 0.4000)]
SEED_002_BIGBENCH = [("causal_judgement", 0.6105), ("date_understanding", 0.7182), ("disambiguation_qa", 0.5736),
                     ("geometric_shapes", 0.4596), ("logical_deduction_five_objects", 0.3500),
                     ("logical_deduction_seven_objects", 0.2500), ("logical_deduction_three_objects", 0.5200),
                     ("movie_recommendation", 0.3540), ("navigate", 0.5000),
                     ("reasoning_about_colored_objects", 0.6900), ("ruin_names", 0.6317),
                     ("salient_translation_error_detection", 0.2535), ("snarks", 0.7293),
                     ("sports_understanding", 0.6744), ("temporal_sequences", 0.7400),
                     ("tracking_shuffled_objects_five_objects", 0.2176),
                     ("tracking_shuffled_objects_seven_objects", 0.1543),
                     ("tracking_shuffled_objects_three_objects", 0.5200)]


def seed_002_rows(run_id: int = 7) -> list[ResultRow]:
    rows = [ResultRow(run_id, k, m, 0, v * 100, False, 3) for k, m, v in SEED_002_GPT4ALL]
    for key, acc, acc_norm in SEED_002_AGIEVAL:
        rows += [ResultRow(run_id, key, "acc", 0, acc * 100, False, 3),
                 ResultRow(run_id, key, "acc_norm", 0, acc_norm * 100, False, 3)]
    rows += [ResultRow(run_id, f"bigbench_{t}", "multiple_choice_grade", 0, v * 100, False, 3)
             for t, v in SEED_002_BIGBENCH]
    rows.append(ResultRow(run_id, "bigbench_geometric_shapes", "exact_str_match", 0, 0.0, False, 3))
    return rows


@pytest.mark.parametrize("stated, components, recomputed", [
    (73.59, [68.69, 86.16, 72.07, 71.92, 83.58, 59.14], 73.593333333),  # seed 000, v1
    (65.27, [63.91, 84.14, 64.29, 59.53, 74.03, 45.72], 65.27),  # seed 003, v1 table
    (22.24, [55.54, 31.92, 0.00, 6.82, 12.99, 26.13], 22.233333333),  # seed 004, v2 (normalized)
    (57.13, [45.29, 75.95, 60.86, 46.4], 57.125),  # seed 001, Nous overall from its printed sub-averages
    (75.12, [74.91, 87.70, 70.16, 65.96, 81.61, 70.36], 75.116666667),  # seed 004, self-reported v1
    (72.33, [68.77, 86.8, 65.1, 60.68, 80.9, 71.72], 72.328333333),  # seed 001, v1 front matter (computed)
])
def test_seed_averages_verify(stated: float, components: list[float], recomputed: float) -> None:
    result = verify_stated_average(stated, components)
    assert result.status == "verified"
    assert result.stated == stated and result.recomputed == pytest.approx(recomputed, abs=1e-9)
    assert result.delta == pytest.approx(recomputed - stated, abs=1e-9)
    assert result.tolerance == pytest.approx(0.015)  # 0.01 floor + 0.005 of two-decimal components


def test_seed_004_v2_needs_the_component_rounding_allowance() -> None:
    strict = verify_stated_average(22.24, [55.54, 31.92, 0.00, 6.82, 12.99, 26.13], component_decimals=6)
    assert strict.status == "verified" and strict.tolerance == pytest.approx(0.0100005)
    assert abs(strict.delta) == pytest.approx(0.006666667, abs=1e-9)


def test_seed_002_gpt4all_from_fraction_subtasks() -> None:
    components = sub_aggregate_components(seed_002_rows(), "gpt4all")
    assert components == pytest.approx([64.25, 86.36, 87.83, 84.89, 46.60, 83.79, 76.16])  # acc_norm else acc
    result = verify_stated_average(75.70, components, printed_decimals=2)
    assert (result.status, result.tolerance) == ("verified", pytest.approx(0.015))
    assert result.recomputed == pytest.approx(75.697142857, abs=1e-9)
    assert verify_stated_average(75.70, components).tolerance == pytest.approx(0.055)  # float 75.7: 1 decimal


def test_seed_002_agieval_and_bigbench() -> None:
    rows = seed_002_rows()
    agieval = sub_aggregate_components(rows, "agieval")
    assert agieval == pytest.approx([25.20, 40.55, 20.87, 52.94, 63.57, 79.13, 46.12, 40.00])  # acc_norm
    result = verify_stated_average(46.05, agieval)
    assert result.status == "verified" and result.recomputed == pytest.approx(46.0475, abs=1e-9)
    bigbench = sub_aggregate_components(rows, "bigbench")
    assert len(bigbench) == 18 and bigbench[3] == pytest.approx(45.96)  # multiple_choice_grade, not exact_str_match
    result = verify_stated_average(49.70, bigbench, printed_decimals=2)
    assert result.status == "verified" and result.recomputed == pytest.approx(49.703888889, abs=1e-9)


def test_seed_001_overall_uses_the_printed_sub_averages() -> None:
    rows = [ResultRow(2, k, m, 0, v, False, 2) for k, m, v in (
        ("agieval", "average", 45.29), ("gpt4all", "average", 75.95), ("truthfulqa", "mc2", 60.86),
        ("bigbench", "average", 46.4), ("truthfulqa", "mc1", 44.55))]
    components = sub_aggregate_components(rows, "")
    assert components == [75.95, 45.29, 60.86, 46.4]  # board order: GPT4All, AGIEval, TruthfulQA, BigBench
    result = verify_stated_average(57.13, components)
    assert result.status == "verified" and result.recomputed == pytest.approx(57.125)


def test_overall_from_subtasks_when_no_sub_averages_are_printed() -> None:
    rows = seed_002_rows() + [ResultRow(7, "truthfulqa", "mc2", 0, 54.77, False, 3)]
    components = sub_aggregate_components(rows, "")
    assert components == pytest.approx([75.697142857, 46.0475, 54.77, 49.703888889], abs=1e-8)
    assert sub_aggregate_components(seed_002_rows(), "") == []  # no TruthfulQA: not all four
    assert sub_aggregate_components(seed_002_rows()[:5], "gpt4all") == []  # incomplete tasks
    assert sub_aggregate_components(seed_002_rows(), "mmlu") == []
    assert sub_aggregate_components([None], "gpt4all") == []  # type: ignore[list-item]


def test_several_averages_of_one_run_at_once_match_each_alone() -> None:
    rows = seed_002_rows() + [ResultRow(7, "truthfulqa", "mc2", 0, 54.77, False, 3)]
    keys = ["gpt4all", "agieval", "bigbench", "", "mmlu"]
    together = sub_aggregates_components(rows, keys)
    assert list(together) == keys
    assert together == {key: sub_aggregate_components(rows, key) for key in keys}
    assert together[""] == pytest.approx([75.697142857, 46.0475, 54.77, 49.703888889], abs=1e-8)
    assert together["mmlu"] == []
    assert sub_aggregates_components([None], ["gpt4all", ""]) == {"gpt4all": [], "": []}  # type: ignore[list-item]


def test_crafted_wrong_average_is_a_mismatch_with_both_numbers() -> None:
    result = verify_stated_average(74.50, [68.69, 86.16, 72.07, 71.92, 83.58, 59.14])
    assert result.status == "mismatch"
    assert result.stated == 74.50 and result.recomputed == pytest.approx(73.593333333, abs=1e-9)
    assert result.delta == pytest.approx(-0.906666667, abs=1e-9)
    assert result.tolerance == pytest.approx(0.055)  # 74.5 has one printed decimal
    assert verify_stated_average(73.61, [68.69, 86.16, 72.07, 71.92, 83.58, 59.14]).status == "mismatch"


def test_insufficient_and_bad_numbers() -> None:
    assert verify_stated_average(50.0, []).status == "insufficient"
    nan_component = verify_stated_average(50.0, [50.0, math.nan])
    assert nan_component.status == "insufficient" and nan_component.recomputed is None
    assert verify_stated_average(math.inf, [50.0]).status == "insufficient"
    assert verify_stated_average(50.0, ["50"]).status == "insufficient"  # type: ignore[list-item]


def test_decimals_of() -> None:
    assert [decimals_of(v) for v in (73.59, 46.4, 0.0, 64.25000000000001, 1099.0, 0.123456789, math.nan)] \
        == [2, 1, 0, 2, 0, 6, 0]


def test_seed_001_truthfulqa_conflict() -> None:
    rows = [
        {"run_id": 1, "benchmark": "truthfulqa", "metric": "mc2", "shots": 0, "value": 60.68, "source": "front_matter"},
        {"run_id": 1, "benchmark": "winogrande", "metric": "acc", "shots": 5, "value": 80.9, "source": "front_matter"},
        {"run_id": 1, "benchmark": "arc", "metric": "acc_norm", "shots": 25, "value": 68.77, "source": "front_matter"},
        {"run_id": 2, "benchmark": "truthfulqa", "metric": "mc2", "shots": 0, "value": 60.86, "source": "card_table"},
        {"run_id": 2, "benchmark": "winogrande", "metric": "acc", "shots": 0, "value": 78.69, "source": "card_table"},
        {"run_id": 2, "benchmark": "arc", "metric": "acc_norm", "shots": 0, "value": 64.51, "source": "card_table"},
    ]
    assert find_conflicts(rows) == [Conflict(
        "truthfulqa", "mc2", 0, (60.68, 60.86), (1, 2), "truthfulqa mc2 0-shot: sources disagree (60.68 vs 60.86)",
        None, ("card_table", "front_matter"))]


def test_conflict_edge_cases() -> None:
    same_within_rounding = [ResultRow(1, "arc", "acc_norm", 25, 68.69), ResultRow(2, "arc", "acc_norm", 25, 68.694)]
    assert find_conflicts(same_within_rounding) == []
    one_run_twice = [ResultRow(1, "ifeval", "strict_acc", 0, 60.0), ResultRow(1, "ifeval", "strict_acc", 0, 50.0)]
    assert find_conflicts(one_run_twice) == []  # not two sources
    other_models = [{"model_id": 1, "run_id": 1, "benchmark": "mmlu", "metric": "acc", "shots": 5, "value": 60.0},
                    {"model_id": 2, "run_id": 2, "benchmark": "mmlu", "metric": "acc", "shots": 5, "value": 70.0}]
    assert find_conflicts(other_models) == []
    three = [ResultRow(r, "gsm8k", "acc", 5, v) for r, v in ((3, 50.0), (1, 52.5), (2, 50.0))]
    [conflict] = find_conflicts(three)
    assert conflict.values == (50.0, 52.5) and conflict.run_ids == (1, 2, 3)
    junk = [{"benchmark": "", "value": 1.0}, {"benchmark": "arc", "value": "x"},
            {"benchmark": "arc", "value": math.nan},
            {"run_id": [1], "benchmark": "arc", "metric": "acc", "shots": 0, "value": 1.0}, object()]
    assert find_conflicts(junk) == []
    assert find_conflicts([]) == []


def test_scale_suspicious() -> None:
    assert scale_suspicious(0.64, 0.64, 100.0, "acc_norm") is not None  # below chance as a percentage
    assert scale_suspicious(130.0, 130.0, 100.0, "acc") == "acc value 130 is outside 0-100"
    assert scale_suspicious(-1.0, -1.0, 100.0, "acc") == "acc value -1 is outside 0-100"
    assert scale_suspicious(0.0, 0.0, 100.0, "exact_match") is None  # MATH Lvl 5 0.00 is real
    assert scale_suspicious(64.25, 0.6425, 1.0, "acc_norm") is None  # a converted fraction
    assert scale_suspicious(1099.0, 1099.0, None, "elo") is None
    assert scale_suspicious(0.8, 0.8, 100.0, "acc_norm", normalized=True) is None  # v2-normalized GPQA near 0
    assert scale_suspicious(0.9, 0.9, 100.0, "exact_match", siblings=[12.2, 9.5, 37.1]) \
        == "exact_match value 0.9 looks like a 0-1 fraction among 0-100 values"
    assert scale_suspicious(0.9, 0.9, 100.0, "acc", siblings=[0.6, 0.8]) is None  # all siblings small: consistent
    assert scale_suspicious(1.0, 1.0, 100.0, "exact_match") is None  # generative metric: 1% is possible
    assert scale_suspicious(math.nan, math.nan, 100.0, "acc") == "acc value is not a finite number"


def test_row_conflicts_match_the_generic_ones() -> None:
    import random

    rng = random.Random(3)
    keys = [("arc", "acc_norm", 25), ("arc", "acc_norm", None), ("mmlu", "acc", 5), ("gsm8k", "acc", 5)]
    for _ in range(200):
        rows = [ResultRow(rng.randint(1, 4), *rng.choice(keys), rng.choice([50.0, 50.004, 51.0, 62.25, math.nan]))
                for _ in range(rng.randint(0, 12))]
        assert find_row_conflicts(rows) == find_conflicts(rows)
    three = [ResultRow(r, "gsm8k", "acc", 5, v) for r, v in ((3, 50.0), (1, 52.5), (2, 50.0), (3, 99.0))]
    [conflict] = find_row_conflicts(three)  # run 3's first value counts
    assert conflict.values == (50.0, 52.5) and conflict.run_ids == (1, 2, 3) and conflict.sources == ()
    assert conflict.message == "gsm8k acc 5-shot: sources disagree (50 vs 52.5)"


def test_decimals_of_is_stable_when_cached() -> None:
    assert [decimals_of(v) for v in (73.59, 73.59, 46.4, 46.4, math.nan, math.nan)] == [2, 2, 1, 1, 0, 0]
