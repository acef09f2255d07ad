"""Hardware API representations and query validation."""

from __future__ import annotations

from rest_framework import serializers

from hardware.models import GPU, FitJob, QuantizationFormat
from hardware.services.fit import STANDARD_CONTEXTS


class GPUSerializer(serializers.ModelSerializer):
    class Meta:
        model = GPU
        fields = ["slug", "name", "vendor", "memory_gb", "usable_memory_gb", "bandwidth_gbs", "fp16_tflops",
                  "memory_kind", "launch_price_usd", "form_factor", "release_year", "aliases"]
        read_only_fields = ["usable_memory_gb"]


class QuantizationFormatSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuantizationFormat
        fields = ["name", "family", "bits_per_weight", "quality_retention", "standard", "description"]


class FitQuerySerializer(serializers.Serializer):
    model = serializers.CharField(max_length=200, help_text="Repo id, e.g. mistralai/Mixtral-8x7B-v0.1")
    gpu = serializers.CharField(max_length=100, required=False, help_text="GPU slug (see /api/gpus/).")
    memory_gb = serializers.FloatField(required=False, min_value=1, max_value=4096)
    bandwidth_gbs = serializers.FloatField(required=False, min_value=10, max_value=100_000)
    quant = serializers.CharField(max_length=40, default="Q4_K_M")
    context = serializers.IntegerField(required=False, min_value=1, max_value=2_000_000)
    n_gpus = serializers.IntegerField(default=1, min_value=1, max_value=8)
    kv_dtype = serializers.ChoiceField(choices=["fp16", "q8_0", "q4_0"], default="fp16")

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("gpu") and not (attrs.get("memory_gb") and attrs.get("bandwidth_gbs")):
            raise serializers.ValidationError({"gpu": "Give a GPU slug, or both memory_gb and bandwidth_gbs."})
        return attrs


class RecommendQuerySerializer(serializers.Serializer):
    gpu = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=8)
    memory_gb = serializers.FloatField(required=False, min_value=1, max_value=4096)
    bandwidth_gbs = serializers.FloatField(required=False, min_value=10, max_value=100_000)
    context = serializers.ChoiceField(choices=STANDARD_CONTEXTS, default=8192)
    min_tokens_per_s = serializers.FloatField(required=False, min_value=0, max_value=10_000)
    license = serializers.CharField(required=False, max_length=100, default="")
    leaderboard = serializers.ChoiceField(choices=["open-llm-v1", "open-llm-v2", "nous"], default="open-llm-v1")
    limit = serializers.IntegerField(default=25, min_value=1, max_value=200)

    def validate(self, attrs: dict) -> dict:
        slugs = attrs.get("gpu") or []
        if slugs:
            gpus = list(GPU.objects.filter(slug__in=slugs))
            missing = sorted(set(slugs) - {g.slug for g in gpus})
            if missing:
                raise serializers.ValidationError({"gpu": f"Unknown GPU slug(s): {', '.join(missing)}."})
            attrs["memory_gb"] = sum(g.usable_memory_gb for g in gpus)
            attrs["bandwidth_gbs"] = sum(g.bandwidth_gbs for g in gpus)
        elif not (attrs.get("memory_gb") and attrs.get("bandwidth_gbs")):
            raise serializers.ValidationError({"gpu": "Give GPU slugs, or both memory_gb and bandwidth_gbs."})
        return attrs


class FitJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = FitJob
        fields = ["id", "status", "model_ids", "total", "rows_written", "errors", "created_at", "started_at",
                  "finished_at"]
        read_only_fields = ["status", "total", "rows_written", "errors", "created_at", "started_at", "finished_at"]
