"""Hardware API representations and query validation."""

from __future__ import annotations

from rest_framework import serializers

from evals.models import Leaderboard
from hardware.models import GPU, FitJob, FitRequirement, QuantizationFormat, Verdict
from hardware.services.fit import STANDARD_CONTEXTS

MAX_GPUS = 8  # the fit service's bound on n_gpus
KV_DTYPES = ("fp16", "q8_0", "q4_0")


class GPUSerializer(serializers.ModelSerializer):
    """A GPU. Curators add (``hardware.add_gpu``) and edit (``hardware.change_gpu``) cards."""

    memory_gb = serializers.FloatField(min_value=0.5, max_value=4096, help_text="Memory in GB (must be > 0).")
    bandwidth_gbs = serializers.FloatField(min_value=1, max_value=100_000, help_text="Memory bandwidth in GB/s.")
    fp16_tflops = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=100_000)
    release_year = serializers.IntegerField(required=False, allow_null=True, min_value=1990, max_value=2100)
    url = serializers.SerializerMethodField()

    class Meta:
        model = GPU
        fields = ["slug", "url", "name", "vendor", "memory_gb", "usable_memory_gb", "bandwidth_gbs", "fp16_tflops",
                  "memory_kind", "launch_price_usd", "form_factor", "release_year", "aliases"]
        read_only_fields = ["usable_memory_gb"]

    def get_url(self, obj: GPU) -> str:
        return f"/api/gpus/{obj.slug}/"

    def validate_slug(self, value: str) -> str:
        if self.instance is not None and value != self.instance.slug:
            raise serializers.ValidationError("A GPU's slug cannot change; links and fit queries use it.")
        return value


class QuantizationFormatSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuantizationFormat
        fields = ["name", "family", "bits_per_weight", "quality_retention", "standard", "description"]


class GPUModelSerializer(serializers.ModelSerializer):
    """A model a GPU runs: its best-quality fitting quantization at the context, and the speed bound."""

    model = serializers.CharField(source="model.repo_id")
    quant = serializers.CharField(source="quant.name")
    tokens_per_s = serializers.SerializerMethodField()

    class Meta:
        model = FitRequirement
        fields = ["model", "quant", "context", "weights_gb", "kv_gb", "overhead_gb", "total_gb", "tokens_per_s",
                  "estimated_architecture"]

    def get_tokens_per_s(self, obj: FitRequirement) -> float:
        return round(self.context["speed"](obj), 1)


class GPUModelsQuerySerializer(serializers.Serializer):
    context = serializers.ChoiceField(choices=STANDARD_CONTEXTS, default=4096)


class FitQuerySerializer(serializers.Serializer):
    """``/api/fit/`` parameters. The model, GPU and quantization are looked up by the view."""

    model = serializers.CharField(max_length=200, help_text="Repo id, e.g. mistralai/Mixtral-8x7B-v0.1.")
    gpu = serializers.CharField(max_length=100, required=False, help_text="GPU slug (see /api/gpus/).")
    memory_gb = serializers.FloatField(required=False, min_value=1, max_value=4096,
                                       help_text="Instead of a GPU: memory per card in GB (with bandwidth_gbs).")
    bandwidth_gbs = serializers.FloatField(required=False, min_value=10, max_value=100_000)
    quant = serializers.CharField(max_length=40, default="Q4_K_M", help_text="See /api/quantization-formats/.")
    context = serializers.IntegerField(required=False, min_value=1, max_value=2_000_000,
                                       help_text="Tokens; default: the model's context length.")
    n_gpus = serializers.IntegerField(default=1, min_value=1, max_value=MAX_GPUS)
    kv_dtype = serializers.ChoiceField(choices=KV_DTYPES, default="fp16")

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("gpu") and not (attrs.get("memory_gb") and attrs.get("bandwidth_gbs")):
            raise serializers.ValidationError({"gpu": "Give a GPU slug, or both memory_gb and bandwidth_gbs."},
                                              code="required")
        return attrs


