"""Checking what documents claim: stated averages, disagreeing sources, suspicious scales."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from evals.scoring.rules import ResultRow, _subset_mean, nous_components, pick
from evals.scoring.specs import BY_SLUG

COMPONENT_ROUNDING = 0.005  # components printed with two decimals carry up to half a unit of error
CONFLICT_TOLERANCE = 0.005


@dataclass(frozen=True)
class Verification:
    status: str  # verified | mismatch | insufficient
    stated: float
    recomputed: float | None
    delta: float | None
    tolerance: float


def printed_decimals(value: float) -> int:
    text = repr(float(value))
    return len(text.split(".")[1].rstrip("0")) if "." in text and "e" not in text else 0


def verify_stated_average(stated: float, components: list[float], *, decimals: int | None = None) -> Verification:
    """A stated average is verified when the mean of its components rounds to it.

    Tolerance: half a unit of the stated value's last printed digit (73.59 -> 0.005) plus the
    rounding the components themselves carry (0.005), never below 0.01.
    """
    decimals = printed_decimals(stated) if decimals is None else decimals
    tolerance = max(0.01, 0.5 * 10 ** -max(decimals, 0) + COMPONENT_ROUNDING)
    if not components:
        return Verification("insufficient", stated, None, None, tolerance)
    recomputed = sum(components) / len(components)
    delta = recomputed - stated
    status = "verified" if abs(delta) <= tolerance + 1e-9 else "mismatch"
    return Verification(status, stated, recomputed, delta, tolerance)


def sub_aggregate_components(rows: list[ResultRow], aggregate: str) -> list[float]:
    """Components of a Nous-suite average: "gpt4all", "agieval", "bigbench" (subtasks) or "" (the four)."""
    spec = BY_SLUG["nous"]
    if aggregate in ("gpt4all", "agieval"):
        _mean, _run, values = _subset_mean(rows, spec.subsets[aggregate], ("acc_norm", "acc"))
        return values if len(values) == len(spec.subsets[aggregate]) else []
    if aggregate == "bigbench":
        _mean, _run, values = _subset_mean(rows, spec.subsets["bigbench"], ("multiple_choice_grade",))
        return values if len(values) == len(spec.subsets["bigbench"]) else []
    if aggregate == "":
        # The card's own printed sub-averages are the components of its printed overall average.
        stated = {k: pick(rows, k, ("average",), None)[0] for k in ("gpt4all", "agieval", "bigbench")}
        truthful = pick(rows, "truthfulqa", ("mc2",), 0)[0]
        if all(stated.values()) and truthful:
            return [stated["agieval"].value, stated["gpt4all"].value, truthful.value, stated["bigbench"].value]
        components, _runs, _notes = nous_components(rows, spec)
        return list(components.values()) if len(components) == 4 else []
    return []


@dataclass(frozen=True)
class Conflict:
    benchmark: str
    metric: str
    shots: int | None
    values: tuple[float, ...]
    run_ids: tuple[int, ...]
    message: str


def find_conflicts(rows: Iterable[dict]) -> list[Conflict]:
    """The same benchmark, metric and shots with different values in different runs."""
    groups: dict[tuple, dict[int, float]] = {}
    for row in rows:
        if not row.get("benchmark"):
            continue
        key = (row["benchmark"], row["metric"], row["shots"])
        groups.setdefault(key, {}).setdefault(row["run_id"], row["value"])
    conflicts = []
    for (benchmark, metric, shots), by_run in sorted(groups.items(), key=lambda item: str(item[0])):
        values = sorted(set(round(v, 4) for v in by_run.values()))
        if len(by_run) > 1 and values[-1] - values[0] > CONFLICT_TOLERANCE:
            shown = " vs ".join(f"{v:g}" for v in values)
            conflicts.append(Conflict(benchmark, metric, shots, tuple(values), tuple(sorted(by_run)),
                                      f"{benchmark} {metric}: sources disagree ({shown})"))
    return conflicts


_FRACTION_IMPLAUSIBLE = {"acc", "acc_norm", "mc1", "mc2", "multiple_choice_grade"}


def scale_suspicious(value: float, raw_value: float, raw_scale: float | None, metric: str) -> str | None:
    """Flag values whose scale looks wrong: outside 0-100, or a 0-1 fraction written as a percentage
    for a metric where under 1% is below any random baseline."""
    if raw_scale is None or metric == "elo":
        return None
    if value < 0 or value > 100.0001:
        return f"{metric} value {value:g} is outside 0-100"
    if raw_scale == 100.0 and 0 < raw_value < 1 and metric in _FRACTION_IMPLAUSIBLE:
        return f"{metric} value {raw_value:g} looks like a 0-1 fraction written where percentages were expected"
    return None
