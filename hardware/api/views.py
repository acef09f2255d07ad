"""Hardware API: GPUs, quantization formats, fit estimates, the "what can I run?" finder and fit jobs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api.serializers import ModelIdsSerializer
from catalog.models import LLMModel
from config.api_support import ApiViewMixin, CanRequestJobs, CuratorOrReadOnly, SortedCursorPagination
from hardware import selectors
from hardware.api import serializers as s
from hardware.filters import GPUFilter
from hardware.models import GPU, FitJob, QuantizationFormat
from hardware.services.fit import FitInputError, estimate, recommend, request_fit


class GPUViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                 mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """GPUs by slug, with the GPU page's filters (``q``, ``vendor``, ``memory_kind``, ``memory_min`` ...,
    ``sort``). The reference table is small, so the list is not paginated."""

    queryset = GPU.objects.all()
    serializer_class = s.GPUSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = GPUFilter
    permission_classes = [CuratorOrReadOnly]
    lookup_field = "slug"
    pagination_class = None
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(parameters=[s.GPUModelsQuerySerializer], responses={200: s.GPUModelSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=SortedCursorPagination)
    def models(self, request: Request, slug: str) -> Response:
        """Models this GPU runs at ``context``, each with its best-quality fitting quantization."""
        query = s.GPUModelsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        gpu = self.get_object()
        page = self.paginate_queryset(selectors.gpu_models(gpu, context=query.validated_data["context"]))
        data = s.GPUModelSerializer(page, many=True, context={"speed": lambda req: selectors.speed_for(gpu, req)}).data
        return self.get_paginated_response(data)

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        # gpu_models orders by downloads; the cursor keeps that order with a unique tie-break.
        return ("-model__downloads", "model__repo_id", "id")


class QuantizationFormatViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Quantization formats with bits per weight and quality retention (small table, not paginated)."""

    queryset = QuantizationFormat.objects.all()
    serializer_class = s.QuantizationFormatSerializer
    lookup_field = "name"
    lookup_value_regex = r"[^/]+"
    pagination_class = None
    filter_backends: list = []


class FitView(ApiViewMixin, generics.GenericAPIView):
    """Whether a model runs on a GPU (or on given memory/bandwidth) at a quantization and context:
    memory needed vs available, verdict, largest context, GPUs needed, speed, and every assumption."""

    serializer_class = s.FitQuerySerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(parameters=[s.FitQuerySerializer], responses={200: s.FitEstimateSerializer})
    def get(self, request: Request) -> Response:
        query = s.FitQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        model = LLMModel.objects.filter(repo_id__iexact=data["model"]).first()
        if model is None:
            raise NotFound(f"There is no model '{data['model']}' in the catalog.")
        quant = QuantizationFormat.objects.filter(name__iexact=data["quant"]).first()
        if quant is None:
            raise ValidationError({"quant": f"Unknown quantization '{data['quant']}' (see /api/quantization-formats/)."},
                                  code="unknown")
        gpu = None
        if data.get("gpu"):
            gpu = GPU.objects.filter(slug=data["gpu"]).first()
            if gpu is None:
                raise ValidationError({"gpu": f"Unknown GPU '{data['gpu']}' (see /api/gpus/)."}, code="unknown")
        try:
            body = estimate(model, quant=quant, gpu=gpu, memory_gb=data.get("memory_gb"),
                            bandwidth_gbs=data.get("bandwidth_gbs"), context=data.get("context"),
                            n_gpus=data["n_gpus"], kv_dtype=data["kv_dtype"])
        except FitInputError as exc:
            raise ValidationError({exc.field: [exc.message]}, code="cannot_estimate") from exc
        return Response(body)


class RecommendView(ApiViewMixin, generics.GenericAPIView):
    """"What can I run?": the best-scoring models that fit the given GPUs (repeat ``gpu``) or
    ``memory_gb`` + ``bandwidth_gbs``, each with the highest-quality quantization that fits."""

    serializer_class = s.RecommendQuerySerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(parameters=[s.RecommendQuerySerializer], responses={200: s.RecommendResponseSerializer})
    def get(self, request: Request) -> Response:
        params: dict[str, Any] = request.query_params.dict()
        if "gpu" in request.query_params:
            params["gpu"] = request.query_params.getlist("gpu")
        query = s.RecommendQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        results = recommend(memory_gb=data["memory_gb"], bandwidth_gbs=data["bandwidth_gbs"], context=data["context"],
                            min_tokens_per_s=data.get("min_tokens_per_s"), license=data["license"],
                            leaderboard=data["leaderboard"], limit=data["limit"])
        return Response(s.RecommendResponseSerializer({
            "memory_gb": data["memory_gb"], "bandwidth_gbs": data["bandwidth_gbs"], "context": data["context"],
            "leaderboard": data["leaderboard"],
            "results": [{"model": r.model.repo_id, "model_url": f"/api/models/{r.model.repo_id}/", "score": r.score,
                         "quant": r.quant.name, "memory_needed_gb": round(r.total_gb, 2),
                         "tokens_per_s": round(r.tokens_per_s, 1), "license": r.model.license} for r in results],
        }).data)


class FitJobViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):
    """Fit jobs (recompute the stored fit matrix). ``POST {"model_ids": [...]}`` (none = whole catalog):
    202 with the job in ``Location``. Needs a token or staff session with ``hardware.add_fitjob``."""

    queryset = FitJob.objects.all()
    serializer_class = s.FitJobSerializer
    permission_classes = [CanRequestJobs]
    filter_backends: list = []
    pagination_class = SortedCursorPagination

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        return ("-id",)

    @extend_schema(request=ModelIdsSerializer, responses={202: s.FitJobSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ModelIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = request_fit(body.validated_data["model_ids"] or None, user=request.user)
        data = s.FitJobSerializer(job).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})