class FitEstimateSerializer(serializers.Serializer):
    """The result of ``hardware.services.fit.estimate`` (documentation of its dict)."""

    model = serializers.CharField()
    gpu = serializers.CharField()
    quant = serializers.CharField()
    context = serializers.IntegerField()
    n_gpus = serializers.IntegerField()
    kv_dtype = serializers.CharField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    weights_gb = serializers.FloatField()
    kv_gb = serializers.FloatField()
    overhead_gb = serializers.FloatField()
    total_gb = serializers.FloatField()
    available_gb = serializers.FloatField()
    max_context = serializers.IntegerField(allow_null=True, help_text="Largest context that fits.")
    gpus_needed = serializers.IntegerField(allow_null=True)
    tokens_per_s_bound = serializers.FloatField(help_text="Memory-bandwidth upper bound on decode speed.")
    tokens_per_s = serializers.FloatField(help_text="Expected decode speed.")
    prefill_seconds_per_1k = serializers.FloatField(allow_null=True)
    prefill_seconds_full_context = serializers.FloatField(allow_null=True, required=False)
    gb_read_per_token = serializers.FloatField(required=False, help_text="Active weights + KV cache per token.")
    quality_retention = serializers.FloatField()
    estimated_fields = serializers.ListField(child=serializers.CharField(), required=False,
                                             help_text="Architecture facts estimated from the parameter count.")
    assumptions = serializers.ListField(child=serializers.CharField(), help_text="Every assumption, spelled out.")


class RecommendQuerySerializer(serializers.Serializer):
    gpu = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=MAX_GPUS,
                                help_text="GPU slugs; repeat for several cards (their memory and bandwidth add up).")
    memory_gb = serializers.FloatField(required=False, min_value=1, max_value=4096,
                                       help_text="Instead of GPUs: memory in GB (with bandwidth_gbs).")
    bandwidth_gbs = serializers.FloatField(required=False, min_value=10, max_value=100_000)
    context = serializers.IntegerField(default=8192, min_value=1, max_value=max(STANDARD_CONTEXTS),
                                       help_text="Tokens; answered from the stored matrix at the next stored "
                                                 f"context {STANDARD_CONTEXTS} at or above it.")
    min_tokens_per_s = serializers.FloatField(required=False, min_value=0, max_value=10_000)
    license = serializers.CharField(required=False, max_length=100, default="")
    leaderboard = serializers.CharField(max_length=60, default="open-llm-v1",
                                        help_text="Slug of the board whose average ranks the models.")
    limit = serializers.IntegerField(default=25, min_value=1, max_value=200)

    def validate_leaderboard(self, value: str) -> str:
        if not Leaderboard.objects.filter(slug=value, is_active=True).exists():
            raise serializers.ValidationError(f"Unknown leaderboard '{value}' (see /api/leaderboards/).",
                                              code="unknown")
        return value

    def validate(self, attrs: dict) -> dict:
        slugs = attrs.get("gpu") or []
        if slugs:
            gpus = {g.slug: g for g in GPU.objects.filter(slug__in=slugs)}
            missing = sorted(set(slugs) - set(gpus))
            if missing:
                raise serializers.ValidationError({"gpu": f"Unknown GPU slug(s): {', '.join(missing)}."},
                                                  code="unknown")
            # Tensor-parallel decode reads each card's share at once: memory and bandwidth add up.
            attrs["memory_gb"] = sum(gpus[slug].usable_memory_gb for slug in slugs)
            # Layer split across cards: one token visits each card in turn (harmonic mean, not sum).
            attrs["bandwidth_gbs"] = len(slugs) / sum(1 / gpus[slug].bandwidth_gbs for slug in slugs)
        elif not (attrs.get("memory_gb") and attrs.get("bandwidth_gbs")):
            raise serializers.ValidationError({"gpu": "Give GPU slugs, or both memory_gb and bandwidth_gbs."},
                                              code="required")
        return attrs


class RecommendationSerializer(serializers.Serializer):
    model = serializers.CharField()
    model_url = serializers.CharField()
    score = serializers.FloatField(allow_null=True, help_text="Average on the chosen leaderboard.")
    quant = serializers.CharField(help_text="Highest-quality quantization that fits.")
    memory_needed_gb = serializers.FloatField()
    tokens_per_s = serializers.FloatField()
    license = serializers.CharField()


class RecommendResponseSerializer(serializers.Serializer):
    memory_gb = serializers.FloatField()
    bandwidth_gbs = serializers.FloatField()
    context = serializers.IntegerField()
    leaderboard = serializers.CharField()
    results = RecommendationSerializer(many=True)


class FitJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = FitJob
        fields = ["id", "url", "status", "model_ids", "total", "processed", "progress_percent", "rows_written",
                  "errors", "created_at", "started_at", "finished_at"]

    def get_url(self, obj: FitJob) -> str:
        return f"/api/fit-jobs/{obj.pk}/"
