"""Catalog API: thin views over the catalog's FilterSet, selectors and services.

The model list uses ``LLMModelFilter``, the FilterSet behind the HTML catalog page, so a query
string means the same thing in both places; the API pages by cursor where the page numbers.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import selectors
from catalog.api import serializers as s
from catalog.api.filters import DocumentFilter, EdgeFilter
from catalog.filters import SORTS, LLMModelFilter
from catalog.forms import ImportForm
from catalog.models import ImportJob, LineageEdge, LLMModel, Organization, SourceDocument
from catalog.services.imports import ImportFailed, create_import_job
from config.api_support import ApiViewMixin, CanImport, CuratorOrReadOnly, PayloadTooLarge, SortedCursorPagination
from catalog.signals import models_changed


class OrganizationViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Organisations (Hub namespaces); their models are ``/api/models/?organization=<slug>``."""

    queryset = Organization.objects.only("id", "slug", "name", "url", "description")
    serializer_class = s.OrganizationSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[^/]+"
    pagination_class = SortedCursorPagination
    filter_backends: list = []

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        return ("slug",)


REPO_ID = OpenApiParameter("repo_id", str, OpenApiParameter.PATH, description="The Hub repo id, `organization/name`.")


@extend_schema_view(retrieve=extend_schema(parameters=[REPO_ID]), partial_update=extend_schema(parameters=[REPO_ID]),
                    lineage=extend_schema(parameters=[REPO_ID]))
class ModelViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                   viewsets.GenericViewSet):
    """Open models, looked up by repo id: ``/api/models/<org>/<name>/``.

    The list takes every filter of the catalog page (``q``, ``organization``, ``family``, ``license``,
    ``is_moe``, ``merged``, ``merge_method``, ``quant_format``, ``has_evals``, ``params_min`` ... and
    ``sort``) and pages by cursor. Curators with ``catalog.change_llmmodel`` may PATCH a model's facts.
    """

    filter_backends = [DjangoFilterBackend]
    filterset_class = LLMModelFilter
    permission_classes = [CuratorOrReadOnly]
    lookup_field = "repo_id"
    lookup_value_regex = r"[^/]+/[^/]+"
    pagination_class = SortedCursorPagination
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[LLMModel]:
        if self.action == "list":
            return selectors.model_list(LLMModel.objects.all())
        return LLMModel.objects.all()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Plain rows (see serializers.model_row), paged by cursor like any list."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values(*s.MODEL_ROW_VALUES))
        return self.get_paginated_response([s.model_row(row) for row in page])

    def get_serializer_class(self) -> type:
        if self.action == "lineage":
            return s.LineageSerializer
        return s.ModelListSerializer if self.action == "list" else s.ModelDetailSerializer

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        """The catalog page's sort; a search without one pages in relevance order."""
        sort = request.query_params.get("sort", "")
        if SORTS.get(sort):
            return SORTS[sort]
        if "rank" in queryset.query.annotations:
            return ("-rank", "repo_id")
        return ("-downloads", "repo_id")

    def get_object(self) -> LLMModel:
        repo_id = self.kwargs["repo_id"]
        if self.action == "retrieve":
            model = selectors.model_detail(repo_id)
        else:
            model = LLMModel.objects.filter(repo_id__iexact=repo_id).first()
        if model is None:
            raise NotFound(f"There is no model '{repo_id}' in the catalog.")
        self.check_object_permissions(self.request, model)
        return model

    def perform_update(self, serializer: s.ModelDetailSerializer) -> None:
        super().perform_update(serializer)
        models_changed.send(sender=LLMModel, model_ids=[serializer.instance.pk],
                            fields=set(serializer.validated_data), user=self.request.user)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        model = self.get_object()
        serializer = s.ModelDetailSerializer(model, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        # Answer with the model as the detail endpoint shows it, nested rows loaded by its selector.
        return Response(s.ModelDetailSerializer(selectors.model_detail(model.repo_id)).data)

    @extend_schema(parameters=[s.LineageQuerySerializer], responses={200: s.LineageSerializer})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def lineage(self, request: Request, repo_id: str) -> Response:
        """Direct parents and children (kind, params, evidence), and the family within ``depth`` generations."""
        query = s.LineageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        model = LLMModel.objects.filter(repo_id__iexact=repo_id).only("id", "repo_id").first()
        if model is None:
            raise NotFound(f"There is no model '{repo_id}' in the catalog.")
        depth = query.validated_data["depth"]
        graph = selectors.lineage(model, up=depth, down=depth)
        nodes = [{"repo_id": m.repo_id, "depth": graph.depth[pk], "license": m.license, "is_stub": m.is_stub,
                  "url": f"/api/models/{m.repo_id}/"} for pk, m in graph.nodes.items()]
        nodes.sort(key=lambda n: (n["depth"], n["repo_id"].lower()))
        return Response(s.LineageSerializer({
            "model": graph.root.repo_id,
            "parents": [e for e in graph.edges if e.child_id == model.pk],
            "children": [e for e in graph.edges if e.parent_id == model.pk],
            "nodes": nodes, "edges": graph.edges, "truncated": graph.truncated,
        }).data)


class EdgeViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Lineage edges (``child`` made from ``parent``). Curators add (``catalog.add_lineageedge``) and
    remove (``catalog.delete_lineageedge``) them; a change re-runs scoring for the child (merge uplift)."""

    queryset = LineageEdge.objects.select_related("child", "parent").only(
        "id", "kind", "params", "confidence", "evidence", "source_document_id", "created_at",
        "child__id", "child__repo_id", "parent__id", "parent__repo_id")
    serializer_class = s.EdgeSerializer
    permission_classes = [CuratorOrReadOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = EdgeFilter
    pagination_class = SortedCursorPagination

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        return ("-id",)

    def perform_create(self, serializer: s.EdgeSerializer) -> None:
        super().perform_create(serializer)
        models_changed.send(sender=LineageEdge, model_ids=[serializer.instance.child_id], fields={"lineage"},
                            user=self.request.user)

    def perform_destroy(self, instance: LineageEdge) -> None:
        child_id = instance.child_id
        super().perform_destroy(instance)
        models_changed.send(sender=LineageEdge, model_ids=[child_id], fields={"lineage"}, user=self.request.user)


class DocumentViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Raw documents as received. The list is a summary; ``/api/documents/<id>/`` has the raw text,
    the parser's warnings and every fact parsed from it."""

    serializer_class = s.DocumentSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DocumentFilter
    pagination_class = SortedCursorPagination

    def get_queryset(self) -> QuerySet[SourceDocument]:
        if self.action == "list":
            return SourceDocument.objects.only(*s.DOCUMENT_SUMMARY_FIELDS)
        return SourceDocument.objects.all()

    def get_serializer_class(self) -> type:
        return s.DocumentSummarySerializer if self.action == "list" else s.DocumentSerializer

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        return ("-id",)

    def get_object(self) -> SourceDocument:
        try:
            pk = int(self.kwargs["pk"])
        except ValueError:
            raise NotFound("Document ids are integers.") from None
        document = selectors.document_detail(pk) if 0 < pk < 2 ** 63 else None
        if document is None:
            raise NotFound(f"There is no document {self.kwargs['pk']}.")
        return document


class ImportViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):
    """Import jobs. Signed-in users see their own jobs, staff see all.

    ``POST`` takes JSON — ``{"documents": [{"name", "content", "repo_id"}], "label"}`` or
    ``{"content": "...", "repo_id": ""}`` — or multipart ``files`` (plus optional ``text``/``repo_id``).
    It answers 202 with the job and its URL in ``Location``; poll that URL for progress
    (``processed`` of ``total``) and each document's outcome. Documents over
    ``MAX_DOCUMENT_BYTES`` or batches over ``MAX_BATCH_FILES`` are refused with the field at fault.
    """

    permission_classes = [CanImport]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends: list = []
    pagination_class = SortedCursorPagination

    def get_queryset(self) -> QuerySet[ImportJob]:
        jobs = selectors.import_jobs()
        user = self.request.user
        if not (user.is_authenticated and user.is_staff):
            jobs = jobs.filter(created_by=user) if user.is_authenticated else jobs.none()
        return jobs

    def get_serializer_class(self) -> type:
        return s.ImportJobSerializer if self.action == "list" else s.ImportJobDetailSerializer

    def get_cursor_ordering(self, request: Request, queryset: QuerySet) -> tuple[str, ...]:
        return ("-id",)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        job = self.get_object()
        return Response(s.ImportJobDetailSerializer(job, context={"items": selectors.import_items(job)}).data)

    @extend_schema(
        request={"application/json": s.ImportRequestSerializer, "multipart/form-data": s.ImportUploadSerializer},
        responses={202: OpenApiResponse(s.ImportJobDetailSerializer, description="Queued; poll `Location`.")},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if request.content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            documents, label = self._form_documents(request)
        else:
            payload = s.ImportRequestSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            documents, label = payload.document_inputs(), payload.validated_data["label"]
        try:
            job = create_import_job(documents, via=ImportJob.Via.API, user=request.user,
                                    label=label or f"API, {len(documents)} document(s)")
        except ImportFailed as exc:
            raise ValidationError({"documents": [exc.reason]}, code=exc.code) from exc
        job = selectors.import_job(job.pk)  # re-read: an eager worker may already have finished it
        body = s.ImportJobDetailSerializer(job, context={"items": selectors.import_items(job)}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @staticmethod
    def _form_documents(request: Request) -> tuple[list, str]:
        """Multipart uploads go through the HTML import page's own form, so both apply the same
        caps (files per batch, bytes per file) and the same repo id check."""
        files = request.FILES.getlist("files")
        # Size caps first, as 413s naming the file; the form then repeats them harmlessly.
        if len(files) > settings.MAX_BATCH_FILES:
            raise PayloadTooLarge({"files": [f"{len(files)} files; at most {settings.MAX_BATCH_FILES} per import."]})
        too_big = {f"files[{i}]": [f"{f.name} is {f.size:,} bytes; the limit is {settings.MAX_DOCUMENT_BYTES:,}."]
                   for i, f in enumerate(files) if f.size > settings.MAX_DOCUMENT_BYTES}
        if too_big:
            raise PayloadTooLarge(too_big)
        total = sum(f.size for f in files)
        if total > settings.MAX_BATCH_BYTES:
            raise PayloadTooLarge({"files": [f"The files add up to {total:,} bytes; one import takes at most "
                                             f"{settings.MAX_BATCH_BYTES:,}."]})
        data = request.data.copy()
        if "content" in data and "text" not in data:
            data["text"] = data["content"]  # the JSON body's name for the pasted document
        form = ImportForm(data, request.FILES)
        if not form.is_valid():
            raise ValidationError({("documents" if k == "__all__" else k): v for k, v in form.errors.items()})
        return form.documents(), str(data.get("label", ""))[:200]

