"""Read queries for evals, shaped for pages and the API. Each returns a constant number of queries."""

from __future__ import annotations

import functools

from django.contrib.postgres.fields import ArrayField
from django.db.models import FloatField, Func, OuterRef, Prefetch, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from catalog.models import EdgeKind, LLMModel
from config.jsonrows import instances, json_rows, set_prefetched
from evals.models import ClaimCheck, EvalRun, Leaderboard, LeaderboardMember, MergeUplift, Result, ResultFlag, Score


def leaderboards() -> QuerySet[Leaderboard]:
    return Leaderboard.objects.filter(is_active=True).prefetch_related(
        Prefetch("members", queryset=LeaderboardMember.objects.select_related("benchmark").order_by("position"))
    )


def leaderboard_scores(board: Leaderboard) -> QuerySet[Score]:
    """Rows of one board with the model columns a table needs, in one query."""
    return Score.objects.filter(leaderboard=board).select_related("model", "model__organization").only(
        "id", "average", "rank", "complete", "completeness", "components", "reported_average", "verification",
        "flag_count", "computed_at", "model_id", "leaderboard_id",
        "model__repo_id", "model__name", "model__family", "model__architecture", "model__is_moe",
        "model__total_params_b", "model__active_params_b", "model__license", "model__release_date",
        "model__context_length", "model__organization__slug",
    )


def model_scores(model: LLMModel) -> list[Score]:
    return list(Score.objects.filter(model=model).select_related("leaderboard").order_by("leaderboard__position"))


def model_flags(model: LLMModel) -> list[ResultFlag]:
    return list(ResultFlag.objects.filter(model=model).select_related("benchmark"))


def compare_scores(models: list[LLMModel]) -> dict[int, dict[str, Score]]:
    """{model_id: {leaderboard_slug: Score}} for a compare page, in one query."""
    out: dict[int, dict[str, Score]] = {m.pk: {} for m in models}
    for score in Score.objects.filter(model__in=models).select_related("leaderboard"):
        out[score.model_id][score.leaderboard.slug] = score
    return out


def merges_beating_parents() -> QuerySet[MergeUplift]:
    return MergeUplift.objects.filter(beats_all_parents=True).select_related("model", "leaderboard").order_by(
        "-vs_best_parent"
    )


def uplifts() -> QuerySet[MergeUplift]:
    return MergeUplift.objects.select_related("model", "leaderboard")


def board_tops(boards: list[Leaderboard], n: int = 5) -> dict[int, list[Score]]:
    """Top ``n`` rows of each board (best average first, ties by repo id) in one query.

    Each board's top is its own ``ORDER BY average DESC ... LIMIT n`` branch of a UNION ALL, which
    walks the (leaderboard, -average) index and stops after n rows; a window function over the
    boards instead numbered every score (200,000 at 100,000 models) to keep five.
    """
    if not boards:
        return {}
    tops = [
        Score.objects.filter(leaderboard=board, average__isnull=False)
        .order_by("-average", "model__repo_id").values("pk")[:n]
        for board in boards
    ]
    ids = tops[0].union(*tops[1:], all=True) if len(tops) > 1 else tops[0]
    out: dict[int, list[Score]] = {b.pk: [] for b in boards}
    for score in Score.objects.filter(pk__in=ids).select_related("model").order_by(
            "leaderboard_id", "-average", "model__repo_id"):
        out[score.leaderboard_id].append(score)
    return out


def board_chart_rows(scores: QuerySet[Score], members: list[LeaderboardMember], limit: int) -> list[tuple]:
    """The top ``limit`` scored rows of a (filtered) board for its charts: (repo_id, average, total
    params, active params, member values...), a member's value None where the row lacks it.

    Each member's component comes out of the jsonb as a float8 column: decoding 2,000 whole
    ``components`` documents with json.loads was a third of the page's CPU time."""
    # One float8[] column rather than one float column per member: Django runs a float() converter
    # on every expression column of every row, and an array column has none.
    values = Func(*[Cast(KeyTextTransform(m.benchmark.key, "components"), FloatField()) for m in members],
                  template="ARRAY[%(expressions)s]::float8[]", output_field=ArrayField(FloatField()))
    return [(*row[:4], *row[4]) for row in scores.filter(average__isnull=False)[:limit].values_list(
        "model__repo_id", "average", "model__total_params_b", "model__active_params_b", values)]


