"""Folding a scoring job's result rows into the shapes the rules read (pure, no Django).

A full job folds every result of the catalog (2.17 million rows at 100,000 models) through
``group_results``: it is the hottest loop outside the rules, and it lives here, beside them, so
that it is compiled with them where the compiled core is built.
"""

from __future__ import annotations

from typing import Optional

from evals.scoring.rules import ResultRow

# (run_id, result id, benchmark id, metric, shots, value, normalized, raw_value, raw_scale), as
# the job reads them from evals_result.
FetchedRow = tuple[int, int, Optional[int], str, Optional[int], float, bool, Optional[float], Optional[float]]
# (run_id, metric, value, raw_value, raw_scale, benchmark id, result id): a row the scale check reads.
Suspect = tuple[int, str, float, Optional[float], Optional[float], int, int]


def group_results(fetched: list[FetchedRow], runs: dict[int, tuple[int, int, bool]], bench_keys: dict[int, str],
                  rows_by_model: dict[int, dict[str, list[ResultRow]]], rows_by_run: dict[int, list[ResultRow]],
                  suspects: dict[int, list[Suspect]], counts: dict[int, int]) -> None:
    """Fold result rows, in (run_id, id) order, into the given mappings.

    ``runs``: run_id -> (model_id, source_rank, whether the run states averages). Every run met
    gets its model's entry in ``rows_by_model`` (benchmark key -> rows, in order) and, when it
    states averages, its own list in ``rows_by_run`` (for the claim checks); ``counts`` counts
    every row, with or without a benchmark, for the model's result count; ``suspects`` keeps
    the rows the scale check must look at."""
    new_row = tuple.__new__  # ResultRow is a NamedTuple: building it from a tuple skips its __new__
    last_run = -1
    model_id = 0
    rank = 0
    buckets: dict[str, list[ResultRow]] = {}
    run_rows: list[ResultRow] | None = None
    for run_id, result_id, bench_id, metric, shots, value, normalized, raw_value, raw_scale in fetched:
        if run_id != last_run:  # rows arrive grouped by run: look the run up once per run
            last_run = run_id
            model_id, rank, states = runs[run_id]
            found = rows_by_model.get(model_id)
            if found is None:
                found = rows_by_model[model_id] = {}
            buckets = found
            if states:
                run_rows = rows_by_run.get(run_id)
                if run_rows is None:
                    run_rows = rows_by_run[run_id] = []
            else:
                run_rows = None
        counts[model_id] += 1
        if bench_id is None:
            continue
        bench = bench_keys[bench_id]
        row: ResultRow = new_row(ResultRow, (run_id, bench, metric, shots, value, normalized, rank))
        bucket = buckets.get(bench)
        if bucket is None:
            buckets[bench] = [row]
        else:
            bucket.append(row)
        if run_rows is not None:
            run_rows.append(row)
        # scale_suspicious never objects to a value in (1, 100] or to an unbounded (Elo) scale:
        # only the few other rows are kept for it (NaN fails the comparison, so it is kept).
        if raw_scale is not None and not 1.0 < value <= 100.0:
            kept = suspects.get(model_id)
            suspect = (run_id, metric, value, raw_value, raw_scale, bench_id, result_id)
            if kept is None:
                suspects[model_id] = [suspect]
            else:
                kept.append(suspect)
