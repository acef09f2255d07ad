"""Merge uplift: does a merged model beat what it was made from? (pure)"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Uplift:
    vs_best_parent: dict[str, float] = field(default_factory=dict)
    vs_mean_parents: dict[str, float] = field(default_factory=dict)
    vs_base: dict[str, float] | None = None
    beats_all_parents: bool = False
    notes: list[str] = field(default_factory=list)


def merge_uplift(child: dict[str, float], parents: dict[str, dict[str, float]], base: dict[str, float] | None = None,
                 average_key: str = "average") -> Uplift:
    """Per benchmark and on average: child minus the best parent, minus the parents' mean, minus the base.

    Parents lacking a benchmark are left out of that benchmark's comparison (noted).
    ``beats_all_parents`` needs a strictly higher average than every parent that has one.
    """
    result = Uplift(vs_base={} if base is not None else None)
    for key, value in child.items():
        scored = [p[key] for p in parents.values() if key in p]
        if len(scored) < len(parents):
            result.notes.append(f"{key}: {len(parents) - len(scored)} parent(s) have no value")
        if scored:
            result.vs_best_parent[key] = value - max(scored)
            result.vs_mean_parents[key] = value - sum(scored) / len(scored)
        if base is not None and key in base:
            result.vs_base[key] = value - base[key]
    averages = [p[average_key] for p in parents.values() if average_key in p]
    result.beats_all_parents = bool(averages) and average_key in child and all(child[average_key] > a
                                                                               for a in averages)
    return result
