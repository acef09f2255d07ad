"""Scoring jobs: compute leaderboard scores, verify stated averages, flag conflicts, measure merge uplift.

The arithmetic lives in the pure ``evals.scoring`` package; this module loads rows in bulk,
calls it, and writes the outcome back in bulk and idempotently (a rescore of an unchanged
catalog writes nothing).
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Iterator

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from catalog.models import EdgeKind, LineageEdge, LLMModel, MergeRecipe
from evals.models import (
    SOURCE_RANK,
    ClaimCheck,
    EvalRun,
    Leaderboard,
    MergeUplift,
    Result,
    ResultFlag,
    Score,
    ScoringJob,
    VerificationStatus,
)
from evals.scoring import specs
from evals.scoring.rules import ResultRow, score_many
from evals.scoring.uplift import merge_uplift
from evals.scoring.verify import find_conflicts, scale_suspicious, sub_aggregate_components, verify_stated_average

logger = logging.getLogger(__name__)

HINT_TO_BOARD = {"open_llm_v1": "open-llm-v1", "open_llm_v2": "open-llm-v2", "nous": "nous", "arena_elo": "arena-elo"}
CHUNK = 2000
UPLIFT_BOARD = "open-llm-v1"


@dataclass
class ScoringStats:
    models: int = 0
    written: int = 0
    unchanged: int = 0
    claim_checks: int = 0
    flags: int = 0
    uplifts: int = 0
    seconds: float = 0.0


def request_scoring(model_ids: Iterable[int] | None = None, *, trigger: str = ScoringJob.Trigger.MANUAL,
                    user=None, enqueue: bool = True) -> ScoringJob:
    """Record a scoring job (empty model_ids = whole catalog) and enqueue it after commit."""
    from evals.tasks import run_scoring_job_task

    job = ScoringJob.objects.create(
        trigger=trigger,
        model_ids=sorted(set(model_ids or [])),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if enqueue:
        transaction.on_commit(lambda: run_scoring_job_task.delay(job.pk))
    return job


def run_scoring_job(job_id: int) -> ScoringJob | None:
    job = ScoringJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    job.mark_running()
    try:
        stats = score_models(job.model_ids or None, job=job)
    except Exception as exc:  # noqa: BLE001 - the row records the failure; the worker lives on
        logger.exception("scoring job %s failed", job_id)
        job.mark_finished(failed=True, error=f"{type(exc).__name__}: {exc}"[:1000])
        return job
    job.scores_written, job.scores_unchanged = stats.written, stats.unchanged
    job.processed = job.total = stats.models
    job.succeeded = stats.written + stats.unchanged
    job.save(update_fields=["scores_written", "scores_unchanged", "processed", "total", "succeeded"])
    job.mark_finished()
    return job


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def score_models(model_ids: list[int] | None = None, *, job: ScoringJob | None = None) -> ScoringStats:
    """Score the given models (None = every model with results) on every leaderboard."""
    started = time.perf_counter()
    stats = ScoringStats()
    boards = {b.slug: b for b in Leaderboard.objects.all()}
    board_specs = [s for s in specs.LEADERBOARDS if s.slug in boards]
    if model_ids is None:
        ids = sorted(EvalRun.objects.values_list("model_id", flat=True).distinct())
    else:
        ids = sorted(set(model_ids))
    stats.models = len(ids)
    for chunk in _chunks(ids, CHUNK):
        with transaction.atomic():
            _score_chunk(chunk, boards, board_specs, stats)
        if job is not None:
            job.heartbeat(processed=min(stats.models, job.processed + len(chunk)))
    with transaction.atomic():
        for slug in boards:
            _rerank(boards[slug])
        stats.uplifts = _update_uplift(ids, boards.get(UPLIFT_BOARD))
    stats.seconds = time.perf_counter() - started
    return stats


def _load_rows(chunk: list[int]) -> tuple[dict[int, list[ResultRow]], dict[int, list[tuple]], dict[int, EvalRun]]:
    runs = {r.pk: r for r in EvalRun.objects.filter(model_id__in=chunk).only(
        "id", "model_id", "source", "third_party_claim", "leaderboard_hint", "stated_averages")}
    rows_by_model: dict[int, list[ResultRow]] = defaultdict(list)
    raw_by_model: dict[int, list[tuple]] = defaultdict(list)
    fields = ("run_id", "benchmark__key", "metric", "shots", "value", "normalized", "raw_value", "raw_scale",
              "benchmark_id")
    for run_id, key, metric, shots, value, normalized, raw_value, raw_scale, bench_id in (
        Result.objects.filter(run_id__in=runs.keys(), benchmark__isnull=False).values_list(*fields).iterator(5000)
    ):
        run = runs[run_id]
        rank = SOURCE_RANK.get(run.source, 5) + (2 if run.third_party_claim else 0)
        rows_by_model[run.model_id].append(
            ResultRow(run_id=run_id, benchmark=key, metric=metric, shots=shots, value=value, normalized=normalized,
                      source_rank=rank)
        )
        raw_by_model[run.model_id].append((run_id, key, metric, shots, value, raw_value, raw_scale, bench_id))
    return rows_by_model, raw_by_model, runs


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)


def _score_chunk(chunk: list[int], boards: dict[str, Leaderboard], board_specs: list, stats: ScoringStats) -> None:
    rows_by_model, raw_by_model, runs = _load_rows(chunk)
    checks = _check_claims(rows_by_model, runs)
    stats.claim_checks += len(checks)
    stats.flags += _write_flags(chunk, raw_by_model, runs)
    verification = _verification_by_model_board(checks, runs)
    existing = {(s.model_id, s.leaderboard_id): s for s in Score.objects.filter(model_id__in=chunk)}
    now = timezone.now()
    to_create: list[Score] = []
    to_update: list[Score] = []
    flag_counts = dict(ResultFlag.objects.filter(model_id__in=chunk).values("model_id").annotate(n=Count("pk"))
                       .values_list("model_id", "n"))
    seen: set[tuple[int, int]] = set()
    for spec in board_specs:
        board = boards[spec.slug]
        outcomes = score_many({m: rows_by_model.get(m, []) for m in chunk}, spec)
        for model_id, outcome in outcomes.items():
            if outcome.average is None and not outcome.components:
                continue  # nothing of this board's benchmarks: no row
            status, reported = verification.get((model_id, spec.slug), (VerificationStatus.NONE, None))
            values = {
                "average": outcome.average,
                "complete": outcome.complete,
                "completeness": round(outcome.completeness, 6),
                "components": {k: round(v, 6) for k, v in outcome.components.items()},
                "reported_average": reported,
                "verification": status,
                "flag_count": flag_counts.get(model_id, 0),
            }
            key = (model_id, board.pk)
            seen.add(key)
            score = existing.get(key)
            if score is None:
                to_create.append(Score(model_id=model_id, leaderboard=board, computed_at=now, **values))
                continue
            changed = False
            for name, value in values.items():
                current = getattr(score, name)
                same = _close(current, value) if isinstance(value, float) or isinstance(current, float) \
                    else current == value
                if not same:
                    setattr(score, name, value)
                    changed = True
            if changed:
                score.computed_at = now
                to_update.append(score)
            else:
                stats.unchanged += 1
    stale = [s.pk for key, s in existing.items() if key not in seen]
    if stale:
        Score.objects.filter(pk__in=stale).delete()
    Score.objects.bulk_create(to_create, batch_size=2000)
    Score.objects.bulk_update(
        to_update,
        ["average", "complete", "completeness", "components", "reported_average", "verification", "flag_count",
         "computed_at"],
        batch_size=2000,
    )
    stats.written += len(to_create) + len(to_update)
    _update_result_counts(chunk)


def _check_claims(rows_by_model: dict[int, list[ResultRow]], runs: dict[int, EvalRun]) -> list[ClaimCheck]:
    """Recompute every average a document states from the components in the same run."""
    by_run: dict[int, list[ResultRow]] = defaultdict(list)
    for rows in rows_by_model.values():
        for row in rows:
            by_run[row.run_id].append(row)
    spec_by_slug = {s.slug: s for s in specs.LEADERBOARDS}
    checks: list[ClaimCheck] = []
    for run in runs.values():
        for aggregate, stated in (run.stated_averages or {}).items():
            board = spec_by_slug.get(HINT_TO_BOARD.get(run.leaderboard_hint, ""))
            components = _components_for(aggregate, by_run.get(run.pk, []), board)
            outcome = verify_stated_average(float(stated), components)
            checks.append(ClaimCheck(
                run=run, aggregate=aggregate, stated=float(stated), recomputed=outcome.recomputed,
                delta=outcome.delta, tolerance=outcome.tolerance, status=outcome.status,
                n_components=len(components),
            ))
    ClaimCheck.objects.filter(run_id__in=runs.keys()).delete()
    ClaimCheck.objects.bulk_create(checks, batch_size=2000)
    return checks


def _components_for(aggregate: str, rows: list[ResultRow], board) -> list[float]:
    if aggregate or (board is not None and board.slug == "nous"):
        return list(sub_aggregate_components(rows, aggregate))
    if board is None:
        return []
    outcome = score_many({0: rows}, board)[0]
    if not outcome.complete:
        return []
    return list(outcome.components.values())


def _verification_by_model_board(checks: list[ClaimCheck], runs: dict[int, EvalRun]) -> dict:
    """Worst status wins: one mismatching claim flags the model's entry on that board.

    Only the model's own documents count (not claims other cards make about it); on the Nous
    board the sub-averages (GPT4All, AGIEval, BigBench) count too.
    """
    order = {VerificationStatus.NONE: 0, VerificationStatus.INSUFFICIENT: 1, VerificationStatus.VERIFIED: 2,
             VerificationStatus.MISMATCH: 3}
    out: dict[tuple[int, str], tuple[str, float | None]] = {}
    for check in checks:
        run = runs[check.run_id]
        slug = HINT_TO_BOARD.get(run.leaderboard_hint)
        if run.third_party_claim or slug is None or (check.aggregate and slug != "nous"):
            continue
        status, reported = out.get((run.model_id, slug), (VerificationStatus.NONE, None))
        if order[check.status] > order[status]:
            status = check.status
        if not check.aggregate and reported is None:
            reported = check.stated
        out[(run.model_id, slug)] = (status, reported)
    return out


def _write_flags(chunk: list[int], raw_by_model: dict[int, list[tuple]], runs: dict[int, EvalRun]) -> int:
    flags: list[ResultFlag] = []
    for model_id, rows in raw_by_model.items():
        conflicts = find_conflicts(
            [{"run_id": r[0], "benchmark": r[1], "metric": r[2], "shots": r[3], "value": r[4],
              "third_party": runs[r[0]].third_party_claim} for r in rows if not runs[r[0]].third_party_claim]
        )
        bench_ids = {r[1]: r[7] for r in rows}
        for conflict in conflicts:
            flags.append(ResultFlag(
                model_id=model_id, kind=ResultFlag.Kind.CONFLICT, benchmark_id=bench_ids.get(conflict.benchmark),
                metric=conflict.metric, message=conflict.message[:500],
                details={"values": list(conflict.values), "runs": list(conflict.run_ids)},
            ))
        for run_id, key, metric, shots, value, raw_value, raw_scale, bench_id in rows:
            problem = scale_suspicious(value, raw_value, raw_scale, metric)
            if problem:
                flags.append(ResultFlag(model_id=model_id, kind=ResultFlag.Kind.SCALE, benchmark_id=bench_id,
                                        metric=metric, message=problem[:500], details={"run": run_id}))
    ResultFlag.objects.filter(model_id__in=chunk).delete()
    ResultFlag.objects.bulk_create(flags, batch_size=2000)
    return len(flags)


def _update_result_counts(chunk: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE catalog_llmmodel m SET result_count = coalesce(c.n, 0)
            FROM (SELECT id FROM catalog_llmmodel WHERE id = ANY(%s)) ids
            LEFT JOIN (SELECT r.model_id, count(*) AS n FROM evals_result x
                       JOIN evals_evalrun r ON r.id = x.run_id WHERE r.model_id = ANY(%s) GROUP BY r.model_id) c
              ON c.model_id = ids.id
            WHERE m.id = ids.id AND m.result_count IS DISTINCT FROM coalesce(c.n, 0)
            """,
            [chunk, chunk],
        )


