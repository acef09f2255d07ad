"""Catalog API representations and write validation (field checks only; no business logic)."""

from __future__ import annotations

from typing import Any

import orjson
from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api_support import LookupField

from catalog.models import (
    ImportItem,
    ImportJob,
    LineageEdge,
    LLMModel,
    MergeRecipe,
    Organization,
    QuantizedVariant,
    SourceDocument,
)
from catalog.services.imports import DocumentInput
from catalog.services.lineage import cycle_error
from catalog.services.models import normalize_repo_id

MAX_EDGE_PARAMS_BYTES = 10_000


class OrganizationSerializer(serializers.ModelSerializer):
    models_url = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["id", "slug", "name", "url", "description", "models_url"]

    def get_models_url(self, obj: Organization) -> str:
        return f"/api/models/?organization={obj.slug}"


class ModelListSerializer(serializers.ModelSerializer):
    """Only columns the list query loads (catalog.selectors.LIST_FIELDS): no per-row queries."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = LLMModel
        fields = ["id", "repo_id", "url", "name", "family", "architecture", "is_moe", "total_params_b",
                  "active_params_b", "context_length", "license", "release_date", "downloads", "result_count",
                  "summary", "updated_at"]

    def get_url(self, obj: LLMModel) -> str:
        return f"/api/models/{obj.repo_id}/"


# The list endpoint's rows come from ``values()`` through ``model_row``, which builds exactly what
# ModelListSerializer would (that class still documents the shape in the schema, and a test holds
# the two equal): DRF's per-field serializer machinery cost ~200 microseconds a row, a third of the
# CPU of a 50-row search page.
MODEL_ROW_VALUES = ("id", "repo_id", "name", "family", "architecture", "is_moe", "total_params_b", "active_params_b",
                    "context_length", "license", "release_date", "downloads", "result_count", "summary", "updated_at")


_DATETIME = serializers.DateTimeField()  # ModelListSerializer's field for updated_at, unbound


def model_row(row: dict[str, Any]) -> dict[str, Any]:
    """A ``values(*MODEL_ROW_VALUES)`` row as ModelListSerializer represents the model."""
    released, updated = row["release_date"], row["updated_at"]
    return {
        "id": row["id"], "repo_id": row["repo_id"], "url": f"/api/models/{row['repo_id']}/", "name": row["name"],
        "family": row["family"], "architecture": row["architecture"], "is_moe": row["is_moe"],
        "total_params_b": row["total_params_b"], "active_params_b": row["active_params_b"],
        "context_length": row["context_length"], "license": row["license"],
        "release_date": released.isoformat() if released is not None else None,
        "downloads": row["downloads"], "result_count": row["result_count"], "summary": row["summary"],
        "updated_at": _DATETIME.to_representation(updated) if updated is not None else None,
    }


class EdgeSerializer(serializers.ModelSerializer):
    """A lineage edge: ``child`` was made from ``parent`` (both by repo id)."""

    child = LookupField(slug_field="repo_id", queryset=LLMModel.objects.all())
    parent = LookupField(slug_field="repo_id", queryset=LLMModel.objects.all())
    params = serializers.JSONField(required=False, help_text="Merge weight/density, expert role, quant level ...")

    class Meta:
        model = LineageEdge
        fields = ["id", "child", "parent", "kind", "params", "confidence", "evidence", "source_document"]
        read_only_fields = ["source_document"]
        # The duplicate check is in validate() so its error names a field; the database
        # constraint stays the last word (a race becomes 409).
        validators: list = []

    def validate_params(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        if len(orjson.dumps(value)) > MAX_EDGE_PARAMS_BYTES:
            raise serializers.ValidationError(f"At most {MAX_EDGE_PARAMS_BYTES:,} bytes of JSON.")
        return value

    def validate(self, attrs: dict) -> dict:
        child, parent, kind = attrs.get("child"), attrs.get("parent"), attrs.get("kind")
        if child is not None and parent is not None and child.pk == parent.pk:
            raise serializers.ValidationError({"parent": "A model cannot be its own parent."}, code="self_loop")
        if child and parent and kind and LineageEdge.objects.filter(child=child, parent=parent, kind=kind).exists():
            raise serializers.ValidationError({"parent": f"{child} already has a {kind} edge from {parent}."},
                                              code="duplicate")
        if child and parent and (message := cycle_error(child.pk, parent.pk)):
            raise serializers.ValidationError({"parent": message}, code="cycle")
        return attrs


class RecipeSerializer(serializers.ModelSerializer):
    base_model = serializers.SlugRelatedField(slug_field="repo_id", read_only=True, allow_null=True)

    class Meta:
        model = MergeRecipe
        fields = ["step", "tool", "method", "base_model", "dtype", "gate_mode", "experts_per_token", "parameters",
                  "parsed_config", "raw_config", "source_document"]


class VariantSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuantizedVariant
        fields = ["format", "level", "bits_per_weight", "file_size_bytes", "repo_id", "quantizer", "stated_vram_gb",
                  "stated_quality_pct", "source_document"]


class DocumentSummarySerializer(serializers.ModelSerializer):
    """Columns loaded by the document list and by the model detail's prefetch."""

    url = serializers.SerializerMethodField()
    warning_count = serializers.SerializerMethodField()

    class Meta:
        model = SourceDocument
        fields = ["id", "url", "kind", "origin", "status", "imported_at", "warning_count"]

    def get_url(self, obj: SourceDocument) -> str:
        return f"/api/documents/{obj.pk}/"

    def get_warning_count(self, obj: SourceDocument) -> int:
        return len(obj.warnings or [])


