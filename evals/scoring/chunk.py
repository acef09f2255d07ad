"""The per-chunk loops of a scoring job after the rules (pure, no Django): recomputing the averages
documents state, picking the rows that may conflict, and the values of each score row.

They run once per model, run or score of a full job (100,000 models), so they live beside the
rules and are compiled with them where the compiled core is built; ``evals.services.scoring``
reads and writes the database around them.
"""

from __future__ import annotations

from typing import Any, Optional

from evals.scoring.rules import ResultRow, ScoreOutcome, relevant_benchmarks, score_many
from evals.scoring.specs import BY_SLUG, LeaderboardSpec
from evals.scoring.verify import sub_aggregate_components, sub_aggregates_components, verify_stated_average

# run_id -> (model_id, leaderboard hint, stated averages {aggregate ("" = overall): value})
StatingRuns = dict[int, tuple[int, str, dict[str, Any]]]
# (stated, recomputed, delta, tolerance, status, n_components)
ClaimCheckValues = tuple[float, Optional[float], Optional[float], float, str, int]


def check_claims(runs: StatingRuns, rows_by_run: dict[int, list[ResultRow]],
                 rows_by_model: dict[int, dict[str, list[ResultRow]]], outcomes: dict[str, dict[int, ScoreOutcome]],
                 hint_to_board: dict[str, str]) -> dict[tuple[int, str], ClaimCheckValues]:
    """Recompute every average the given runs state from the components in the same run.

    ``outcomes`` are the models' outcomes per board (slug -> model_id -> outcome), reused where
    a run's outcome must equal its model's. Returns (run_id, aggregate) -> the check's values."""
    checks: dict[tuple[int, str], ClaimCheckValues] = {}
    no_rows: list[ResultRow] = []
    for run_id, (model_id, hint, stated_averages) in runs.items():
        board = BY_SLUG.get(hint_to_board.get(hint, ""))
        rows = rows_by_run.get(run_id, no_rows)
        nous = board is not None and board.slug == "nous"
        # Sub-averages (and every average of a Nous run) come from the suite's rows: grouped and
        # their task means computed once per run, however many averages the run states.
        suite_keys = [aggregate for aggregate in stated_averages if aggregate or nous]
        suite = sub_aggregates_components(rows, suite_keys) if suite_keys else {}
        known: ScoreOutcome | None = None
        if board is not None and board.slug in outcomes and "" in stated_averages and not nous:
            # The board only sees its own benchmarks' rows: when all of the model's such rows
            # come from this run, the run's outcome is the model's, already computed.
            if _only_from_run(rows_by_model.get(model_id), relevant_benchmarks(board), run_id):
                known = outcomes[board.slug].get(model_id)
        for aggregate, stated in stated_averages.items():
            components = suite[aggregate] if aggregate in suite else components_for(aggregate, rows, board, known)
            outcome = verify_stated_average(float(stated), components)
            checks[(run_id, aggregate)] = (float(stated), outcome.recomputed, outcome.delta, outcome.tolerance,
                                           outcome.status, len(components))
    return checks


def _only_from_run(buckets: dict[str, list[ResultRow]] | None, relevant: frozenset[str], run_id: int) -> bool:
    if buckets is None:
        return True
    for bench, rows in buckets.items():
        if bench in relevant:
            for row in rows:
                if row.run_id != run_id:
                    return False
    return True


def components_for(aggregate: str, rows: list[ResultRow], board: LeaderboardSpec | None,
                   known: ScoreOutcome | None = None) -> list[float]:
    """The components a stated average is recomputed from; ``known`` is these rows' outcome on
    ``board`` when already computed."""
    if aggregate or (board is not None and board.slug == "nous"):
        return list(sub_aggregate_components(rows, aggregate))
    if board is None:
        return []
    outcome = known if known is not None else score_many({0: rows}, board)[0]
    if not outcome.complete:
        return []
    return list(outcome.components.values())


def conflict_candidates(buckets: dict[str, list[ResultRow]] | None, third_party: set[int]) -> list[ResultRow]:
    """The rows of a model's own runs (not third-party claims) that could disagree: those of a
    benchmark more than one run has (a benchmark only one run has cannot conflict)."""
    out: list[ResultRow] = []
    if buckets is None:
        return out
    for rows in buckets.values():
        if len(rows) < 2:
            continue
        first = rows[0].run_id
        if all(row.run_id == first for row in rows):
            continue
        for row in rows:
            if row.run_id not in third_party:
                out.append(row)
    return out


def add_score_rows(wanted: dict[tuple[int, int], tuple[Any, ...]], by_model: dict[int, ScoreOutcome], slug: str,
                   board_id: int, verification: dict[tuple[int, str], tuple[str, Any]], none: tuple[str, Any],
                   flag_counts: dict[int, int]) -> None:
    """Add one board's score rows to ``wanted``: (model_id, board_id) -> (average, complete,
    completeness, components, reported average, verification, flag count). A model with
    nothing of the board's benchmarks gets no row. Rounded to six places as stored."""
    for model_id, outcome in by_model.items():
        if outcome.average is None and not outcome.components:
            continue
        status, reported = verification.get((model_id, slug), none)
        wanted[(model_id, board_id)] = (
            outcome.average, outcome.complete, round(outcome.completeness, 6),
            {k: round(v, 6) for k, v in outcome.components.items()}, reported, status,
            flag_counts.get(model_id, 0),
        )
