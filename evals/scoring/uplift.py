"""Merge uplift: does a merged model beat what it was made from? (pure)

For every benchmark the child has (the board average included, under ``average_key``):
child minus the best parent, child minus the parents' mean, child minus the base model. A
parent without a value for a benchmark is left out of that benchmark's comparison (noted), so a
half-scored parent neither helps nor hurts. ``beats_all_parents`` asks for a strictly higher
average than every parent that has an average (a tie is not a win).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping


@dataclass
class Uplift:
    vs_best_parent: dict[str, float] = field(default_factory=dict)
    vs_mean_parents: dict[str, float] = field(default_factory=dict)
    vs_base: dict[str, float] | None = None  # None: no scored base model
    beats_all_parents: bool = False
    best_parent: dict[str, str] = field(default_factory=dict)  # benchmark -> the parent it was compared with
    parents_scored: int = 0  # parents with an average
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MethodStats:
    count: int  # uplifts of this method
    scored: int  # of which with an average uplift vs the best parent
    mean_vs_best_parent: float | None
    mean_vs_mean_parents: float | None
    share_beats_all_parents: float  # over ``count``, 0-1


def _finite(value: object) -> bool:
    try:
        return math.isfinite(value)  # type: ignore[arg-type]
    except TypeError:
        return False


def _clean(table: Mapping[str, float] | None) -> dict[str, float]:
    if not isinstance(table, Mapping):
        return {}
    return {str(k): float(v) for k, v in table.items() if _finite(v)}


def merge_uplift(child: Mapping[str, float], parents: Mapping[str, Mapping[str, float]],
                 base: str | Mapping[str, float] | None = None, average_key: str = "average") -> Uplift:
    """Uplift of ``child`` over ``parents`` (name -> benchmark -> score) and over ``base``.

    ``base`` is the base model's name in ``parents`` (it then stays a parent: in a SLERP or
    task-arithmetic merge the base is one of the merged models) or its own score table.
    Non-numeric scores are ignored.
    """
    result = Uplift()
    child_scores = _clean(child)
    tables = {str(name): _clean(t) for name, t in (parents or {}).items()} if isinstance(parents, Mapping) else {}
    if isinstance(base, str):
        if base in tables:
            base_table: dict[str, float] | None = tables[base]
        else:
            base_table = None
            result.notes.append(f"base {base}: no scores")
    else:
        base_table = _clean(base) if base is not None else None
    if base_table is not None:
        result.vs_base = {}
    if not tables:
        result.notes.append("no scored parents")
    for key, value in child_scores.items():
        scored = {name: t[key] for name, t in tables.items() if key in t}
        skipped = sorted(set(tables) - set(scored))
        if skipped:
            result.notes.append(f"{key}: skipped parent(s) without a value: {', '.join(skipped)}")
        if scored:
            best = max(scored, key=lambda name: (scored[name], name))
            result.best_parent[key] = best
            result.vs_best_parent[key] = value - scored[best]
            result.vs_mean_parents[key] = value - math.fsum(scored.values()) / len(scored)
        if result.vs_base is not None and base_table is not None and key in base_table:
            result.vs_base[key] = value - base_table[key]
    averages = [t[average_key] for t in tables.values() if average_key in t]
    result.parents_scored = len(averages)
    if average_key not in child_scores:
        result.notes.append(f"child has no {average_key}")
    result.beats_all_parents = bool(averages) and average_key in child_scores and all(
        child_scores[average_key] > a for a in averages)
    return result


def aggregate_by_method(uplifts: Iterable[tuple[str, Uplift]], average_key: str = "average"
                        ) -> dict[str, MethodStats]:
    """Per merge method (lower-cased; blank -> "unknown"): how many merges, their mean average
    uplift over the best parent and over the parents' mean, and the share that beat every
    parent. Most frequent methods first, then by name."""
    groups: dict[str, list[Uplift]] = {}
    for method, uplift in uplifts or ():
        name = (method or "").strip().lower() or "unknown"
        groups.setdefault(name, []).append(uplift)
    stats: dict[str, MethodStats] = {}
    for name in sorted(groups, key=lambda m: (-len(groups[m]), m)):
        items = groups[name]
        best = [u.vs_best_parent[average_key] for u in items if average_key in u.vs_best_parent]
        mean = [u.vs_mean_parents[average_key] for u in items if average_key in u.vs_mean_parents]
        stats[name] = MethodStats(
            count=len(items), scored=len(best),
            mean_vs_best_parent=math.fsum(best) / len(best) if best else None,
            mean_vs_mean_parents=math.fsum(mean) / len(mean) if mean else None,
            share_beats_all_parents=sum(1 for u in items if u.beats_all_parents) / len(items),
        )
    return stats
