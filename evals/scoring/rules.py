"""How a model's score on each leaderboard is computed from its results (pure, no Django).

Each member of a board takes the best-matching result:

1. the member's benchmark, and its metric (else, for IFEval, the mean of the instance- and
   prompt-level strict accuracy from one run, else an alternative metric in the listed order);
2. the member's number of shots; a result whose shots were not stated is accepted, with a note,
   but a result with the stated shots wins over it;
3. on the Nous board, a result from the run that supplied the suite's sub-averages (the suite is
   one harness run: its TruthfulQA is the one its average used);
4. the most trustworthy source (lowest ``source_rank``), then the newest run (highest ``run_id``).

Aggregate members with component tasks (GPT4All, AGIEval, BigBench) are the mean of their tasks
taken from ONE run that has them all (no averages stitched from different runs); when no run has
them all, the document's stated aggregate is used. A model missing a member gets no average,
only a completeness share. Values keep full precision: rounding is for display only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, Hashable, Iterable, Mapping, NamedTuple, TypeVar, cast

from evals.scoring.specs import BY_KEY, LeaderboardSpec, MemberSpec


class ResultRow(NamedTuple):
    """One result as the rules see it. A named tuple, not a dataclass: a full catalog builds
    millions of these, and a tuple is built several times faster than a frozen dataclass."""

    run_id: int
    benchmark: str
    metric: str
    shots: int | None
    # 0-100 (Elo: the rating), a float. Any for the mypyc build (evals/scoring/native.py): a value
    # typed float is checked when read (TypeError on a malformed one, a string, and an int turned
    # into a float), where the rules skip a malformed row and keep an int as it is.
    value: Any
    normalized: bool = False  # already normalized the v2 way (cards print v2 values normalized)
    source_rank: int = 0  # lower is more trustworthy


@dataclass(slots=True)
class ScoreOutcome:
    leaderboard: str
    average: float | None
    complete: bool
    completeness: float  # share of members present, 0-1
    components: dict[str, float] = field(default_factory=dict)
    component_runs: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def display_average(self, decimals: int = 2) -> str:
        """The average as shown on a page ("" when there is none): the only place we round."""
        return "" if self.average is None else f"{self.average:.{decimals}f}"


def normalize_v2(value: float, baseline: float | None) -> float:
    """Open LLM Leaderboard v2 normalization on a 0-100 value: ``(raw - b) / (1 - b)``, below
    random clipped to 0 (https://huggingface.co/docs/leaderboards/open_llm_leaderboard/normalization).
    A missing or zero baseline (generative tasks) leaves the value as it is."""
    if not baseline or baseline >= 1.0:
        return value
    return max(0.0, (value / 100.0 - baseline) / (1.0 - baseline) * 100.0)


def _finite(value: object) -> bool:
    try:
        return math.isfinite(value)  # type: ignore[arg-type]
    except TypeError:
        return False


# --- compiled board plans ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Member:
    benchmark: str
    metric_rank: Mapping[str, int]  # metric -> preference (0 best)
    mean_of: tuple[str, ...]
    mean_rank: int  # preference of the ``mean_of`` combination
    shots: int | None
    weight: float
    baseline: float | None
    tasks: tuple[str, ...]  # component tasks of an aggregate member, else ()
    task_metric_rank: Mapping[str, int]
    own_tasks: frozenset[str]  # tasks that belong to this aggregate only (not shared with other boards)


@dataclass(frozen=True, slots=True)
class _Plan:
    slug: str
    members: tuple[_Member, ...]  # aggregates first: their runs steer the other members
    order: tuple[str, ...]  # member keys in the board's order
    relevant: frozenset[str]
    normalize: bool
    weight_sum: float  # of ``members`` in their order, summed once per board instead of per model


_PLANS: dict[int, tuple[LeaderboardSpec, _Plan]] = {}


def _member(spec: LeaderboardSpec, m: MemberSpec) -> _Member:
    metrics = (m.metric, *m.alt_metrics)
    rank: dict[str, int] = {}
    for i, name in enumerate(metrics):
        # alternatives rank after the mean_of combination (which takes rank 1)
        rank.setdefault(name, 0 if i == 0 else i + 1)
    tasks = tuple(spec.subsets.get(m.benchmark, ()))
    task_metrics = tuple(spec.subset_metrics.get(m.benchmark, ()))
    bench = BY_KEY.get(m.benchmark)
    return _Member(
        benchmark=m.benchmark, metric_rank=rank, mean_of=tuple(m.mean_of), mean_rank=1, shots=m.shots,
        weight=float(m.weight), baseline=bench.random_baseline if bench else None, tasks=tasks,
        task_metric_rank={name: i for i, name in enumerate(task_metrics)},
        own_tasks=frozenset(t for t in tasks if (b := BY_KEY.get(t)) is not None and b.parent == m.benchmark),
    )


def _plan(spec: LeaderboardSpec) -> _Plan:
    """Per-board lookups built once (cached by identity: specs are module-level constants)."""
    cached = _PLANS.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    members = [_member(spec, m) for m in spec.members]
    relevant = {m.benchmark for m in members}
    for m in members:
        relevant.update(m.tasks)
    ordered_members = tuple(sorted(members, key=lambda m: not m.tasks))
    plan = _Plan(
        slug=spec.slug,
        members=ordered_members,
        order=tuple(m.benchmark for m in members),
        relevant=frozenset(relevant),
        normalize=spec.averaging == "mean_normalized",
        weight_sum=sum(m.weight for m in ordered_members),
    )
    if len(_PLANS) > 64:  # bounded: only ever a handful of boards
        _PLANS.clear()
    _PLANS[id(spec)] = (spec, plan)
    return plan


# --- picking -------------------------------------------------------------------------------

def _shots_ok(row_shots: int | None, wanted: int | None) -> bool:
    return wanted is None or row_shots is None or row_shots == wanted


def pick(rows: Iterable[ResultRow], benchmark: str, metrics: tuple[str, ...], shots: int | None
         ) -> tuple[ResultRow | None, str]:
    """The best row for (benchmark, metrics in preference order, shots), and a note when it was
    accepted with unstated shots. Order: metric preference, stated shots over unstated, lowest
    source_rank, newest run."""
    best: ResultRow | None = None
    best_key: tuple = ()
    for row in rows:
        if row.benchmark != benchmark or row.metric not in metrics or not _finite(row.value):
            continue
        if not _shots_ok(row.shots, shots):
            continue
        key = (metrics.index(row.metric), row.shots is None and shots is not None, row.source_rank, -row.run_id)
        if best is None or key < best_key:
            best, best_key = row, key
    note = ""
    if best is not None and best.shots is None and shots is not None:
        note = f"{benchmark}: number of shots not stated; accepted as {shots}-shot"
    return best, note


def _pick_member(member: _Member, rows: list[ResultRow], preferred_runs: set[int]
                 ) -> tuple[ResultRow | None, list[str]]:
    wanted = member.shots
    metric_rank = member.metric_rank
    mean_of = member.mean_of
    best: ResultRow | None = None
    best_key: tuple = ()
    parts: dict[int, dict[str, ResultRow]] = {}
    # The hot loop of a job (a million calls): _shots_ok and _finite are inlined for float values.
    for row in rows:
        metric = row.metric
        rank = metric_rank.get(metric)
        if rank is None and metric not in mean_of:
            continue
        shots = row.shots
        if wanted is not None and shots is not None and shots != wanted:
            continue
        value = row.value
        if not (value - value == 0.0 if value.__class__ is float else _finite(value)):  # NaN and inf fail
            continue
        if metric in mean_of:
            parts.setdefault(row.run_id, {}).setdefault(metric, row)
        if rank is None:
            continue
        key = (rank, shots is None and wanted is not None, row.run_id not in preferred_runs,
               row.source_rank, -row.run_id)
        if best is None or key < best_key:
            best, best_key = row, key
    notes: list[str] = []
    combined = False
    if member.mean_of and (best is None or best_key[0] > member.mean_rank):
        for run_id, found in parts.items():
            if len(found) != len(member.mean_of):
                continue
            values = [found[m] for m in member.mean_of]
            unknown = any(r.shots is None for r in values)
            row = ResultRow(run_id, member.benchmark, next(iter(member.metric_rank)),
                            None if unknown else wanted, sum(r.value for r in values) / len(values),
                            all(r.normalized for r in values), min(r.source_rank for r in values))
            key = (member.mean_rank, unknown and wanted is not None, run_id not in preferred_runs,
                   row.source_rank, -run_id)
            if best is None or key < best_key:
                best, best_key, combined = row, key, True
    if best is None:
        return None, notes
    if combined:
        notes.append(f"{member.benchmark}: mean of {' and '.join(member.mean_of)}")
    elif best_key[0] > 0:
        notes.append(f"{member.benchmark}: {best.metric} used in place of {next(iter(member.metric_rank))}")
    if best.shots is None and wanted is not None:
        notes.append(f"{member.benchmark}: number of shots not stated; accepted as {wanted}-shot")
    return best, notes


def _subset(member: _Member, buckets: Mapping[str, list[ResultRow]]
            ) -> tuple[float | None, int | None, list[float], list[str]]:
    """Mean of an aggregate's tasks from the best run that has every task.

    Returns (mean, run, values in task order, notes); mean is None when no run is complete
    (values then hold what the most complete run has, for diagnostics)."""
    wanted = member.shots
    task_metric_rank = member.task_metric_rank
    by_run: dict[int, dict[str, tuple[tuple, ResultRow]]] = {}
    for task in member.tasks:
        for row in buckets.get(task, ()):
            rank = task_metric_rank.get(row.metric)
            if rank is None:
                continue
            shots = row.shots
            if wanted is not None and shots is not None and shots != wanted:
                continue
            value = row.value
            if not (value - value == 0.0 if value.__class__ is float else _finite(value)):  # NaN and inf fail
                continue
            key = (rank, shots is None and wanted is not None)
            found = by_run.setdefault(row.run_id, {})
            current = found.get(task)
            if current is None or key < current[0]:
                found[task] = (key, row)
    if not by_run:
        return None, None, [], []
    n = len(member.tasks)
    best_run = next(iter(by_run)) if len(by_run) == 1 else min(by_run, key=lambda run: (  # one run: the usual
        len(by_run[run]) != n,  # complete runs first
        -len(by_run[run]),
        any(k[1] for k, _ in by_run[run].values()),
        min(r.source_rank for _, r in by_run[run].values()),
        -run,
    ))
    chosen = by_run[best_run]
    values = [chosen[t][1].value for t in member.tasks if t in chosen]
    if len(chosen) != n:
        # Shared tasks alone (a v1 ARC without stated shots) do not make a partial suite run.
        partial = any(t in member.own_tasks for t in chosen)
        note = [f"{member.benchmark}: {len(chosen)} of {n} tasks in the most complete run"] if partial else []
        return None, best_run, values, note
    notes = []
    if any(k[1] for k, _ in chosen.values()):
        notes.append(f"{member.benchmark}: number of shots not stated for some tasks; accepted as {wanted}-shot")
    return sum(values) / n, best_run, values, notes


def _score_buckets(plan: _Plan, buckets: Mapping[str, list[ResultRow]]) -> ScoreOutcome:
    components: dict[str, float] = {}
    runs: dict[str, int] = {}
    notes: list[str] = []
    preferred: set[int] = set()
    for member in plan.members:
        key = member.benchmark
        sub_notes: list[str] = []
        # A run can only complete the aggregate when every task has rows, and only the
        # aggregate's own tasks make a note about a partial run: else _subset has nothing to say
        # (a v1-only model on the Nous board has ARC, HellaSwag and Winogrande, shared tasks).
        if member.tasks and (not member.own_tasks.isdisjoint(buckets) or all(t in buckets for t in member.tasks)):
            mean, run_id, _values, sub_notes = _subset(member, buckets)
            if mean is not None and run_id is not None:
                components[key], runs[key] = mean, run_id
                notes.extend(sub_notes)
                preferred.add(run_id)
                continue
        member_rows = buckets.get(key)
        if not member_rows:  # no row of the member's own benchmark: nothing to pick (the usual gap)
            notes.extend(sub_notes)
            continue
        row, row_notes = _pick_member(member, member_rows, preferred)
        if row is None:
            notes.extend(sub_notes)
            continue
        if member.tasks:
            notes.append(f"{key}: the document's stated average was used (its tasks are incomplete or absent)")
            preferred.add(row.run_id)
        notes.extend(row_notes)
        value = row.value
        if plan.normalize and not row.normalized:
            value = normalize_v2(value, member.baseline)
            if member.baseline:
                notes.append(f"{key}: raw {row.value:.2f} normalized to {value:.2f} (baseline {member.baseline:g})")
        components[key], runs[key] = value, row.run_id
    order = plan.order
    total = len(order)
    # Every member found (the usual case): nothing to filter out of the board's order.
    missing = [] if len(components) == total else [k for k in order if k not in components]
    completeness = (total - len(missing)) / total if total else 0.0
    average = None
    if not missing and total:
        weight_sum = plan.weight_sum
        if weight_sum > 0:
            average = sum([components[m.benchmark] * m.weight for m in plan.members]) / weight_sum
        else:
            notes.append("member weights sum to zero: no average")
    if missing:
        ordered = {k: components[k] for k in order if k in components}
        ordered_runs = {k: runs[k] for k in order if k in runs}
    else:
        ordered = {k: components[k] for k in order}
        ordered_runs = {k: runs[k] for k in order}
    return ScoreOutcome(plan.slug, average, average is not None, completeness, ordered, ordered_runs, missing, notes)


def _bucket(rows: Iterable[ResultRow], relevant: frozenset[str]) -> dict[str, list[ResultRow]]:
    buckets: dict[str, list[ResultRow]] = {}
    # Any: the mypyc build would check each item is a tuple (TypeError), where plain Python fails on
    # the attribute (AttributeError), and score() names the exception in its note.
    for row in cast(Iterable[Any], rows):
        bench = row.benchmark
        if bench in relevant:
            found = buckets.get(bench)
            if found is None:
                buckets[bench] = [row]
            else:
                found.append(row)
    return buckets


def _nothing(plan: _Plan) -> ScoreOutcome:
    """A model with no result for any of the board's benchmarks: what ``_score_buckets`` gives it."""
    return ScoreOutcome(plan.slug, None, False, 0.0, {}, {}, list(plan.order), [])


def _invalid(plan: _Plan, exc: Exception) -> ScoreOutcome:
    return ScoreOutcome(plan.slug, None, False, 0.0, missing=list(plan.order),
                        notes=[f"invalid result rows ignored: {type(exc).__name__}"])


def score(rows: Iterable[ResultRow], spec: LeaderboardSpec) -> ScoreOutcome:
    """One model's outcome on one board."""
    plan = _plan(spec)
    try:
        return _score_buckets(plan, _bucket(rows, plan.relevant))
    except (TypeError, ValueError, AttributeError) as exc:  # malformed rows: a clean empty outcome
        return _invalid(plan, exc)


def bucket_rows(rows: Iterable[ResultRow]) -> dict[str, list[ResultRow]]:
    """A model's rows grouped by benchmark key, in their order: one grouping serves every board
    (``score_bucketed``)."""
    buckets: dict[str, list[ResultRow]] = {}
    for row in rows:
        found = buckets.get(row.benchmark)
        if found is None:
            buckets[row.benchmark] = [row]
        else:
            found.append(row)
    return buckets


def score_bucketed(buckets_by_model: Mapping[int, Mapping[str, list[ResultRow]]], spec: LeaderboardSpec
                   ) -> dict[int, ScoreOutcome]:
    """``score_many`` for rows already grouped by benchmark key (``bucket_rows``, or built so
    while loading); groups of other boards' benchmarks are ignored. A scoring job groups each
    model's rows once instead of once per board."""
    plan = _plan(spec)
    relevant = plan.relevant
    out: dict[int, ScoreOutcome] = {}
    for model_id, buckets in buckets_by_model.items():
        try:
            if relevant.isdisjoint(buckets):  # nothing of this board: what _score_buckets gives
                out[model_id] = _nothing(plan)
                continue
            out[model_id] = _score_buckets(plan, buckets)
        except (TypeError, ValueError, AttributeError) as exc:
            out[model_id] = _invalid(plan, exc)
    return out


def relevant_benchmarks(spec: LeaderboardSpec) -> frozenset[str]:
    """Benchmark keys a board looks at: rows with any other key cannot change its outcome."""
    return _plan(spec).relevant


def score_many(rows_by_model: Mapping[int, Iterable[ResultRow]], spec: LeaderboardSpec) -> dict[int, ScoreOutcome]:
    """Every model's outcome on one board (measured by ``evals.scoring.bench``)."""
    plan = _plan(spec)
    relevant = plan.relevant
    out: dict[int, ScoreOutcome] = {}
    for model_id, rows in rows_by_model.items():
        try:
            buckets = _bucket(rows, relevant)
            if not buckets:  # nothing of this board (most models on most boards): what _score_buckets gives
                out[model_id] = _nothing(plan)
                continue
            out[model_id] = _score_buckets(plan, buckets)
        except (TypeError, ValueError, AttributeError) as exc:
            out[model_id] = _invalid(plan, exc)
    return out


def rank(outcomes: Mapping[int, ScoreOutcome], *, higher_is_better: bool = True) -> dict[int, int]:
    """Dense ranking of complete entries by average (ties share a rank, the next rank follows
    on: 1, 1, 2); incomplete entries are unranked. Averages are compared at 6 decimals, as the
    database's rerank does, so float noise never splits a tie."""
    keyed = {m: round(o.average, 6) for m, o in outcomes.items()
             if o.complete and o.average is not None and _finite(o.average)}
    position = {v: i + 1 for i, v in enumerate(sorted(set(keyed.values()), reverse=higher_is_better))}
    return {m: position[v] for m, v in keyed.items()}


K = TypeVar("K", bound=Hashable)
# Wide enough for any finite float8 (about 310 digits before the point) plus six decimals.
_DB_ROUNDING = Context(prec=400, rounding=ROUND_HALF_UP)
_SIX_PLACES = Decimal("0.000001")


def db_rank_key(average: float) -> Decimal:
    """``round(average::numeric, 6)`` as PostgreSQL computes it: float8 -> numeric keeps 15
    significant digits, then rounds half away from zero. Ranking on this key gives exactly the
    ties the database's window function gives."""
    return Decimal(f"{average:.15g}").quantize(_SIX_PLACES, context=_DB_ROUNDING)


def dense_ranks(averages: Mapping[K, float]) -> dict[K, int] | None:
    """Dense rank, highest first (ties share a rank: 1, 1, 2), keyed as ``db_rank_key`` keys
    them; None when an average is not finite (left to the database, which orders NaN first)."""
    by_average = dense_rank_by_average(averages.values())
    if by_average is None:
        return None
    return {item: by_average[average] for item, average in averages.items()}


# Below this magnitude, float8 -> numeric's 15 significant digits move an average by at most
# 5e-10 and rounding to 6 decimals by 5e-7 more: two averages further apart than _APART
# cannot share a rank key, whatever their digits.
_FAST_BOUND = 1e6
_APART = 2e-6


def dense_rank_by_average(averages: Iterable[float]) -> dict[float, int] | None:
    """Each distinct average's dense rank, highest first, with the ties ``db_rank_key`` makes;
    None when an average is not finite. A board's rank depends on its average alone, so a
    caller with many rows looks each one up here (``dense_ranks`` does) instead of keying rows.

    The key is monotonic in the average, so walking the distinct averages from the highest, the
    rank moves on exactly where two neighbours' keys differ; neighbours clearly apart (nearly
    every pair on a real board) differ without computing either key (a Decimal each)."""
    distinct = set(averages)
    try:
        if not math.isfinite(sum(distinct, 0.0)) and not all(math.isfinite(a) for a in distinct):
            return None  # a NaN or an infinity (a sum of finite values may overflow: checked one by one)
    except TypeError:  # not a number
        return None
    ranks: dict[float, int] = {}
    rank = 0
    previous = 0.0
    previous_key: Decimal | None = None  # db_rank_key(previous) when it was computed
    for average in sorted(distinct, reverse=True):
        if rank == 0 or (previous - average > _APART and previous < _FAST_BOUND and average > -_FAST_BOUND):
            rank += 1
            previous_key = None
        else:
            key = db_rank_key(average)
            if previous_key is None:
                previous_key = db_rank_key(previous)
            if key != previous_key:
                rank += 1
            previous_key = key
        ranks[average] = rank
        previous = average
    return ranks


def member_metrics(member: MemberSpec) -> tuple[str, ...]:
    return (member.metric, *member.alt_metrics)
