"""group_results: the fold of a job's fetched result rows (pure)."""

from __future__ import annotations

import math

from evals.scoring.grouping import group_results
from evals.scoring.rules import ResultRow

BENCH = {1: "arc", 2: "mmlu", 3: "hellaswag"}


def _fold(fetched: list[tuple], runs: dict[int, tuple[int, int, bool]], models: list[int]) -> tuple:
    rows_by_model: dict = {}
    rows_by_run: dict = {}
    suspects: dict = {}
    counts = dict.fromkeys(models, 0)
    group_results(fetched, runs, BENCH, rows_by_model, rows_by_run, suspects, counts)
    return rows_by_model, rows_by_run, suspects, counts


def test_rows_are_grouped_by_model_and_benchmark_in_order() -> None:
    fetched = [  # (run, id, bench, metric, shots, value, normalized, raw_value, raw_scale), in (run, id) order
        (10, 100, 1, "acc_norm", 25, 60.0, False, 0.6, 1.0),
        (10, 101, 2, "acc", 5, 55.0, False, None, None),
        (10, 102, None, "unknown_task", None, 12.0, False, None, None),
        (11, 103, 1, "acc_norm", None, 62.0, False, None, None),
        (20, 104, 3, "acc_norm", 10, 0.7, False, 0.7, 1.0),  # a fraction on a 0-1 scale: a suspect
        (20, 105, 3, "acc_norm", 10, math.nan, False, None, 100.0),  # NaN fails (1, 100]: kept too
    ]
    runs = {10: (1, 0, True), 11: (1, 3, False), 20: (2, 1, False)}
    rows_by_model, rows_by_run, suspects, counts = _fold(fetched, runs, [1, 2, 3])
    assert rows_by_model[1] == {
        "arc": [ResultRow(10, "arc", "acc_norm", 25, 60.0, False, 0), ResultRow(11, "arc", "acc_norm", None, 62.0, False, 3)],
        "mmlu": [ResultRow(10, "mmlu", "acc", 5, 55.0, False, 0)],
    }
    assert list(rows_by_model) == [1, 2] and [r.run_id for r in rows_by_model[2]["hellaswag"]] == [20, 20]
    assert type(rows_by_model[1]["arc"][0]) is ResultRow  # built without ResultRow.__new__, still the named tuple
    # Only the run that states averages keeps its own rows (those with a benchmark).
    assert rows_by_run == {10: [rows_by_model[1]["arc"][0], rows_by_model[1]["mmlu"][0]]}
    assert counts == {1: 4, 2: 2, 3: 0}  # the row without a benchmark is counted
    assert list(suspects) == [2]
    assert suspects[2][0] == (20, "acc_norm", 0.7, 0.7, 1.0, 3, 104) and suspects[2][1][-1] == 105


def test_a_run_without_rows_of_a_known_benchmark_still_has_its_entries() -> None:
    """A model whose rows all lack a benchmark gets an empty grouping, and a stating run an
    empty list: the rules then see "nothing", as they always have."""
    rows_by_model, rows_by_run, suspects, counts = _fold([(5, 1, None, "x", None, 1.0, False, None, None)],
                                                         {5: (9, 0, True)}, [9])
    assert rows_by_model == {9: {}} and rows_by_run == {5: []} and suspects == {} and counts == {9: 1}
