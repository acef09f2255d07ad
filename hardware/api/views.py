"""Hardware API: GPUs, quantization formats, fit estimates, recommendations and fit jobs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import LLMModel
from config.api import DefaultCursorPagination
from config.api_support import CanRequestJobs, CuratorOrReadOnly, ETagMixin
from hardware.api import serializers as s
from hardware.filters import GPUFilter
from hardware.models import GPU, FitJob, QuantizationFormat
from hardware.services.fit import FitInputError, estimate, recommend, request_fit


class SlugCursor(DefaultCursorPagination):
    ordering = "slug"


class GPUViewSet(ETagMixin, viewsets.ModelViewSet):
    queryset = GPU.objects.all()
    serializer_class = s.GPUSerializer
    filterset_class = GPUFilter
    permission_classes = [CuratorOrReadOnly]
    lookup_field = "slug"
    pagination_class = SlugCursor
    http_method_names = ["get", "post", "patch", "head", "options"]


class QuantizationFormatViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    queryset = QuantizationFormat.objects.all()
    serializer_class = s.QuantizationFormatSerializer
    lookup_field = "name"
    pagination_class = None


class FitView(ETagMixin, generics.GenericAPIView):
    """One estimate: memory needed vs available, verdict, largest context, GPUs needed, speed, assumptions."""

    serializer_class = s.FitQuerySerializer

    @extend_schema(parameters=[s.FitQuerySerializer], responses={200: dict})
    def get(self, request: Request) -> Response:
        query = s.FitQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        model = LLMModel.objects.filter(repo_id=data["model"]).first()
        if model is None:
            raise NotFound(f"No model {data['model']!r} in the catalog.")
        quant = QuantizationFormat.objects.filter(name__iexact=data["quant"]).first()
        if quant is None:
            raise ValidationError({"quant": f"Unknown quantization {data['quant']!r} (see /api/quantization-formats/)."})
        gpu = None
        if data.get("gpu"):
            gpu = GPU.objects.filter(slug=data["gpu"]).first()
            if gpu is None:
                raise ValidationError({"gpu": f"Unknown GPU {data['gpu']!r} (see /api/gpus/)."})
        try:
            body = estimate(model, quant=quant, gpu=gpu, memory_gb=data.get("memory_gb"),
                            bandwidth_gbs=data.get("bandwidth_gbs"), context=data.get("context"),
                            n_gpus=data["n_gpus"], kv_dtype=data["kv_dtype"])
        except FitInputError as exc:
            raise ValidationError({exc.field: exc.message}) from exc
        return Response(body)


class RecommendView(ETagMixin, generics.GenericAPIView):
    """Best-scoring models that fit the given GPUs (or memory + bandwidth), with the quantization to use."""

    serializer_class = s.RecommendQuerySerializer

    @extend_schema(parameters=[s.RecommendQuerySerializer], responses={200: dict})
    def get(self, request: Request) -> Response:
        params = request.query_params.copy()
        query = s.RecommendQuerySerializer(data={**params.dict(), "gpu": params.getlist("gpu")})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        results = recommend(memory_gb=data["memory_gb"], bandwidth_gbs=data["bandwidth_gbs"], context=data["context"],
                            min_tokens_per_s=data.get("min_tokens_per_s"), license=data.get("license", ""),
                            leaderboard=data["leaderboard"], limit=data["limit"])
        return Response({
            "memory_gb": data["memory_gb"], "bandwidth_gbs": data["bandwidth_gbs"], "context": data["context"],
            "leaderboard": data["leaderboard"],
            "results": [{"model": r.model.repo_id, "score": r.score, "quant": r.quant.name,
                         "memory_needed_gb": round(r.total_gb, 2), "tokens_per_s": round(r.tokens_per_s, 1),
                         "license": r.model.license} for r in results],
        })


class FitJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):
    queryset = FitJob.objects.all()
    serializer_class = s.FitJobSerializer
    permission_classes = [CanRequestJobs]

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = serializer.validated_data.get("model_ids") or []
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise ValidationError({"model_ids": "A list of model ids (integers)."})
        job = request_fit(ids or None, user=request.user)
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": f"/api/fit-jobs/{job.pk}/"})