# The figures board_figures can draw, in page order, with what each shows (the page lays out a
# placeholder for each before its data arrives; a figure without data is left out of the JSON).
BOARD_FIGURES = {"top": "top models", "params": "score against total parameters",
                 "active": "score against active parameters", "distribution": "score distribution per benchmark"}


def board_figures(board: Leaderboard, members: list[LeaderboardMember], rows: list[tuple]) -> dict[str, dict]:
    """Plotly figures for the rows of board_chart_rows."""
    from evals import charts

    if not rows:
        return {}
    names = [r[0] for r in rows]
    averages = [r[1] for r in rows]
    figures = {"top": charts.top_n_bar(names, averages, title=f"Top {min(20, len(rows))} on {board.name}")}
    sized = [(r[0], r[2], r[1]) for r in rows if r[2]]
    if sized:
        figures["params"] = charts.score_vs_params([s[0] for s in sized], [s[1] for s in sized],
                                                   [s[2] for s in sized], title="Score vs total parameters")
    active = [(r[0], r[3] or r[2], r[1]) for r in rows if (r[3] or r[2])]
    if active:
        figures["active"] = charts.score_vs_params([a[0] for a in active], [a[1] for a in active],
                                                   [a[2] for a in active], title="Score vs active parameters",
                                                   axis="Active parameters (B)")
    per_benchmark = {m.benchmark.name: [r[4 + i] for r in rows if r[4 + i] is not None]
                     for i, m in enumerate(members)}
    per_benchmark = {k: v for k, v in per_benchmark.items() if v}
    if per_benchmark:
        figures["distribution"] = charts.distribution(per_benchmark, title="Per-benchmark distribution")
    return figures


def compare_boards(models: list[LLMModel]) -> list[dict]:
    """For each board where any compared model has a score: members, per-model values, sources, stderr,
    and a grouped-bar and radar figure."""
    from evals import charts

    scores = compare_scores(models)
    stderr = {
        (r.run.model_id, r.benchmark.key): r
        for r in Result.objects.filter(run__model__in=models, benchmark__isnull=False, run__third_party_claim=False)
        .select_related("benchmark", "run", "run__source_document")
    }
    out = []
    for board in leaderboards():
        present = [m for m in models if board.slug in scores[m.pk]]
        if not present:
            continue
        members = [m.benchmark for m in board.members.all()]
        keys = [b.key for b in members] or ["average"]
        labels = [b.name for b in members] or [board.name]
        series = {
            m.repo_id: [scores[m.pk][board.slug].components.get(k) if board.slug in scores[m.pk] else None
                        for k in keys]
            for m in models
        }
        table = [
            {"benchmark": b, "cells": [
                {"value": series[m.repo_id][i], "result": stderr.get((m.pk, b.key))} for m in models]}
            for i, b in enumerate(members)
        ]
        averages = [scores[m.pk].get(board.slug) for m in models]
        out.append({
            "board": board, "table": table, "averages": averages,
            "bars": charts.grouped_bars(labels, series, title=board.name),
            "radar": charts.radar(labels, series, title=f"{board.name} profile") if len(keys) >= 3 else None,
        })
    return out


def uplift_by_method() -> list[tuple[str, dict]]:
    from django.db.models import Avg, Count

    rows = (MergeUplift.objects.exclude(method="").values("method")
            .annotate(n=Count("pk"), mean_vs_best=Avg("vs_best_parent"), mean_vs_mean=Avg("vs_mean_parents"),
                      beating=Count("pk", filter=Q(beats_all_parents=True)))
            .order_by("-n", "method"))
    return [(r["method"], {**r, "share_beating": r["beating"] / r["n"] if r["n"] else 0}) for r in rows]


