"""Evals API: benchmarks, runs/results, leaderboards (same filters as the HTML board), uplift, jobs."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import DefaultCursorPagination
from rest_framework.renderers import BrowsableAPIRenderer

from config.api_support import CanRequestJobs, CSVRenderer, CuratorOrReadOnly, ETagMixin, ORJSONRenderer
from evals import selectors
from evals.api import serializers as s
from evals.filters import ScoreFilter
from evals.models import Benchmark, EvalRun, Leaderboard, Result, Score, ScoringJob
from evals.services.scoring import request_scoring


class KeyCursor(DefaultCursorPagination):
    ordering = "key"


class BoardCursor(DefaultCursorPagination):
    # Rank is not unique (ties); the row id breaks them so the cursor never skips or repeats.
    ordering = ("rank", "id")


class BenchmarkViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Benchmark.objects.select_related("parent")
    serializer_class = s.BenchmarkSerializer
    lookup_field = "key"
    pagination_class = KeyCursor
    filterset_fields = ["suite"]


class RunViewSet(ETagMixin, viewsets.ModelViewSet):
    queryset = EvalRun.objects.select_related("model").prefetch_related("results__benchmark")
    serializer_class = s.RunSerializer
    permission_classes = [CuratorOrReadOnly]
    filterset_fields = {"model__repo_id": ["exact"], "source": ["exact"], "leaderboard_hint": ["exact"],
                        "results__benchmark__key": ["exact"]}
    http_method_names = ["get", "post", "delete", "head", "options"]

    def perform_create(self, serializer) -> None:
        serializer.save(source=serializer.validated_data.get("source") or "api")


class ResultViewSet(ETagMixin, viewsets.ModelViewSet):
    queryset = Result.objects.select_related("benchmark", "run")
    serializer_class = s.ResultSerializer
    permission_classes = [CuratorOrReadOnly]
    filterset_fields = {"run__model__repo_id": ["exact"], "benchmark__key": ["exact"], "metric": ["exact"],
                        "run": ["exact"]}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]


class LeaderboardViewSet(ETagMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Leaderboard.objects.filter(is_active=True).prefetch_related("members__benchmark")
    serializer_class = s.LeaderboardSerializer
    pagination_class = None


def _board_rows(request: Request, slug: str):
    board = Leaderboard.objects.filter(slug=slug, is_active=True).first()
    if board is None:
        raise Http404(f"No leaderboard {slug!r}.")
    filterset = ScoreFilter(request.query_params, queryset=Score.objects.filter(leaderboard=board))
    if not filterset.is_valid():
        from rest_framework.exceptions import ValidationError

        raise ValidationError(filterset.errors)
    return board, filterset.qs


class LeaderboardRowsView(ETagMixin, generics.GenericAPIView):
    """Rows of one board: ``q``, ``family``, ``is_moe``, ``merged``, ``params_min/max``, ``active_min/max``,
    ``license``, ``verified_only``, ``hide_flagged``, ``include_incomplete``; ordered by rank. ``?format=csv``
    exports the filtered board."""

    serializer_class = s.ScoreRowSerializer
    pagination_class = BoardCursor
    queryset = Score.objects.none()
    renderer_classes = [ORJSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(operation_id="leaderboards_rows", parameters=[OpenApiParameter("format", str, enum=["json", "csv"])],
                   responses={200: s.ScoreRowSerializer(many=True)})
    def get(self, request: Request, slug: str):
        board, rows = _board_rows(request, slug)
        if getattr(request.accepted_renderer, "format", "") == "csv":
            return export_csv(board, rows)
        rows = rows.values(*s.ROW_FIELDS)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.ScoreRowSerializer(page, many=True).data)


class LeaderboardCSVView(generics.GenericAPIView):
    """The filtered board as CSV (same filters as the JSON rows)."""

    serializer_class = s.ScoreRowSerializer
    queryset = Score.objects.none()

    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request: Request, slug: str) -> HttpResponse:
        board, rows = _board_rows(request, slug)
        return export_csv(board, rows)


def export_csv(board: Leaderboard, rows) -> HttpResponse:
    members = [m.benchmark.key for m in board.members.select_related("benchmark")]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["rank", "model", "average", *members, "completeness", "verification", "reported_average",
                     "flags"])
    for row in rows.order_by("rank", "id").values(*s.ROW_FIELDS).iterator(2000):
        writer.writerow([row["rank"] or "", row["model__repo_id"],
                         f"{row['average']:.4f}" if row["average"] is not None else "",
                         *[f"{row['components'][k]:.4f}" if k in row["components"] else "" for k in members],
                         f"{row['completeness']:.3f}", row["verification"], row["reported_average"] or "",
                         row["flag_count"]])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{board.slug}.csv"'
    return response


class ScoreViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Score.objects.select_related("model", "leaderboard")
    serializer_class = s.ScoreSerializer
    filterset_fields = {"model__repo_id": ["exact"], "leaderboard__slug": ["exact"], "verification": ["exact"]}


class UpliftView(ETagMixin, generics.ListAPIView):
    serializer_class = s.UpliftSerializer

    def get_queryset(self):
        return selectors.uplifts()


class BeatingParentsView(UpliftView):
    def get_queryset(self):
        return selectors.merges_beating_parents()


class ScoringJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        viewsets.GenericViewSet):
    """Scoring jobs. POST ``{"model_ids": [...]}`` (empty = whole catalog) -> 202; staff only."""

    queryset = ScoringJob.objects.all()
    serializer_class = s.ScoringJobSerializer
    permission_classes = [CanRequestJobs]

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = serializer.validated_data.get("model_ids") or []
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"model_ids": "A list of model ids (integers)."})
        job = request_scoring(ids or None, trigger=ScoringJob.Trigger.MANUAL, user=request.user)
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": f"/api/scoring-jobs/{job.pk}/"})
