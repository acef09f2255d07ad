"""Throughput of ``score_many`` on one core: ``python -m evals.scoring.bench [models]``.

Builds a deterministic synthetic catalog shaped like the real one (every model has a v1 run;
some have a second, less trusted v1 source, a v2 run (raw or normalized), a Nous harness run
with all 33 tasks plus TruthfulQA, or an Arena rating) and scores every model on every board.
One "score" is one model on one board. Pure: no Django.
"""

from __future__ import annotations

import random
import sys
import time

from evals.scoring.rules import ResultRow, score_many
from evals.scoring.specs import AGIEVAL_TASKS, BIGBENCH_TASKS, GPT4ALL_TASKS, LEADERBOARDS

V1 = (("arc", "acc_norm", 25), ("hellaswag", "acc_norm", 10), ("mmlu", "acc", 5), ("truthfulqa", "mc2", 0),
      ("winogrande", "acc", 5), ("gsm8k", "acc", 5))
V2 = (("ifeval", "strict_acc", 0), ("bbh", "acc_norm", 3), ("math_lvl5", "exact_match", 4),
      ("gpqa", "acc_norm", 0), ("musr", "acc_norm", 0), ("mmlu_pro", "acc", 5))


def synthetic_rows(n_models: int, seed: int = 7) -> dict[int, list[ResultRow]]:
    rng = random.Random(seed)
    run = 0
    out: dict[int, list[ResultRow]] = {}
    for model in range(1, n_models + 1):
        rows: list[ResultRow] = []
        run += 1
        rows += [ResultRow(run, k, m, s, rng.uniform(20, 90), False, 1) for k, m, s in V1]
        if rng.random() < 0.2:  # a card table repeating (and sometimes contradicting) the front matter
            run += 1
            rows += [ResultRow(run, k, m, None, rng.uniform(20, 90), False, 2) for k, m, _ in V1]
        if rng.random() < 0.5:
            run += 1
            normalized = rng.random() < 0.5
            rows += [ResultRow(run, k, m, s, rng.uniform(0, 60), normalized, 1) for k, m, s in V2]
        if rng.random() < 0.3:
            run += 1
            for task in (*GPT4ALL_TASKS, *AGIEVAL_TASKS):
                rows.append(ResultRow(run, task, "acc", 0, rng.uniform(20, 90), False, 0))
                if task not in ("boolq", "winogrande"):
                    rows.append(ResultRow(run, task, "acc_norm", 0, rng.uniform(20, 90), False, 0))
            rows += [ResultRow(run, t, "multiple_choice_grade", 0, rng.uniform(15, 75), False, 0)
                     for t in BIGBENCH_TASKS]
            rows += [ResultRow(run, "truthfulqa", "mc1", 0, rng.uniform(20, 50), False, 0),
                     ResultRow(run, "truthfulqa", "mc2", 0, rng.uniform(35, 70), False, 0)]
        if rng.random() < 0.05:
            run += 1
            rows.append(ResultRow(run, "arena_elo", "elo", None, rng.uniform(900, 1300), False, 3))
        out[model] = rows
    return out


def measure(n_models: int = 20_000, repeats: int = 3) -> dict[str, float]:
    """Best-of-``repeats`` scores per second, per board and overall."""
    data = synthetic_rows(n_models)
    figures: dict[str, float] = {}
    total_best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for spec in LEADERBOARDS:
            t0 = time.perf_counter()
            score_many(data, spec)
            elapsed = time.perf_counter() - t0
            figures[spec.slug] = max(figures.get(spec.slug, 0.0), n_models / elapsed)
        total_best = min(total_best, time.perf_counter() - started)
    figures["all boards"] = n_models * len(LEADERBOARDS) / total_best
    return figures


def outcomes_digest(n_models: int) -> list[str]:
    """Every field of every outcome of the synthetic catalog on every board, plus the stated-average
    check of each complete outcome, as exact text (floats by repr, which round-trips): what the
    compiled and the plain-Python scoring core must agree on (evals/tests/scoring/test_native.py)."""
    from dataclasses import fields

    from evals.scoring.rules import ScoreOutcome
    from evals.scoring.verify import verify_stated_average

    names = [f.name for f in fields(ScoreOutcome)]
    lines = [" ".join(names)]
    data = synthetic_rows(n_models)
    for spec in LEADERBOARDS:
        for model, outcome in score_many(data, spec).items():
            lines.append(f"{spec.slug} {model} " + repr([getattr(outcome, name) for name in names]))
            if outcome.average is not None:
                check = verify_stated_average(round(outcome.average, 2), list(outcome.components.values()))
                lines.append(repr((check.status, check.stated, check.recomputed, check.delta, check.tolerance)))
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    n_models = int(args[0]) if args else 20_000
    rows = sum(len(r) for r in synthetic_rows(n_models).values())
    print(f"{n_models} models, {rows} result rows, {len(LEADERBOARDS)} boards")
    for name, rate in measure(n_models).items():
        print(f"  {name:<12} {rate:>12,.0f} scores/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