DOCUMENT_SUMMARY_FIELDS = ("id", "kind", "origin", "status", "imported_at", "warnings", "model_id")


class ModelDetailSerializer(serializers.ModelSerializer):
    """One model with its lineage, merge recipes, quantized variants and documents (read), and
    the curated facts a curator may PATCH."""

    url = serializers.SerializerMethodField()
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    parents = EdgeSerializer(source="parent_edges", many=True, read_only=True)
    children = EdgeSerializer(source="child_edges", many=True, read_only=True)
    merge_recipes = RecipeSerializer(many=True, read_only=True)
    quantized_variants = VariantSerializer(many=True, read_only=True)
    documents = DocumentSummarySerializer(many=True, read_only=True)
    lineage_url = serializers.SerializerMethodField()

    class Meta:
        model = LLMModel
        fields = ["id", "repo_id", "url", "name", "organization", "family", "architecture", "is_moe", "num_experts",
                  "experts_per_token", "total_params_b", "active_params_b", "params_estimated", "layers", "kv_heads",
                  "attention_heads", "head_dim", "hidden_size", "context_length", "license", "license_name",
                  "release_date", "prompt_format", "prompt_template", "tags", "languages", "datasets", "downloads",
                  "summary", "result_count", "is_stub", "created_at", "updated_at", "lineage_url", "parents",
                  "children", "merge_recipes", "quantized_variants", "documents"]
        read_only_fields = ["repo_id", "params_estimated", "result_count", "is_stub", "created_at", "updated_at"]

    def get_url(self, obj: LLMModel) -> str:
        return f"/api/models/{obj.repo_id}/"

    def get_lineage_url(self, obj: LLMModel) -> str:
        return f"/api/models/{obj.repo_id}/lineage/"

    def validate(self, attrs: dict) -> dict:
        def current(name: str) -> Any:
            return attrs.get(name, getattr(self.instance, name, None))

        total, active = current("total_params_b"), current("active_params_b")
        if total is not None and active is not None and active > total + 0.05:
            raise serializers.ValidationError(
                {"active_params_b": f"Active parameters ({active}B) cannot exceed total parameters ({total}B)."})
        experts, per_token = current("num_experts"), current("experts_per_token")
        if experts and per_token and per_token > experts:
            raise serializers.ValidationError(
                {"experts_per_token": f"Cannot route to {per_token} experts; the model has {experts}."})
        if "total_params_b" in attrs or "active_params_b" in attrs:
            attrs["params_estimated"] = False  # a curator's number is a stated one, not a guess
        return attrs


class LineageNodeSerializer(serializers.Serializer):
    repo_id = serializers.CharField()
    depth = serializers.IntegerField(help_text="0 = the model; negative = ancestors; positive = descendants.")
    license = serializers.CharField()
    is_stub = serializers.BooleanField()
    url = serializers.CharField()


class LineageSerializer(serializers.Serializer):
    model = serializers.CharField()
    parents = EdgeSerializer(many=True, help_text="Edges from the model's direct parents.")
    children = EdgeSerializer(many=True, help_text="Edges to the model's direct children.")
    nodes = LineageNodeSerializer(many=True, help_text="Every model within `depth` generations.")
    edges = EdgeSerializer(many=True, help_text="Every edge among `nodes`.")
    truncated = serializers.BooleanField(help_text="The graph was cut at its node limit.")


class LineageQuerySerializer(serializers.Serializer):
    depth = serializers.IntegerField(default=1, min_value=1, max_value=3,
                                     help_text="Generations up and down to include in nodes/edges.")


class DocumentSerializer(serializers.ModelSerializer):
    """A raw document as received, with the facts parsed from it and the parser's warnings."""

    model = serializers.SlugRelatedField(slug_field="repo_id", read_only=True, allow_null=True)
    previous = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = SourceDocument
        fields = ["id", "kind", "origin", "status", "model", "content_hash", "size_bytes", "imported_at", "warnings",
                  "error", "previous", "parsed_facts", "raw_text"]


# ---------------------------------------------------------------------------
# Imports


class ImportItemSerializer(serializers.ModelSerializer):
    model = serializers.SlugRelatedField(slug_field="repo_id", read_only=True, allow_null=True)

    class Meta:
        model = ImportItem
        # Only the columns catalog.selectors.ITEM_FIELDS loads; never the document text.
        fields = ["position", "name", "status", "attempts", "error", "warnings", "model", "document"]


class ImportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    progress_percent = serializers.IntegerField(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ImportJob
        fields = ["id", "url", "status", "via", "label", "total", "processed", "succeeded", "unchanged",
                  "failed_count", "warnings_count", "progress_percent", "errors", "attempts", "created_by",
                  "created_at", "started_at", "finished_at"]

    def get_url(self, obj: ImportJob) -> str:
        return f"/api/imports/{obj.pk}/"


class ImportJobDetailSerializer(ImportJobSerializer):
    """The job with its items; the view passes the items (``catalog.selectors.import_items``: the first
    1,000, without their content) in the context rather than letting ``job.items`` load them all."""

    items = serializers.SerializerMethodField(help_text="Per-document outcome, in upload order.")
    items_truncated = serializers.SerializerMethodField(help_text="The job has more items than listed.")

    class Meta(ImportJobSerializer.Meta):
        fields = [*ImportJobSerializer.Meta.fields, "items", "items_truncated"]

    @extend_schema_field(ImportItemSerializer(many=True))
    def get_items(self, obj: ImportJob) -> list:
        return ImportItemSerializer(self.context["items"], many=True).data

    def get_items_truncated(self, obj: ImportJob) -> bool:
        return obj.total > len(self.context["items"])


def _check_size(value: str) -> str:
    size = len(value.encode("utf-8"))
    if size > settings.MAX_DOCUMENT_BYTES:
        raise serializers.ValidationError(
            f"The document is {size:,} bytes; the limit is {settings.MAX_DOCUMENT_BYTES:,}.", code="too_large")
    return value


def _check_repo_id(value: str) -> str:
    value = value.strip()
    if value and not normalize_repo_id(value):
        raise serializers.ValidationError("Enter a repo id of the form organization/name.", code="invalid_repo_id")
    return value


class ImportDocumentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=500, required=False, default="document")
    # DRF's CharField already refuses NUL characters and lone surrogates (PostgreSQL stores neither).
    content = serializers.CharField(trim_whitespace=False, validators=[_check_size],
                                    help_text="The document text: a model card, catalog page or lm-eval JSON.")
    repo_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                    validators=[_check_repo_id],
                                    help_text="Only needed when the document does not name its model.")


class ImportRequestSerializer(serializers.Serializer):
    """JSON body of ``POST /api/imports/``: a batch in ``documents`` or one document in ``content``."""

    # A ListField (not many=True) so that "not a list" is reported against 'documents' itself.
    documents = serializers.ListField(child=ImportDocumentInputSerializer(), required=False,
                                      max_length=settings.MAX_BATCH_FILES)
    content = serializers.CharField(trim_whitespace=False, required=False, validators=[_check_size])
    repo_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                    validators=[_check_repo_id])
    label = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("documents") and not attrs.get("content"):
            raise serializers.ValidationError(
                {"documents": "Give a list in 'documents', one document in 'content', or upload 'files'."},
                code="required")
        if attrs.get("documents") and attrs.get("content"):
            raise serializers.ValidationError({"content": "Give either 'documents' or 'content', not both."})
        return attrs

    def document_inputs(self) -> list[DocumentInput]:
        data = self.validated_data
        if data.get("content"):
            return [DocumentInput(name="document", content=data["content"], repo_id_hint=data["repo_id"])]
        return [DocumentInput(name=d["name"], content=d["content"], repo_id_hint=d["repo_id"])
                for d in data["documents"]]


class ImportUploadSerializer(serializers.Serializer):
    """Multipart body of ``POST /api/imports/`` (documentation only: the HTML import form validates it)."""

    files = serializers.ListField(child=serializers.FileField(), required=False,
                                  help_text=f"Up to {settings.MAX_BATCH_FILES} files, each at most "
                                            f"{settings.MAX_DOCUMENT_BYTES:,} bytes.")
    text = serializers.CharField(required=False, help_text="A pasted document (alias: content).")
    repo_id = serializers.CharField(required=False, allow_blank=True)
    label = serializers.CharField(required=False, allow_blank=True)


# ---------------------------------------------------------------------------
# Job requests (scoring and fit jobs take model ids)


MAX_JOB_MODELS = 100_000


class ModelIdsSerializer(serializers.Serializer):
    """Body of a rescore or refit request (scoring-jobs, fit-jobs). No ids, or [], means the whole catalog."""

    model_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2 ** 63 - 1),
                                      required=False, default=list, max_length=MAX_JOB_MODELS)

    def validate_model_ids(self, ids: list[int]) -> list[int]:
        ids = sorted(set(ids))
        known = set(LLMModel.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
        unknown = [i for i in ids if i not in known]
        if unknown:
            shown = ", ".join(map(str, unknown[:10])) + (" ..." if len(unknown) > 10 else "")
            raise serializers.ValidationError(f"Unknown model id(s): {shown}.", code="unknown_model")
        return ids