@functools.cache
def _score_rows_queryset(merged: bool) -> QuerySet:
    """_model_score_rows' query before its filter, built once per process: resolving the JSON
    columns' expressions costs more Python time than running the query."""
    own = OuterRef("pk")
    columns = {
        "_scores": json_rows(Score.objects.filter(model=own).order_by("leaderboard__position"),
                            related={"leaderboard": None}),
        "_flags": json_rows(ResultFlag.objects.filter(model=own).order_by("kind", "pk"),
                           related={"benchmark": None}),
    }
    if merged:
        columns["_uplift"] = json_rows(MergeUplift.objects.filter(model=own).order_by(
            *MergeUplift._meta.ordering or ["pk"])[:1])
    return LLMModel.objects.values(**columns)


@functools.cache
def _runs_queryset() -> QuerySet[EvalRun]:
    """Runs with their results and claim checks as JSON array columns (config.jsonrows), so one
    query replaces three; built once per process, like _score_rows_queryset."""
    run = OuterRef("pk")
    return EvalRun.objects.select_related("source_document", "model").annotate(
        _results=json_rows(Result.objects.filter(run=run).order_by("benchmark__key", "raw_name", "metric"),
                           related={"benchmark": None}),
        _checks=json_rows(ClaimCheck.objects.filter(run=run).order_by("aggregate")),
    )


def _model_score_rows(model: LLMModel, *, merged: bool) -> tuple[list[Score], list[ResultFlag], MergeUplift | None]:
    """The model's scores, flags and (if merged) merge uplift in ONE query of JSON array columns,
    in the orders model_scores / model_flags / the uplift lookup give."""
    row = _score_rows_queryset(merged).filter(pk=model.pk).get()
    uplifts = instances(MergeUplift, row.get("_uplift"))
    return instances(Score, row["_scores"]), instances(ResultFlag, row["_flags"]), (uplifts[0] if uplifts else None)


def model_scores_context(model: LLMModel) -> dict:
    """Everything the model page's scores section shows, in two queries whatever the model has.

    The runs about the model and the third-party claims its own documents make are ONE query (an OR
    of two index scans; the document ids come from the model page's prefetch). Only merged models have
    a merge uplift (scoring computes it for children of merge and MoE-expert edges), so the parent
    edges, prefetched too, say whether to look for one.
    """
    document_ids = [d.pk for d in model.documents.all()]
    runs = list(
        _runs_queryset().filter(Q(model=model) | Q(source_document_id__in=document_ids, third_party_claim=True))
        .order_by("third_party_claim", "source", "-created_at")
    )
    for r in runs:
        results, checks = instances(Result, r._results), instances(ClaimCheck, r._checks)
        del r._results, r._checks
        for row in (*results, *checks):
            row.run = r
        set_prefetched(r, "results", results)
        set_prefetched(r, "claim_checks", checks)
    about = [r for r in runs if r.model_id == model.pk]
    claims_made = [r for r in runs if r.third_party_claim and r.source_document_id in document_ids]
    # EvalRun's default order, which the separate query used to return them in.
    claims_made.sort(key=lambda r: r.created_at, reverse=True)
    claims_made.sort(key=lambda r: r.model_id)
    merged = any(e.kind in (EdgeKind.MERGE, EdgeKind.MOE_EXPERT) for e in model.parent_edges.all())
    scores, flags, uplift = _model_score_rows(model, merged=merged)
    return {
        "model": model,
        "scores": scores,
        "own_runs": [r for r in about if not r.third_party_claim],
        "claims_by_others": [r for r in about if r.third_party_claim],
        "flags": flags,
        "uplift": uplift,
        "claims_made": claims_made,
    }
