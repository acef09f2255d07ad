"""Evals API: benchmarks, runs and results with provenance, leaderboards (the HTML board's
selector and FilterSet), exports, scores, merge uplift and scoring jobs."""

from __future__ import annotations

import csv
from typing import Any, Iterator

import orjson
from django.db.models import F, OrderBy, Prefetch, QuerySet
from django.http import StreamingHttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api.serializers import ModelIdsSerializer
from config.api_support import ApiViewMixin, CanRequestJobs, CuratorOrReadOnly, SortedCursorPagination
from config.renderers import CSVRenderer, ORJSONRenderer
from evals import selectors
from evals.api import serializers as s
from evals.api.filters import BenchmarkFilter, ResultFilter, RunFilter, ScoreListFilter, UpliftFilter
from evals.filters import BOARD_SORTS, ScoreFilter
from evals.models import Benchmark, EvalRun, Leaderboard, Result, Score, ScoringJob
from evals.services.scoring import request_scoring


def _rescore(model_ids: list[int], request: Request) -> None:
    """A changed result changes scores, verification and uplift: rescore those models (a job)."""
    request_scoring(model_ids, trigger=ScoringJob.Trigger.MANUAL, user=request.user)


class BenchmarkViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Benchmarks by key. Curators add (``evals.add_benchmark``) and edit (``evals.change_benchmark``)."""

    queryset = Benchmark.objects.select_related("parent")
    serializer_class = s.BenchmarkSerializer
    permission_classes = [CuratorOrReadOnly]
    lookup_field = "key"
    filter_backends = [DjangoFilterBackend]
    filterset_class = BenchmarkFilter
    pagination_class = SortedCursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        return ("key",)


class LeaderboardViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Active leaderboards with their member benchmarks; rows are at ``rows_url``."""

    serializer_class = s.LeaderboardSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Leaderboard]:
        return selectors.leaderboards()


# ---------------------------------------------------------------------------
# Leaderboard rows and exports


ROW_VALUES = ("id", "rank", "average", "complete", "completeness", "components", "verification", "reported_average",
              "flag_count", "model__repo_id", "model__total_params_b", "model__active_params_b", "model__is_moe",
              "model__license", "model__family")


def board_row(row: dict[str, Any]) -> dict[str, Any]:
    """A ``values()`` row as the API shows it (ScoreRowSerializer documents the shape). A plain
    function, not a serializer, because exports run it for every row of a 100,000-row board."""
    repo_id = row["model__repo_id"]
    return {
        "rank": row["rank"], "model": repo_id, "model_url": f"/api/models/{repo_id}/", "average": row["average"],
        "components": row["components"] or {}, "complete": row["complete"], "completeness": row["completeness"],
        "verification": row["verification"], "reported_average": row["reported_average"],
        "flag_count": row["flag_count"], "flagged": bool(row["flag_count"]),
        "total_params_b": row["model__total_params_b"], "active_params_b": row["model__active_params_b"],
        "is_moe": row["model__is_moe"], "license": row["model__license"], "family": row["model__family"],
    }


