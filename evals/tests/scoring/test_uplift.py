"""Merge uplift on a small hand-computed lineage.

    base  (arc 60, hellaswag 80, mmlu 58, average 66)
    a     (arc 66, hellaswag 84, mmlu 63, average 71)
    b     (arc 64, hellaswag 86, mmlu 60, average 70)
    c     (arc 70 only: no average)
    child = merge(a, b, c) on base: arc 68, hellaswag 85, mmlu 63, average 72

    arc:       best parent c 70 -> -2;  mean (66+64+70)/3 = 66.667 -> +1.333;  base 60 -> +8
    hellaswag: best parent b 86 -> -1;  mean (84+86)/2 = 85 -> 0 (c skipped);   base 80 -> +5
    mmlu:      best parent a 63 ->  0;  mean (63+60)/2 = 61.5 -> +1.5;          base 58 -> +5
    average:   best parent a 71 -> +1;  mean (71+70)/2 = 70.5 -> +1.5;          base 66 -> +6
    72 > 71 and 72 > 70: beats every scored parent.
"""

from __future__ import annotations

import math

import pytest

from evals.scoring.uplift import MethodStats, Uplift, aggregate_by_method, merge_uplift

BASE = {"arc": 60.0, "hellaswag": 80.0, "mmlu": 58.0, "average": 66.0}
PARENTS = {
    "org/a": {"arc": 66.0, "hellaswag": 84.0, "mmlu": 63.0, "average": 71.0},
    "org/b": {"arc": 64.0, "hellaswag": 86.0, "mmlu": 60.0, "average": 70.0},
    "org/c": {"arc": 70.0},
}
CHILD = {"arc": 68.0, "hellaswag": 85.0, "mmlu": 63.0, "average": 72.0}


def test_hand_computed_lineage() -> None:
    result = merge_uplift(CHILD, PARENTS, BASE)
    assert result.vs_best_parent == pytest.approx({"arc": -2.0, "hellaswag": -1.0, "mmlu": 0.0, "average": 1.0})
    assert result.vs_mean_parents == pytest.approx({"arc": 68.0 - 200.0 / 3, "hellaswag": 0.0, "mmlu": 1.5,
                                                    "average": 1.5})
    assert result.vs_base == pytest.approx({"arc": 8.0, "hellaswag": 5.0, "mmlu": 5.0, "average": 6.0})
    assert result.best_parent == {"arc": "org/c", "hellaswag": "org/b", "mmlu": "org/a", "average": "org/a"}
    assert result.beats_all_parents and result.parents_scored == 2
    assert result.notes == [
        "hellaswag: skipped parent(s) without a value: org/c",
        "mmlu: skipped parent(s) without a value: org/c",
        "average: skipped parent(s) without a value: org/c",
    ]


def test_base_by_name_stays_a_parent() -> None:
    result = merge_uplift(CHILD, PARENTS, "org/a")
    assert result.vs_base == pytest.approx({"arc": 2.0, "hellaswag": 1.0, "mmlu": 0.0, "average": 1.0})
    assert result.vs_best_parent["average"] == pytest.approx(1.0)
    unknown = merge_uplift(CHILD, PARENTS, "org/zzz")
    assert unknown.vs_base is None and "base org/zzz: no scores" in unknown.notes
    assert merge_uplift(CHILD, PARENTS).vs_base is None


def test_a_tie_is_not_a_win() -> None:
    tie = merge_uplift({**CHILD, "average": 71.0}, PARENTS, BASE)
    assert tie.vs_best_parent["average"] == 0.0 and not tie.beats_all_parents
    worse = merge_uplift({"average": 70.5}, PARENTS)
    assert worse.vs_best_parent == {"average": -0.5} and worse.vs_mean_parents == {"average": 0.0}
    assert not worse.beats_all_parents


def test_missing_averages_and_bad_values() -> None:
    no_average = merge_uplift({"arc": 68.0}, PARENTS)
    assert not no_average.beats_all_parents and "child has no average" in no_average.notes
    unscored_parents = merge_uplift(CHILD, {"org/c": {"arc": 70.0}})
    assert not unscored_parents.beats_all_parents and unscored_parents.parents_scored == 0
    junk = merge_uplift({"arc": math.nan, "average": "x", "mmlu": 63.0},  # type: ignore[dict-item]
                        {"p": {"mmlu": None, "arc": 1.0}, "q": 5})  # type: ignore[dict-item]
    assert junk.vs_best_parent == {} and junk.notes == ["mmlu: skipped parent(s) without a value: p, q",
                                                         "child has no average"]
    assert merge_uplift({}, {}).notes == ["no scored parents", "child has no average"]


def test_custom_average_key() -> None:
    result = merge_uplift({"avg_v2": 30.0}, {"p": {"avg_v2": 28.0}}, average_key="avg_v2")
    assert result.beats_all_parents and result.vs_best_parent == {"avg_v2": 2.0}


def test_aggregate_by_method() -> None:
    ties_win = merge_uplift(CHILD, PARENTS, BASE)  # +1.0 vs best, +1.5 vs mean, beats all
    ties_loss = merge_uplift({"average": 70.5}, PARENTS)  # -0.5 vs best, 0.0 vs mean
    slerp = merge_uplift({"average": 73.0}, {"org/a": PARENTS["org/a"]})  # +2.0, +2.0
    unscored = merge_uplift({"arc": 68.0}, PARENTS)  # no average uplift
    stats = aggregate_by_method([("ties", ties_win), ("TIES ", ties_loss), ("slerp", slerp), ("", unscored)])
    assert list(stats) == ["ties", "slerp", "unknown"]  # most merges first, then by name
    assert stats["ties"] == MethodStats(count=2, scored=2, mean_vs_best_parent=pytest.approx(0.25),
                                        mean_vs_mean_parents=pytest.approx(0.75), share_beats_all_parents=0.5)
    assert stats["slerp"] == MethodStats(1, 1, 2.0, 2.0, 1.0)
    assert stats["unknown"] == MethodStats(1, 0, None, None, 0.0)
    assert aggregate_by_method([]) == {}
    assert isinstance(ties_win, Uplift)
