"""Catalog: organisations, models, lineage, merge recipes, quantized variants and
the raw documents every fact was imported from."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.jobs import Job
from catalog.querysets import LLMModelQuerySet, SourceDocumentQuerySet
from catalog.validators import validate_repo_id
from config.reversing import slot_url


class Organization(models.Model):
    slug = models.CharField(max_length=96, unique=True, help_text="The Hub namespace, e.g. mistralai.")
    name = models.CharField(max_length=200)
    url = models.URLField(blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        constraints = [models.UniqueConstraint(Lower("slug"), name="organization_slug_ci_unique")]

    def __str__(self) -> str:
        return self.name or self.slug

    def get_absolute_url(self) -> str:
        return reverse("catalog:model-list") + f"?organization={self.slug}"


def model_url(repo_id: str) -> str:
    """The model page's URL, as ``reverse("catalog:model-detail", ...)`` gives it (see config.reversing)."""
    return slot_url("catalog:model-detail", "repo_id", repo_id)


class LLMModel(models.Model):
    """An open model identified by its Hub repo id (``org/name``)."""

    repo_id = models.CharField(max_length=200, unique=True, validators=[validate_repo_id])
    name = models.CharField(max_length=200)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="models")
    family = models.CharField(max_length=64, blank=True, db_index=True)
    architecture = models.CharField(max_length=120, blank=True)
    is_moe = models.BooleanField(default=False, db_index=True)
    num_experts = models.PositiveSmallIntegerField(null=True, blank=True)
    experts_per_token = models.PositiveSmallIntegerField(null=True, blank=True)
    total_params_b = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0)], help_text="Total parameters in billions."
    )
    active_params_b = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0)], help_text="Parameters used per token (MoE)."
    )
    params_estimated = models.BooleanField(default=False, help_text="Counts were estimated from the name.")
    layers = models.PositiveSmallIntegerField(null=True, blank=True)
    kv_heads = models.PositiveSmallIntegerField(null=True, blank=True)
    attention_heads = models.PositiveSmallIntegerField(null=True, blank=True)
    head_dim = models.PositiveSmallIntegerField(null=True, blank=True)
    hidden_size = models.PositiveIntegerField(null=True, blank=True)
    context_length = models.PositiveIntegerField(null=True, blank=True)
    license = models.CharField(max_length=100, blank=True, db_index=True)
    license_name = models.CharField(max_length=200, blank=True)
    release_date = models.DateField(null=True, blank=True)
    prompt_format = models.CharField(max_length=40, blank=True)
    prompt_template = models.TextField(blank=True)
    tags = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    languages = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    datasets = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    downloads = models.PositiveBigIntegerField(null=True, blank=True)
    summary = models.TextField(blank=True)
    card_html = models.TextField(blank=True, help_text="Sanitized HTML rendered once at import.")
    result_count = models.PositiveIntegerField(
        default=0, db_index=True, help_text="Benchmark results on record (kept current by the scoring job)."
    )
    is_stub = models.BooleanField(
        default=False, help_text="Known only because another document names it (a parent, an expert, a claim)."
    )
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_vector", "card_html"])
    objects = LLMModelQuerySet.as_manager()

    class Meta:
        ordering = ["repo_id"]
        verbose_name = "model"
        constraints = [
            models.UniqueConstraint(Lower("repo_id"), name="llmmodel_repo_id_ci_unique"),
            models.CheckConstraint(
                condition=Q(total_params_b__isnull=True) | Q(total_params_b__gte=0), name="llmmodel_total_params_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(active_params_b__isnull=True)
                | Q(total_params_b__isnull=True)
                | Q(active_params_b__lte=F("total_params_b") + 0.05),
                name="llmmodel_active_lte_total",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="llmmodel_search_gin"),
            GinIndex(fields=["tags"], name="llmmodel_tags_gin"),
            GinIndex(name="llmmodel_repo_trgm", fields=["repo_id"], opclasses=["gin_trgm_ops"]),
            # The search's typo arm, ``repo_id % text``: a GiST leaf holds each repo id's trigrams, so
            # candidates are rejected in the index. The GIN index above (kept for the ILIKE substring
            # arm) yields every repo id sharing a few trigrams -- 17,000 for "qwen2 merge" -- and each is
            # rechecked against the wide heap row: ~100 ms against ~25 ms at 100,000 models.
            GistIndex(name="llmmodel_repo_trgm_gist", fields=["repo_id"], opclasses=["gist_trgm_ops"]),
            models.Index(fields=["total_params_b"], name="llmmodel_total_params_idx"),
            models.Index(fields=["-downloads"], name="llmmodel_downloads_idx"),
            # The home page's "recently updated" list walks this instead of sorting the catalog.
            models.Index(fields=["-updated_at", "-id"], name="llmmodel_updated_idx"),
            # Covers every column the home page's counts and size chart aggregate AND every column the
            # catalog's facet query reads (selectors.facets), so both are index-only scans of a few MB
            # instead of reads of the whole (wide: search vectors) table, for any filter on these columns.
            models.Index(fields=["is_stub", "is_moe", "total_params_b"],
                         include=["result_count", "family", "license", "id"], name="llmmodel_facets_idx"),
            # Leaderboards sort by a model column, biggest first with unknowns last, ties by repo id
            # (evals.filters.BOARD_SORTS). In that exact order PostgreSQL walks the models and stops at
            # the page (or the charts' 2,000 rows) instead of sorting all 100,000 models first.
            models.Index(F("total_params_b").desc(nulls_last=True), F("repo_id"), name="llmmodel_params_desc_idx"),
            models.Index(F("active_params_b").desc(nulls_last=True), F("repo_id"), name="llmmodel_active_desc_idx"),
            models.Index(F("release_date").desc(nulls_last=True), F("repo_id"), name="llmmodel_release_desc_idx"),
            # /api/models/ without a search pages by (downloads desc, repo id, id) through the cursor
            # paginator, which reads each column through COALESCE with a sentinel that sorts NULLs
            # last (config.api_support._annotate_keys). An index on exactly those expressions lets the
            # first page, and any cursor's page, walk the catalog in order and stop after 51 rows
            # instead of sorting 100,000 models (80 ms -> under 1 ms).
            models.Index(Coalesce(F("downloads"), Value(-(2 ** 62)), output_field=models.BigIntegerField()).desc(),
                         Coalesce(F("repo_id"), Value("\U0010ffff"), output_field=models.CharField()),
                         Coalesce(F("id"), Value(2 ** 62), output_field=models.BigIntegerField()),
                         condition=Q(is_stub=False), name="llmmodel_api_downloads_idx"),
        ]

    def __str__(self) -> str:
        return self.repo_id

    def get_absolute_url(self) -> str:
        return model_url(self.repo_id)

    def clean(self) -> None:
        if (
            self.active_params_b is not None
            and self.total_params_b is not None
            and self.active_params_b > self.total_params_b + 0.05
        ):
            raise ValidationError({"active_params_b": "Active parameters cannot exceed total parameters."})
        if self.experts_per_token and self.num_experts and self.experts_per_token > self.num_experts:
            raise ValidationError({"experts_per_token": "Cannot route to more experts than the model has."})

    @property
    def org_slug(self) -> str:
        return self.repo_id.split("/", 1)[0] if "/" in self.repo_id else ""


