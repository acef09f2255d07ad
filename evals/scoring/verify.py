"""Checking what documents claim: stated averages, disagreeing sources, suspicious scales (pure).

Tolerance of a stated average
-----------------------------
A document prints an average ``S`` with ``d`` decimals and its ``n`` components ``c_i`` with
``d_i`` decimals each. If the author averaged the exact values ``x_i`` and rounded:

* ``|S - mean(x)| <= 0.5 * 10**-d`` (rounding of the printed average), and
* ``|mean(c) - mean(x)| <= sum(0.5 * 10**-d_i) / n`` (each printed component is off by at most
  half a unit of its own last digit; averaging divides the sum of those errors by n).

So ``|S - mean(c)| <= 0.5 * 10**-d + sum(0.5 * 10**-d_i) / n``. We widen the first term to at
least 0.01 (one unit at two decimals) because publishers also average already-rounded figures
and round again, or truncate instead of rounding; a wrong claim is off by far more. Seed 004's
v2 average is the case in point: 22.24 printed, 22.2333 from the printed six (0.0067 off, within
0.01 + 0.005 = 0.015).

A float does not remember its trailing zeros, so decimals are inferred as the fewest (<= 6) that
represent the value; for components the largest count among them is used for all of them
(tables print one format: ``46.4`` next to ``45.29`` was ``46.40``). Callers that know the
printed text pass ``printed_decimals`` / ``component_decimals``.

The entry points that promise never to raise on a bad number take their numbers as ``Any``: the
mypyc-compiled build (``evals/scoring/native.py``) checks an argument annotated ``float`` at the
call (TypeError on None or a string), where plain Python lets ``_finite`` turn it away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import Any, Callable, Iterable, Mapping, Sequence

from evals.scoring.rules import ResultRow, _bucket, _finite, _Member, _pick_member, _plan, _Plan, _subset
from evals.scoring.specs import BY_SLUG

MIN_TOLERANCE = 0.01
CONFLICT_TOLERANCE = 0.005  # values closer than this are the same figure printed differently
MAX_DECIMALS = 6
_EPSILON = 1e-9  # float noise in the comparison itself


@dataclass(frozen=True)
class Verification:
    status: str  # verified | mismatch | insufficient
    stated: float
    recomputed: float | None
    delta: float | None  # recomputed - stated
    tolerance: float


@lru_cache(maxsize=1 << 16)  # a catalog repeats its printed figures (two decimals in 0-100) endlessly
def decimals_of(value: Any) -> int:  # Any: see the module docstring
    """Fewest decimals (<= 6) that represent ``value``: 73.59 -> 2, 46.4 -> 1, 0.0 -> 0,
    64.25000000000001 (0.6425 x 100) -> 2."""
    if not _finite(value):
        return 0
    scale = max(1.0, abs(value))
    for d in range(MAX_DECIMALS + 1):
        if abs(value - round(value, d)) <= 1e-9 * scale:
            return d
    return MAX_DECIMALS


@lru_cache(maxsize=256)
def _shared_slack(decimals: int, n: int) -> float:
    """The slack of n components printed with the same decimals: summed term by term exactly as
    the general case sums them (a product would differ in the last bit), once per (decimals, n)."""
    return sum(repeat(0.5 * 10.0 ** -max(0, min(decimals, MAX_DECIMALS)), n)) / n


def _component_slack(components: Sequence[float], component_decimals: int | Sequence[int] | None) -> float:
    n = len(components)
    if component_decimals is None:  # the scoring job's case, 115,000 times: one shared count
        return _shared_slack(max(map(decimals_of, components)), n)
    if isinstance(component_decimals, int):
        per = [component_decimals] * n
    else:
        per = list(component_decimals)[:n]
        per += [max(per, default=0)] * (n - len(per))
    return sum(0.5 * 10.0 ** -max(0, min(d, MAX_DECIMALS)) for d in per) / n


def verify_stated_average(stated: Any, components: Iterable[Any] | None, *, printed_decimals: int | None = None,
                          component_decimals: int | Sequence[int] | None = None) -> Verification:
    """Recompute the mean of ``components`` and compare it with the ``stated`` average.

    ``verified`` when within tolerance (see the module docstring), ``mismatch`` otherwise,
    ``insufficient`` without components (or with a non-numeric one). Never raises on bad numbers.
    """
    ok_stated = _finite(stated)
    d = printed_decimals if printed_decimals is not None else (decimals_of(stated) if ok_stated else 2)
    head = max(MIN_TOLERANCE, 0.5 * 10.0 ** -max(0, min(d, MAX_DECIMALS)))
    values = list(components or [])
    try:
        finite = all(map(math.isfinite, values))
    except TypeError:  # a non-numeric component: what _finite says of it
        finite = False
    if not ok_stated or not values or not finite:
        return Verification("insufficient", float(stated) if ok_stated else math.nan, None, None, head)
    tolerance = head + _component_slack(values, component_decimals)
    recomputed = math.fsum(values) / len(values)
    delta = recomputed - stated
    status = "verified" if abs(delta) <= tolerance + _EPSILON else "mismatch"
    return Verification(status, float(stated), recomputed, delta, tolerance)


_SubsetResult = tuple[float | None, int | None, list[float], list[str]]  # what rules._subset returns


def sub_aggregate_components(rows: Iterable[ResultRow], aggregate_key: str) -> list[float]:
    """The components behind a Nous-suite average a run states.

    ``"gpt4all"``, ``"agieval"``, ``"bigbench"``: the task values (acc_norm where present else
    acc; multiple_choice_grade for BigBench) from the one run that has every task, in the suite's
    task order; ``[]`` when no run has them all. ``""`` (the suite average): the four
    sub-averages, taking the document's printed GPT4All/AGIEval/BigBench figures when it prints
    them (those are what its overall was computed from), else the mean of their tasks, plus
    TruthfulQA mc2; ``[]`` unless all four are there. Any other key: ``[]``.
    """
    return sub_aggregates_components(rows, (aggregate_key,))[aggregate_key]


def sub_aggregates_components(rows: Iterable[ResultRow], aggregate_keys: Iterable[str]) -> dict[str, list[float]]:
    """``sub_aggregate_components`` for several keys of the same rows: the rows are grouped once
    and each aggregate's task mean is computed once (a Nous run states four averages, and the
    suite average needs the three task means the sub-averages need)."""
    keys = list(aggregate_keys)
    spec = BY_SLUG["nous"]
    plan = _plan(spec)
    try:
        buckets = _bucket(rows, plan.relevant)
    except (TypeError, ValueError, AttributeError):
        return dict.fromkeys(keys, [])
    members = {m.benchmark: m for m in plan.members}
    subsets: dict[str, _SubsetResult] = {}

    def subset(member: _Member) -> _SubsetResult:
        found = subsets.get(member.benchmark)
        if found is None:
            found = subsets[member.benchmark] = _subset(member, buckets)
        return found

    out: dict[str, list[float]] = {}
    for key in keys:
        try:
            out[key] = _suite_components(key, spec.subsets, plan, members, buckets, subset)
        except (TypeError, ValueError, AttributeError):
            out[key] = []
    return out


def _suite_components(aggregate_key: str, subsets: Mapping[str, Sequence[str]], plan: _Plan,
                      members: dict[str, _Member], buckets: dict[str, list[ResultRow]],
                      subset: Callable[[_Member], _SubsetResult]) -> list[float]:
    if aggregate_key in subsets:
        mean, _run, values, _notes = subset(members[aggregate_key])
        return list(values) if mean is not None else []
    if aggregate_key != "":
        return []
    found: dict[str, float] = {}
    preferred: set[int] = set()
    for member in plan.members:  # aggregates come first, so TruthfulQA prefers their run
        row, _ = _pick_member(member, buckets.get(member.benchmark, []), preferred)
        if row is not None:
            found[member.benchmark] = row.value
            preferred.add(row.run_id)
        elif member.tasks:
            mean, run_id, _values, _notes = subset(member)
            if mean is not None and run_id is not None:
                found[member.benchmark] = mean
                preferred.add(run_id)
    return [found[k] for k in plan.order] if len(found) == len(plan.order) else []


@dataclass(frozen=True)
class Conflict:
    benchmark: str
    metric: str
    shots: int | None
    values: tuple[float, ...]  # distinct values, ascending
    run_ids: tuple[int, ...]
    message: str
    model_id: int | None = None
    sources: tuple[str, ...] = ()


def _get(row: Any, name: str, default: Any = None) -> Any:
    if isinstance(row, dict):
        return row.get(name, default)
    return getattr(row, name, default)


def find_conflicts(rows_with_sources: Iterable[Any]) -> list[Conflict]:
    """The same model, benchmark, metric and shots with values more than 0.005 apart in
    different runs (sources). Rows are dicts or objects with ``run_id``, ``benchmark``,
    ``metric``, ``shots``, ``value`` and optionally ``model_id`` and ``source`` (a label).
    Within one run a repeated key is not a disagreement between sources: its first value counts.
    Rows without a benchmark or with a non-numeric value are ignored."""
    groups: dict[tuple, dict[Any, tuple[float, str]]] = {}
    for row in rows_with_sources or ():
        benchmark, value = _get(row, "benchmark"), _get(row, "value")
        if not benchmark or not _finite(value):
            continue
        key = (_get(row, "model_id"), benchmark, _get(row, "metric", ""), _get(row, "shots"))
        try:
            source = str(_get(row, "source", "") or "")
            groups.setdefault(key, {}).setdefault(_get(row, "run_id"), (float(value), source))
        except TypeError:  # unhashable ids: not a row we can reason about
            continue
    return _conflicts(groups)


def find_row_conflicts(rows: Iterable[ResultRow]) -> list[Conflict]:
    """``find_conflicts`` for one model's ``ResultRow``s (no model id, no source labels), the
    same answer without the generic per-field lookups: a scoring job runs this over millions
    of rows."""
    groups: dict[tuple, dict[Any, tuple[float, str]]] = {}
    for run_id, benchmark, metric, shots, value, _normalized, _rank in rows:
        if not benchmark or not _finite(value):
            continue
        by_run = groups.get((None, benchmark, metric, shots))
        if by_run is None:
            groups[(None, benchmark, metric, shots)] = {run_id: (float(value), "")}
        elif run_id not in by_run:  # within one run the first value counts
            by_run[run_id] = (float(value), "")
    return _conflicts(groups)


def _conflicts(groups: dict[tuple, dict[Any, tuple[float, str]]]) -> list[Conflict]:
    conflicts: list[Conflict] = []
    for (model_id, benchmark, metric, shots), by_run in groups.items():
        if len(by_run) < 2:
            continue
        values = [v for v, _ in by_run.values()]
        if max(values) - min(values) <= CONFLICT_TOLERANCE + _EPSILON:
            continue
        distinct = tuple(sorted({round(v, 4) for v in values}))
        runs = tuple(sorted(by_run, key=str))
        sources = tuple(sorted({s for _, s in by_run.values() if s}))
        shown = " vs ".join(f"{v:g}" for v in distinct)
        shot_text = "" if shots is None else f" {shots}-shot"
        conflicts.append(Conflict(benchmark, metric, shots, distinct, runs,
                                  f"{benchmark} {metric}{shot_text}: sources disagree ({shown})", model_id, sources))
    conflicts.sort(key=lambda c: (str(c.model_id), c.benchmark, str(c.metric), str(c.shots)))
    return conflicts


# Metrics whose random-guess score is well above 1%: a value in (0, 1] on a 0-100 scale is
# below chance, so it is almost surely a 0-1 fraction that was not converted.
_CHANCE_ABOVE_ONE_PERCENT = frozenset({"acc", "acc_norm", "mc1", "mc2", "multiple_choice_grade"})


def scale_suspicious(value: Any, raw_value: Any, raw_scale: float | None, metric: str, *,
                     siblings: Sequence[Any] | None = None, normalized: bool = False) -> str | None:
    """A reason to doubt a result's scale, or None.

    * outside 0-100 on a 0-100 metric (Elo, ``raw_scale=None``, is unbounded: never flagged);
    * a value in (0, 1] on the 0-100 scale while sibling values (the same run's) are above 1; or,
      without siblings, for a chance-above-1% metric (acc, acc_norm, mc1, mc2,
      multiple_choice_grade) unless the value is v2-normalized (normalized values near 0 are
      real). Zero is never flagged: MATH Lvl 5 at 0.00 is a real score.
    """
    if raw_scale is None or metric == "elo":
        return None
    if not _finite(value):
        return f"{metric} value is not a finite number"
    if value < 0 or value > 100.0 + 1e-6:
        return f"{metric} value {value:g} is outside 0-100"
    if not 0 < value <= 1.0:
        return None
    shown = f"{metric} value {value:g}"
    if siblings is not None:
        if any(_finite(s) and s > 1.0 for s in siblings):
            return f"{shown} looks like a 0-1 fraction among 0-100 values"
        return None
    if not normalized and metric in _CHANCE_ABOVE_ONE_PERCENT:
        raw = raw_value if _finite(raw_value) else value
        return f"{shown} (written {raw:g}) is below chance on a 0-100 scale: probably an unconverted 0-1 fraction"
    return None
