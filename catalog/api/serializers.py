"""Catalog API representations and write validation."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

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
from catalog.services.models import normalize_repo_id


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "slug", "name", "url", "description"]


class ModelListSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = LLMModel
        fields = ["id", "repo_id", "name", "url", "family", "architecture", "is_moe", "total_params_b",
                  "active_params_b", "context_length", "license", "release_date", "downloads", "result_count",
                  "is_stub", "updated_at"]

    def get_url(self, obj: LLMModel) -> str:
        return f"/api/models/{obj.repo_id}/"


class EdgeSerializer(serializers.ModelSerializer):
    child = serializers.SlugRelatedField(slug_field="repo_id", queryset=LLMModel.objects.all())
    parent = serializers.SlugRelatedField(slug_field="repo_id", queryset=LLMModel.objects.all())

    class Meta:
        model = LineageEdge
        fields = ["id", "child", "parent", "kind", "params", "confidence", "evidence", "source_document"]
        read_only_fields = ["source_document"]

    def validate(self, attrs: dict) -> dict:
        child, parent = attrs.get("child"), attrs.get("parent")
        if child is not None and parent is not None and child.pk == parent.pk:
            raise serializers.ValidationError({"parent": "A model cannot be its own parent."})
        kind = attrs.get("kind")
        if child and parent and kind and LineageEdge.objects.filter(child=child, parent=parent, kind=kind) \
                .exclude(pk=getattr(self.instance, "pk", None)).exists():
            raise serializers.ValidationError({"parent": "This edge already exists."})
        return attrs


class RecipeSerializer(serializers.ModelSerializer):
    base_model = serializers.SlugRelatedField(slug_field="repo_id", read_only=True)

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
    class Meta:
        model = SourceDocument
        fields = ["id", "kind", "origin", "status", "imported_at", "content_hash"]


class ModelDetailSerializer(ModelListSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    parents = EdgeSerializer(source="parent_edges", many=True, read_only=True)
    children = EdgeSerializer(source="child_edges", many=True, read_only=True)
    merge_recipes = RecipeSerializer(many=True, read_only=True)
    quantized_variants = VariantSerializer(many=True, read_only=True)
    documents = DocumentSummarySerializer(many=True, read_only=True)

    class Meta(ModelListSerializer.Meta):
        fields = [*ModelListSerializer.Meta.fields, "organization", "num_experts", "experts_per_token",
                  "params_estimated", "layers", "kv_heads", "attention_heads", "head_dim", "hidden_size",
                  "license_name", "prompt_format", "prompt_template", "tags", "languages", "datasets", "summary",
                  "parents", "children", "merge_recipes", "quantized_variants", "documents"]
        read_only_fields = ["repo_id", "result_count", "is_stub", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        total = attrs.get("total_params_b", getattr(self.instance, "total_params_b", None))
        active = attrs.get("active_params_b", getattr(self.instance, "active_params_b", None))
        if total is not None and active is not None and active > total + 0.05:
            raise serializers.ValidationError({"active_params_b": "Active parameters cannot exceed total parameters."})
        return attrs


class DocumentSerializer(serializers.ModelSerializer):
    model = serializers.SlugRelatedField(slug_field="repo_id", read_only=True)

    class Meta:
        model = SourceDocument
        fields = ["id", "kind", "origin", "status", "model", "content_hash", "size_bytes", "imported_at", "warnings",
                  "error", "previous", "parsed_facts", "raw_text"]


class ImportItemSerializer(serializers.ModelSerializer):
    model = serializers.SlugRelatedField(slug_field="repo_id", read_only=True)

    class Meta:
        model = ImportItem
        fields = ["position", "name", "status", "attempts", "error", "warnings", "model", "document"]


class ImportJobSerializer(serializers.ModelSerializer):
    items = ImportItemSerializer(many=True, read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = ["id", "url", "status", "via", "label", "total", "processed", "succeeded", "unchanged",
                  "failed_count", "warnings_count", "progress_percent", "errors", "attempts", "created_at",
                  "started_at", "finished_at", "items"]

    def get_url(self, obj: ImportJob) -> str:
        return f"/api/imports/{obj.pk}/"


class ImportDocumentInput(serializers.Serializer):
    name = serializers.CharField(max_length=500, required=False, default="document")
    content = serializers.CharField(max_length=settings.MAX_DOCUMENT_BYTES, trim_whitespace=False,
                                    allow_blank=False)
    repo_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_repo_id(self, value: str) -> str:
        if value and not normalize_repo_id(value):
            raise serializers.ValidationError("Enter a repo id of the form organization/name.")
        return value


class ImportRequestSerializer(serializers.Serializer):
    documents = ImportDocumentInput(many=True, required=False)
    content = serializers.CharField(max_length=settings.MAX_DOCUMENT_BYTES, trim_whitespace=False, required=False)
    repo_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    label = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict) -> dict:
        documents = attrs.get("documents") or []
        if attrs.get("content"):
            if attrs.get("repo_id") and not normalize_repo_id(attrs["repo_id"]):
                raise serializers.ValidationError({"repo_id": "Enter a repo id of the form organization/name."})
            documents = [*documents, {"name": "document", "content": attrs["content"],
                                      "repo_id": attrs.get("repo_id", "")}]
        if not documents:
            raise serializers.ValidationError({"documents": "Give 'documents' (a list) or 'content', or upload files."})
        if len(documents) > settings.MAX_BATCH_FILES:
            raise serializers.ValidationError({"documents": f"At most {settings.MAX_BATCH_FILES} documents per job."})
        attrs["documents"] = documents
        return attrs
