"""Catalog API: thin views over the same FilterSet, selectors and services as the HTML pages."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api import serializers as s
from catalog.filters import LLMModelFilter
from catalog.models import ImportItem, ImportJob, LineageEdge, LLMModel, Organization, SourceDocument
from catalog.selectors import model_detail
from catalog.services.imports import DocumentInput, ImportFailed, create_import_job
from config.api import DefaultCursorPagination
from config.api_support import CanImport, CuratorOrReadOnly, ETagMixin


class NameCursorPagination(DefaultCursorPagination):
    # A search's relevance order cannot drive a cursor (it needs a unique, stable key);
    # API clients page by name, the HTML page shows relevance.
    ordering = "repo_id"


class SlugCursorPagination(DefaultCursorPagination):
    ordering = "slug"


class OrganizationViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Organization.objects.all()
    serializer_class = s.OrganizationSerializer
    lookup_field = "slug"
    pagination_class = SlugCursorPagination


class ModelViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                   viewsets.GenericViewSet):
    """Models with the catalog page's filters (``q``, ``family``, ``is_moe``, ``merged``, ``params_min`` ...).

    Looked up by repo id: ``/api/models/<org>/<name>/``. Curators may PATCH facts.
    """

    queryset = LLMModel.objects.all()
    filterset_class = LLMModelFilter
    permission_classes = [CuratorOrReadOnly]
    lookup_field = "repo_id"
    lookup_value_regex = r"[^/]+/[^/]+"
    pagination_class = NameCursorPagination
    http_method_names = ["get", "patch", "head", "options"]

    def get_serializer_class(self):
        return s.ModelListSerializer if self.action == "list" else s.ModelDetailSerializer

    def get_queryset(self):
        if self.action == "list":
            return LLMModel.objects.only(*[f for f in s.ModelListSerializer.Meta.fields if f != "url"])
        return LLMModel.objects.all()

    def get_object(self):
        if self.action == "retrieve":
            obj = model_detail(self.kwargs["repo_id"])
            if obj is None:
                from django.http import Http404

                raise Http404(f"No model {self.kwargs['repo_id']!r}.")
            return obj
        obj = get_object_or_404(LLMModel, repo_id=self.kwargs["repo_id"])
        self.check_object_permissions(self.request, obj)
        return obj


class LineageView(ETagMixin, generics.GenericAPIView):
    serializer_class = s.EdgeSerializer
    queryset = LineageEdge.objects.none()

    @extend_schema(responses={200: s.EdgeSerializer(many=True)})
    def get(self, request: Request, org: str, name: str) -> Response:
        model = get_object_or_404(LLMModel, repo_id=f"{org}/{name}")
        parents = LineageEdge.objects.filter(child=model).select_related("child", "parent")
        children = LineageEdge.objects.filter(parent=model).select_related("child", "parent")
        return Response({
            "model": model.repo_id,
            "parents": s.EdgeSerializer(parents, many=True).data,
            "children": s.EdgeSerializer(children, many=True).data,
        })


class EdgeViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Lineage edges; curators add and remove them."""

    queryset = LineageEdge.objects.select_related("child", "parent")
    serializer_class = s.EdgeSerializer
    permission_classes = [CuratorOrReadOnly]
    filterset_fields = ["kind"]


class DocumentViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    queryset = SourceDocument.objects.select_related("model")
    serializer_class = s.DocumentSerializer
    filterset_fields = ["kind", "status"]


class ImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):
    """Import jobs. POST JSON ``{"documents": [{"name", "content", "repo_id"}]}`` or ``{"content": ...}``,
    or multipart ``files``; the answer is 202 with the job's URL to poll."""

    serializer_class = s.ImportJobSerializer
    permission_classes = [CanImport]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        jobs = ImportJob.objects.prefetch_related(Prefetch("items", queryset=ImportItem.objects.select_related("model")))
        user = self.request.user
        if self.action == "list" and not (user.is_authenticated and user.is_staff):
            return jobs.filter(created_by=user) if user.is_authenticated else jobs.none()
        return jobs

    @extend_schema(request=s.ImportRequestSerializer, responses={202: s.ImportJobSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        if files:
            too_big = [f.name for f in files if f.size > settings.MAX_DOCUMENT_BYTES]
            if too_big:
                return Response({"error": {"status": 413, "code": "too_large", "fields": [
                    {"field": "files", "message": f"{name} is larger than {settings.MAX_DOCUMENT_BYTES:,} bytes.",
                     "code": "too_large"} for name in too_big],
                    "message": "A file is too large."}}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
            repo_id = request.data.get("repo_id", "") or ""
            documents = [DocumentInput(name=f.name, content=f.read(), repo_id_hint=repo_id) for f in files]
            label = request.data.get("label", "") or ""
        else:
            payload = s.ImportRequestSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            documents = [DocumentInput(name=d.get("name") or "document", content=d["content"],
                                       repo_id_hint=d.get("repo_id") or "") for d in payload.validated_data["documents"]]
            label = payload.validated_data.get("label", "")
        try:
            job = create_import_job(documents, via=ImportJob.Via.API, user=request.user,
                                    label=label or f"API, {len(documents)} document(s)")
        except ImportFailed as exc:
            return Response({"error": {"status": 400, "code": exc.code, "message": exc.reason,
                                       "fields": [{"field": "documents", "message": exc.reason, "code": exc.code}]}},
                            status=status.HTTP_400_BAD_REQUEST)
        job.refresh_from_db()
        url = f"/api/imports/{job.pk}/"
        return Response(s.ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": url})