class EdgeKind(models.TextChoices):
    FINETUNE = "finetune", "Fine-tune"
    MERGE = "merge", "Merge"
    MOE_EXPERT = "moe_expert", "MoE expert"
    QUANTIZED = "quantized", "Quantization"
    ADAPTER = "adapter", "Adapter"


class LineageEdge(models.Model):
    """``child`` was made from ``parent``. Edges point from derived to source."""

    child = models.ForeignKey(LLMModel, on_delete=models.CASCADE, related_name="parent_edges")
    parent = models.ForeignKey(LLMModel, on_delete=models.CASCADE, related_name="child_edges")
    kind = models.CharField(max_length=16, choices=EdgeKind.choices)
    params = models.JSONField(default=dict, blank=True, help_text="weight, density, role, prompts ...")
    confidence = models.FloatField(default=1.0, validators=[MinValueValidator(0), MaxValueValidator(1)])
    evidence = models.CharField(max_length=200, blank=True)
    source_document = models.ForeignKey(
        "SourceDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="edges"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["child_id", "kind", "parent_id"]
        constraints = [
            models.UniqueConstraint(fields=["child", "parent", "kind"], name="lineage_edge_unique"),
            models.CheckConstraint(condition=~Q(child=F("parent")), name="lineage_edge_no_self_loop"),
            models.CheckConstraint(condition=Q(confidence__gte=0) & Q(confidence__lte=1), name="lineage_confidence_0_1"),
        ]
        indexes = [
            models.Index(fields=["parent", "kind"], name="lineage_parent_kind_idx"),
            # The few quantized edges, by parent: the quantisation facet reads them for any filter.
            models.Index(fields=["parent"], condition=Q(kind=EdgeKind.QUANTIZED),
                         name="lineage_quantized_parent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.child} <-{self.kind}- {self.parent}"

    def clean(self) -> None:
        if self.child_id and self.child_id == self.parent_id:
            raise ValidationError({"parent": "A model cannot be its own parent."})
        if self.child_id and self.parent_id:
            from catalog.services.lineage import cycle_error

            if message := cycle_error(self.child_id, self.parent_id):
                raise ValidationError({"parent": message})


class MergeRecipe(models.Model):
    model = models.ForeignKey(LLMModel, on_delete=models.CASCADE, related_name="merge_recipes")
    step = models.PositiveSmallIntegerField(default=0)
    tool = models.CharField(max_length=32, default="mergekit")
    method = models.CharField(max_length=40, db_index=True)
    base_model = models.ForeignKey(
        LLMModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Base model of the merge."
    )
    dtype = models.CharField(max_length=20, blank=True)
    gate_mode = models.CharField(max_length=20, blank=True)
    experts_per_token = models.PositiveSmallIntegerField(null=True, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    raw_config = models.TextField(help_text="The YAML as written in the card.")
    parsed_config = models.JSONField(default=dict, blank=True)
    source_document = models.ForeignKey(
        "SourceDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="merge_recipes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["model_id", "step"]
        constraints = [models.UniqueConstraint(fields=["model", "step"], name="merge_recipe_model_step_unique")]
        # The merge-method facet looks a search's models up by id and reads only the method.
        indexes = [models.Index(fields=["model"], include=["method"], name="merge_recipe_model_method_idx")]

    def __str__(self) -> str:
        return f"{self.model} {self.method} (step {self.step})"


class QuantFormat(models.TextChoices):
    GGUF = "GGUF", "GGUF"
    GPTQ = "GPTQ", "GPTQ"
    AWQ = "AWQ", "AWQ"
    EXL2 = "EXL2", "EXL2"
    FP16 = "FP16", "FP16"
    BF16 = "BF16", "BF16"
    FP8 = "FP8", "FP8"


class QuantizedVariant(models.Model):
    model = models.ForeignKey(LLMModel, on_delete=models.CASCADE, related_name="quantized_variants")
    format = models.CharField(max_length=8, choices=QuantFormat.choices)
    level = models.CharField(max_length=32, blank=True, help_text="Q4_K_M, 4bit-128g, 6.0bpw ...")
    bits_per_weight = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0.5), MaxValueValidator(32)])
    file_size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    repo_id = models.CharField(max_length=200, blank=True, help_text="Where the quantized files are published.")
    quantizer = models.CharField(max_length=100, blank=True)
    stated_vram_gb = models.FloatField(null=True, blank=True)
    stated_quality_pct = models.FloatField(null=True, blank=True)
    source_document = models.ForeignKey(
        "SourceDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="quantized_variants"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["model_id", "format", "level"]
        constraints = [
            models.UniqueConstraint(fields=["model", "format", "level", "repo_id"], name="quant_variant_unique"),
            models.CheckConstraint(
                condition=Q(bits_per_weight__isnull=True) | (Q(bits_per_weight__gte=0.5) & Q(bits_per_weight__lte=32)),
                name="quant_variant_bpw_range",
            ),
        ]
        # The quantisation facet looks a search's models up by id and reads only the format (the
        # unique constraint's index answers too, but its entries carry the repo id: twice the pages).
        indexes = [models.Index(fields=["model", "format"], name="quant_variant_model_format_idx")]

    def __str__(self) -> str:
        return f"{self.model} {self.format} {self.level}".strip()


class DocumentKind(models.TextChoices):
    MODEL_CARD = "model_card", "Model card"
    CATALOG_PAGE = "catalog_page", "Catalog page"
    LMEVAL_RESULTS = "lmeval_results", "lm-eval results"
    UNKNOWN = "unknown", "Unknown"


class DocumentStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    SUPERSEDED = "superseded", "Superseded by a newer version"
    FAILED = "failed", "Failed"


class SourceDocument(models.Model):
    """A raw document as received. Every imported fact points back to one of these."""

    kind = models.CharField(max_length=20, choices=DocumentKind.choices, default=DocumentKind.UNKNOWN)
    origin = models.CharField(max_length=500, blank=True, help_text="File name, upload name or API client.")
    content_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the raw text.")
    raw_text = models.TextField()
    size_bytes = models.PositiveIntegerField(default=0)
    model = models.ForeignKey(LLMModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents")
    status = models.CharField(max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.IMPORTED)
    parsed_facts = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    rendered_html = models.TextField(blank=True)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_versions")
    imported_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = SourceDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-imported_at"]
        indexes = [models.Index(fields=["model", "-imported_at"], name="document_model_recent_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.origin or self.content_hash[:12]}"

    def get_absolute_url(self) -> str:
        return slot_url("catalog:document-detail", "pk", self.pk)


class ImportJob(Job):
    """One import request: a batch of documents, processed by workers item by item."""

    class Via(models.TextChoices):
        COMMAND = "command", "Management command"
        UPLOAD = "upload", "Web upload"
        PASTE = "paste", "Pasted text"
        API = "api", "API"
        ADMIN = "admin", "Admin"

    via = models.CharField(max_length=16, choices=Via.choices, default=Via.COMMAND)
    label = models.CharField(max_length=200, blank=True)
    unchanged = models.PositiveIntegerField(default=0)
    warnings_count = models.PositiveIntegerField(default=0)

    class Meta(Job.Meta):
        pass

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.status}, {self.processed}/{self.total})"

    def get_absolute_url(self) -> str:
        return reverse("catalog:import-detail", kwargs={"pk": self.pk})


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    IMPORTED = "imported", "Imported"
    UPDATED = "updated", "Updated (new version)"
    UNCHANGED = "unchanged", "Unchanged"
    FAILED = "failed", "Failed"
    QUARANTINED = "quarantined", "Quarantined"


class ImportItem(models.Model):
    """One document inside an import job. Its text is stored so a lost worker loses nothing."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=500, blank=True)
    repo_id_hint = models.CharField(max_length=200, blank=True)
    content = models.TextField(blank=True)
    content_bytes = models.BinaryField(null=True, blank=True, help_text="Raw bytes when they were not valid text.")
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    document = models.ForeignKey(SourceDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    model = models.ForeignKey(LLMModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job_id", "position"]
        constraints = [models.UniqueConstraint(fields=["job", "position"], name="import_item_position_unique")]
        indexes = [models.Index(fields=["job", "status"], name="import_item_job_status_idx")]

    def __str__(self) -> str:
        return f"{self.name or 'document'} ({self.status})"