def _board_rows(request: Request, slug: str) -> tuple[Leaderboard, QuerySet[Score]]:
    """The board's rows filtered exactly as the HTML board filters them (same selector, same FilterSet)."""
    board = selectors.leaderboards().filter(slug=slug).first()
    if board is None:
        raise NotFound(f"There is no active leaderboard '{slug}'.")
    filterset = ScoreFilter(request.query_params, queryset=selectors.leaderboard_scores(board), request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return board, filterset.qs


def _board_ordering(request: Request) -> tuple[str, ...]:
    """The board's ``sort`` (BOARD_SORTS, all NULLS LAST) as plain field names for the cursor,
    which orders NULLs last itself."""
    names = []
    for term in BOARD_SORTS.get(request.query_params.get("sort") or "rank", BOARD_SORTS["rank"]):
        if isinstance(term, OrderBy) and isinstance(term.expression, F):
            names.append(("-" if term.descending else "") + term.expression.name)
        else:
            names.append(str(term))
    return (*names, "id")


class LeaderboardRowsView(ApiViewMixin, generics.GenericAPIView):
    """Rows of one leaderboard, filtered and sorted like the HTML board, paged by cursor.

    Each row: rank, model repo id, average, per-benchmark components, completeness, the
    verification of the model's stated average with that stated (reported) average, and its flags.
    ``?format=csv`` returns the whole filtered board as CSV (as ``export.csv`` does).
    """

    pagination_class = SortedCursorPagination
    renderer_classes = [ORJSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    serializer_class = s.ScoreRowSerializer
    # Declared for the schema, which lists ScoreFilter's parameters; get() applies the FilterSet
    # itself, to the board's selector.
    queryset = Score.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = ScoreFilter

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        return _board_ordering(request)

    @extend_schema(
        operation_id="leaderboards_rows",
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"])],
        responses={(200, "application/json"): s.ScoreRowSerializer(many=True),
                   (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The filtered board as CSV.")},
    )
    def get(self, request: Request, slug: str) -> Response | StreamingHttpResponse:
        board, rows = _board_rows(request, slug)
        if getattr(request.accepted_renderer, "format", "") == "csv":
            return _csv_response(board, rows)
        page = self.paginate_queryset(rows.values(*ROW_VALUES))
        return self.get_paginated_response([board_row(r) for r in page])


class LeaderboardExportView(ApiViewMixin, generics.GenericAPIView):
    """The whole filtered board, streamed: ``export.csv`` or ``export.json`` (same filters as the rows)."""

    pagination_class = None
    serializer_class = s.ScoreRowSerializer
    queryset = Score.objects.none()  # for the schema, as on LeaderboardRowsView
    filter_backends = [DjangoFilterBackend]
    filterset_class = ScoreFilter

    @extend_schema(
        operation_id="leaderboards_export",
        parameters=[OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["csv", "json"],
                                     description="Export format.")],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, one row per model."),
                   (200, "application/json"): s.ScoreRowSerializer(many=True)},
    )
    def get(self, request: Request, slug: str, fmt: str) -> StreamingHttpResponse:
        if fmt not in ("csv", "json"):
            raise NotFound(f"No export format '{fmt}': use export.csv or export.json.")
        board, rows = _board_rows(request, slug)
        return _csv_response(board, rows) if fmt == "csv" else _json_response(board, rows)


def _export_rows(rows: QuerySet[Score]) -> Iterator[dict[str, Any]]:
    # Server-side cursor in chunks: a 100,000-row board never sits in memory.
    for row in rows.values(*ROW_VALUES).iterator(chunk_size=2000):
        yield board_row(row)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(board: Leaderboard, rows: QuerySet[Score]) -> StreamingHttpResponse:
    members = [m.benchmark.key for m in board.members.all()]  # prefetched by selectors.leaderboards()
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(["rank", "model", "average", *members, "completeness", "verification",
                               "reported_average", "flags", "total_params_b", "active_params_b", "license"])
        for r in _export_rows(rows):
            components = r["components"]
            yield writer.writerow([
                r["rank"] or "", r["model"], _num(r["average"], 4), *[_num(components.get(k), 4) for k in members],
                _num(r["completeness"], 3), r["verification"], _num(r["reported_average"]), r["flag_count"],
                _num(r["total_params_b"]), _num(r["active_params_b"]), r["license"],
            ])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{board.slug}.csv"'
    return response


def _num(value: float | None, places: int | None = None) -> str:
    if value is None:
        return ""
    return f"{value:.{places}f}" if places is not None else f"{value:g}"


def _json_response(board: Leaderboard, rows: QuerySet[Score]) -> StreamingHttpResponse:
    def chunks() -> Iterator[bytes]:
        yield b"["
        for index, row in enumerate(_export_rows(rows)):
            yield (b"," if index else b"") + orjson.dumps(row)
        yield b"]"

    response = StreamingHttpResponse(chunks(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{board.slug}.json"'
    return response


# ---------------------------------------------------------------------------
# Scores, runs, results


class ScoreViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Computed standings of models on boards (``model``, ``leaderboard``, ``verification``, ``complete``)."""

    queryset = Score.objects.select_related("model", "leaderboard").only(
        "id", "average", "rank", "complete", "completeness", "components", "reported_average", "verification",
        "flag_count", "computed_at", "model__id", "model__repo_id", "leaderboard__id", "leaderboard__slug")
    serializer_class = s.ScoreSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ScoreListFilter
    pagination_class = SortedCursorPagination

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        return ("-id",)


class RunViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                 mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Evaluation runs with their results: where each number came from (card table, front matter,
    lm-eval file, catalog page, API). Filters: ``model``, ``source``, ``benchmark``, ``leaderboard``.
    Curators create runs (``evals.add_evalrun``) to hold results they add."""

    queryset = EvalRun.objects.select_related("model").only(
        "id", "source", "label", "leaderboard_hint", "harness", "harness_version", "run_date", "source_document_id",
        "self_reported", "third_party_claim", "stated_averages", "details_url", "created_at", "model__id",
        "model__repo_id",
    ).prefetch_related(Prefetch("results", queryset=Result.objects.select_related("benchmark").only(
        "id", "run_id", "raw_name", "metric", "shots", "value", "raw_value", "raw_scale", "stderr", "normalized",
        "benchmark__id", "benchmark__key").order_by("raw_name", "metric", "pk")))
    serializer_class = s.RunSerializer
    permission_classes = [CuratorOrReadOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = RunFilter
    pagination_class = SortedCursorPagination
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        return ("-id",)

    def perform_destroy(self, instance: EvalRun) -> None:
        model_id = instance.model_id
        super().perform_destroy(instance)
        _rescore([model_id], self.request)


class ResultViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Benchmark results. Filters: ``model``, ``benchmark``, ``metric``, ``run``, ``source``. Curators add
    (``evals.add_result``), correct (``evals.change_result``) and delete results; the model is then rescored."""

    queryset = Result.objects.select_related("benchmark", "run__model").only(
        "id", "raw_name", "metric", "shots", "value", "raw_value", "raw_scale", "stderr", "normalized",
        "benchmark__id", "benchmark__key", "benchmark__scale", "benchmark__metric", "run__id", "run__source",
        "run__model__id", "run__model__repo_id")
    serializer_class = s.ResultSerializer
    permission_classes = [CuratorOrReadOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ResultFilter
    pagination_class = SortedCursorPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        return ("-id",)

    def perform_create(self, serializer: s.ResultSerializer) -> None:
        super().perform_create(serializer)
        _rescore([serializer.instance.run.model_id], self.request)

    def perform_update(self, serializer: s.ResultSerializer) -> None:
        super().perform_update(serializer)
        _rescore([serializer.instance.run.model_id], self.request)

    def perform_destroy(self, instance: Result) -> None:
        model_id = instance.run.model_id
        super().perform_destroy(instance)
        _rescore([model_id], self.request)


# ---------------------------------------------------------------------------
# Merge uplift


class UpliftView(ApiViewMixin, generics.ListAPIView):
    """Every merged model's score against its parents (open-llm-v1), best uplift first."""

    serializer_class = s.UpliftSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = UpliftFilter
    pagination_class = SortedCursorPagination

    def get_queryset(self) -> QuerySet:
        return selectors.uplifts()

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        return ("-vs_best_parent", "model__repo_id")


class BeatingParentsView(UpliftView):
    """Merges that score above every one of their parents."""

    def get_queryset(self) -> QuerySet:
        return selectors.merges_beating_parents()


# ---------------------------------------------------------------------------
# Scoring jobs


class ScoringJobViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        viewsets.GenericViewSet):
    """Scoring jobs. ``POST {"model_ids": [...]}`` (none = whole catalog) queues a rescore: 202 with the
    job in ``Location``. Needs a token or staff session with ``evals.add_scoringjob``."""

    queryset = ScoringJob.objects.all()
    serializer_class = s.ScoringJobSerializer
    permission_classes = [CanRequestJobs]
    filter_backends: list = []
    pagination_class = SortedCursorPagination

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        return ("-id",)

    @extend_schema(request=ModelIdsSerializer, responses={202: s.ScoringJobSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ModelIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = request_scoring(body.validated_data["model_ids"] or None, trigger=ScoringJob.Trigger.MANUAL,
                              user=request.user)
        data = s.ScoringJobSerializer(job).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})
