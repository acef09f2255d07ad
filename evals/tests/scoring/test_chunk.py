"""The per-chunk loops in evals.scoring.chunk (pure): claim checks, conflict candidates, score rows."""

from __future__ import annotations

import pytest

from evals.scoring.chunk import add_score_rows, check_claims, conflict_candidates
from evals.scoring.rules import ResultRow, ScoreOutcome, bucket_rows, score_bucketed
from evals.scoring.specs import BY_SLUG

V1 = [("arc", "acc_norm", 25, 60.0), ("hellaswag", "acc_norm", 10, 80.0), ("mmlu", "acc", 5, 60.0),
      ("truthfulqa", "mc2", 0, 50.0), ("winogrande", "acc", 5, 75.0), ("gsm8k", "acc", 5, 40.0)]  # mean 60.8333


def _rows(run_id: int, values: list[tuple], rank: int = 0) -> list[ResultRow]:
    return [ResultRow(run_id, bench, metric, shots, value, False, rank) for bench, metric, shots, value in values]


def test_a_stated_average_is_recomputed_from_its_own_run() -> None:
    own, other = _rows(1, V1), _rows(2, [(b, m, s, v + 10) for b, m, s, v in V1], rank=3)
    buckets = bucket_rows(own + other)
    outcomes = {"open-llm-v1": score_bucketed({7: buckets}, BY_SLUG["open-llm-v1"])}
    runs = {1: (7, "open_llm_v1", {"": 60.83}), 2: (7, "open_llm_v1", {"": 99.0})}
    checks = check_claims(runs, {1: own, 2: other}, {7: buckets}, outcomes, {"open_llm_v1": "open-llm-v1"})
    stated, recomputed, delta, _tolerance, status, n = checks[(1, "")]
    assert (stated, status, n) == (60.83, "verified", 6)
    assert recomputed == pytest.approx(60.8333, abs=1e-4) and delta == pytest.approx(0.0033, abs=1e-4)
    assert checks[(2, "")][1] == pytest.approx(70.8333, abs=1e-4) and checks[(2, "")][4] == "mismatch"
    # A run without a known board has nothing to recompute from.
    assert check_claims({3: (7, "elsewhere", {"": 50})}, {3: own}, {7: buckets}, outcomes, {})[(3, "")][4:] == \
        ("insufficient", 0)


def test_conflict_candidates_are_own_rows_of_benchmarks_several_runs_have() -> None:
    rows = _rows(1, V1[:2]) + _rows(2, V1[:1]) + _rows(3, V1[:1])  # arc in runs 1, 2 and 3; hellaswag in 1 only
    picked = conflict_candidates(bucket_rows(rows), third_party={3})
    assert [(r.benchmark, r.run_id) for r in picked] == [("arc", 1), ("arc", 2)]
    assert conflict_candidates(bucket_rows(_rows(1, V1) + _rows(1, V1)), set()) == []  # one run twice: no pair
    assert conflict_candidates(None, set()) == []


def test_score_rows_round_as_stored_and_skip_empty_outcomes() -> None:
    wanted: dict = {}
    by_model = {
        1: ScoreOutcome("open-llm-v1", 60.123456789, True, 1.0, {"arc": 60.1234567, "mmlu": 1 / 3}),
        2: ScoreOutcome("open-llm-v1", None, False, 2 / 6, {"arc": 50.0}),
        3: ScoreOutcome("open-llm-v1", None, False, 0.0, {}),  # nothing of the board: no row
    }
    add_score_rows(wanted, by_model, "open-llm-v1", 11, {(1, "open-llm-v1"): ("verified", 60.1)}, ("none", None),
                   {2: 4})
    assert wanted == {
        (1, 11): (60.123456789, True, 1.0, {"arc": 60.123457, "mmlu": 0.333333}, 60.1, "verified", 0),
        (2, 11): (None, False, 0.333333, {"arc": 50.0}, None, "none", 4),
    }
