"""How a model's score on each leaderboard is computed from its results (pure, no Django).

Each member of a board picks the best-matching result: the right benchmark, the board's metric
(or a listed alternative), the board's number of shots (a result whose shots were not stated
is accepted, with a note), then the most trustworthy source (lowest ``source_rank``) and the
newest run. A model missing a member gets no average: only a completeness share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from evals.scoring.specs import BY_KEY, LeaderboardSpec, MemberSpec


@dataclass(frozen=True, slots=True)
class ResultRow:
    run_id: int
    benchmark: str
    metric: str
    shots: int | None
    value: float  # 0-100 (Elo: the rating)
    normalized: bool = False
    source_rank: int = 0


@dataclass
class ScoreOutcome:
    leaderboard: str
    average: float | None
    complete: bool
    completeness: float
    components: dict[str, float] = field(default_factory=dict)
    component_runs: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def normalize_v2(value: float, baseline: float | None) -> float:
    """Open LLM Leaderboard v2: rescale so random guessing is 0 and perfect is 100; below random is 0."""
    if not baseline:
        return value
    return max(0.0, (value / 100.0 - baseline) / (1.0 - baseline) * 100.0)


def pick(rows: Iterable[ResultRow], benchmark: str, metrics: tuple[str, ...], shots: int | None
         ) -> tuple[ResultRow | None, str]:
    """The best row for a member, and a note when it was accepted with unknown shots."""
    best: ResultRow | None = None
    best_key: tuple = ()
    for row in rows:
        if row.benchmark != benchmark or row.metric not in metrics:
            continue
        if shots is not None and row.shots is not None and row.shots != shots:
            continue
        key = (metrics.index(row.metric), row.shots is None and shots is not None, row.source_rank, -row.run_id)
        if best is None or key < best_key:
            best, best_key = row, key
    note = ""
    if best is not None and best.shots is None and shots is not None:
        note = f"{benchmark}: number of shots not stated; assumed {shots}"
    return best, note


def _subset_mean(rows: list[ResultRow], tasks: tuple[str, ...], metrics: tuple[str, ...]
                 ) -> tuple[float | None, int | None, list[float]]:
    """Mean over tasks (first metric present per task, e.g. acc_norm else acc) from the best run."""
    by_run: dict[int, list[ResultRow]] = {}
    for row in rows:
        if row.benchmark in tasks:
            by_run.setdefault(row.run_id, []).append(row)
    best_values: list[float] = []
    best_run = None
    best_key: tuple = ()
    for run_id, run_rows in by_run.items():
        values = []
        for task in tasks:
            # The Nous suite is zero-shot: ARC at 25 shots from a v1 run is not its ARC.
            row, _ = pick(run_rows, task, metrics, 0)
            if row is not None:
                values.append(row.value)
        rank = min(r.source_rank for r in run_rows)
        key = (-len(values), rank, -run_id)
        if best_run is None or key < best_key:
            best_values, best_run, best_key = values, run_id, key
    if len(best_values) == len(tasks):
        return sum(best_values) / len(best_values), best_run, best_values
    return None, best_run, best_values


def nous_components(rows: list[ResultRow], spec: LeaderboardSpec) -> tuple[dict[str, float], dict[str, int], list[str]]:
    """The four sub-averages: from subtasks when all are present, else from stated aggregates."""
    components: dict[str, float] = {}
    runs: dict[str, int] = {}
    notes: list[str] = []
    for key, metrics in (("gpt4all", ("acc_norm", "acc")), ("agieval", ("acc_norm", "acc")),
                         ("bigbench", ("multiple_choice_grade",))):
        mean, run_id, _values = _subset_mean(rows, spec.subsets[key], metrics)
        if mean is not None:
            components[key], runs[key] = mean, run_id
            continue
        row, _ = pick(rows, key, ("average",), None)
        if row is not None:
            components[key], runs[key] = row.value, row.run_id
            notes.append(f"{key}: the stated sub-average was used (subtasks incomplete)")
    row, _ = pick(rows, "truthfulqa", ("mc2",), 0)
    if row is not None:
        components["truthfulqa"], runs["truthfulqa"] = row.value, row.run_id
    return components, runs, notes


def score(rows: list[ResultRow], spec: LeaderboardSpec) -> ScoreOutcome:
    if spec.averaging == "nous":
        components, runs, notes = nous_components(rows, spec)
    else:
        components, runs, notes = {}, {}, []
        for member in spec.members:
            row, note = pick(rows, member.benchmark, (member.metric, *member.alt_metrics), member.shots)
            if row is None:
                continue
            value = row.value
            if spec.averaging == "mean_normalized" and not row.normalized:
                value = normalize_v2(value, BY_KEY[member.benchmark].random_baseline)
                notes.append(f"{member.benchmark}: raw value {row.value:.2f} normalized to {value:.2f}")
            components[member.benchmark], runs[member.benchmark] = value, row.run_id
            if note:
                notes.append(note)
    keys = [m.benchmark for m in spec.members]
    missing = [k for k in keys if k not in components]
    complete = not missing
    average = None
    if complete:
        weights = {m.benchmark: m.weight for m in spec.members}
        total = sum(weights[k] for k in keys)
        average = sum(components[k] * weights[k] for k in keys) / total
    return ScoreOutcome(spec.slug, average, complete, (len(keys) - len(missing)) / len(keys), components, runs,
                        missing, notes)


def score_many(rows_by_model: dict[int, list[ResultRow]], spec: LeaderboardSpec) -> dict[int, ScoreOutcome]:
    members = {m.benchmark for m in spec.members} | {t for tasks in spec.subsets.values() for t in tasks}
    out = {}
    for model_id, rows in rows_by_model.items():
        relevant = [r for r in rows if r.benchmark in members]
        out[model_id] = score(relevant, spec) if relevant else ScoreOutcome(spec.slug, None, False, 0.0)
    return out


def rank(outcomes: dict[int, ScoreOutcome], *, higher_is_better: bool = True) -> dict[int, int]:
    """Dense ranking of complete entries (ties share a rank); incomplete entries are unranked."""
    values = sorted({round(o.average, 6) for o in outcomes.values() if o.average is not None},
                    reverse=higher_is_better)
    position = {v: i + 1 for i, v in enumerate(values)}
    return {m: position[round(o.average, 6)] for m, o in outcomes.items() if o.average is not None}


def member_metrics(member: MemberSpec) -> tuple[str, ...]:
    return (member.metric, *member.alt_metrics)