def _rerank(board: Leaderboard) -> None:
    """Dense rank by average, in one statement; only rows whose rank changes are written."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE evals_score s SET rank = r.new_rank
            FROM (SELECT id, CASE WHEN average IS NULL OR NOT complete THEN NULL
                                  ELSE DENSE_RANK() OVER (PARTITION BY (average IS NULL OR NOT complete)
                                                          ORDER BY round(average::numeric, 6) DESC) END AS new_rank
                  FROM evals_score WHERE leaderboard_id = %s) r
            WHERE s.id = r.id AND s.rank IS DISTINCT FROM r.new_rank
            """,
            [board.pk],
        )


def _update_uplift(model_ids: list[int], board: Leaderboard | None) -> int:
    """Uplift of merged models touched by this job (and merged children of touched parents)."""
    if board is None:
        return 0
    merge_kinds = [EdgeKind.MERGE, EdgeKind.MOE_EXPERT]
    children = set(LineageEdge.objects.filter(kind__in=merge_kinds, child_id__in=model_ids)
                   .values_list("child_id", flat=True))
    children |= set(LineageEdge.objects.filter(kind__in=merge_kinds, parent_id__in=model_ids)
                    .values_list("child_id", flat=True))
    if not children:
        return 0
    edges = list(LineageEdge.objects.filter(kind__in=merge_kinds, child_id__in=children)
                 .values_list("child_id", "parent_id", "params"))
    recipes = {m: (method, base) for m, method, base in MergeRecipe.objects.filter(model_id__in=children, step=0)
               .values_list("model_id", "method", "base_model_id")}
    involved = children | {p for _c, p, _ in edges} | {b for _m, b in recipes.values() if b}
    scores = {m: (avg, comps) for m, avg, comps in Score.objects.filter(leaderboard=board, model_id__in=involved)
              .values_list("model_id", "average", "components")}
    names = dict(LLMModel.objects.filter(pk__in=involved).values_list("pk", "repo_id"))

    def table(model_id: int) -> dict[str, float] | None:
        if model_id not in scores:
            return None
        average, components = scores[model_id]
        out = {k: float(v) for k, v in (components or {}).items()}
        if average is not None:
            out["average"] = float(average)
        return out

    parents_of: dict[int, list[int]] = defaultdict(list)
    for child, parent, params in edges:
        if (params or {}).get("role") != "base":
            parents_of[child].append(parent)
    now = timezone.now()
    rows: list[MergeUplift] = []
    for child in children:
        child_table = table(child)
        method, base_id = recipes.get(child, ("", None))
        parent_tables = {names[p]: t for p in parents_of.get(child, []) if (t := table(p))}
        if not child_table or "average" not in child_table or not parent_tables:
            continue
        base_table = table(base_id) if base_id else None
        result = merge_uplift(child_table, parent_tables, base_table)
        rows.append(MergeUplift(
            model_id=child, leaderboard=board, method=method or "", computed_at=now,
            vs_best_parent=result.vs_best_parent.get("average"),
            vs_mean_parents=result.vs_mean_parents.get("average"),
            vs_base=result.vs_base.get("average") if result.vs_base else None,
            beats_all_parents=result.beats_all_parents,
            per_benchmark={"vs_best_parent": result.vs_best_parent, "vs_mean_parents": result.vs_mean_parents,
                           "vs_base": result.vs_base or {}},
            parents={name: t.get("average") for name, t in parent_tables.items()},
        ))
    MergeUplift.objects.filter(model_id__in=children).delete()
    MergeUplift.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
