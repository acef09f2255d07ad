"""Evals API representations."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import LLMModel
from evals.models import Benchmark, EvalRun, Leaderboard, LeaderboardMember, MergeUplift, Result, Score, ScoringJob


class BenchmarkSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = Benchmark
        fields = ["key", "name", "suite", "metric", "default_shots", "higher_is_better", "random_baseline", "scale",
                  "parent", "description", "url"]


class MemberSerializer(serializers.ModelSerializer):
    benchmark = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = LeaderboardMember
        fields = ["benchmark", "metric", "shots", "alt_metrics", "weight"]


class LeaderboardSerializer(serializers.ModelSerializer):
    members = MemberSerializer(many=True, read_only=True)
    rows_url = serializers.SerializerMethodField()

    class Meta:
        model = Leaderboard
        fields = ["slug", "name", "version", "description", "averaging", "members", "rows_url"]

    def get_rows_url(self, obj: Leaderboard) -> str:
        return f"/api/leaderboards/{obj.slug}/"


class ScoreRowSerializer(serializers.Serializer):
    """One leaderboard row; built from ``values()`` rows, no model instances."""

    rank = serializers.IntegerField(allow_null=True)
    model = serializers.CharField(source="model__repo_id")
    average = serializers.FloatField(allow_null=True)
    complete = serializers.BooleanField()
    completeness = serializers.FloatField()
    components = serializers.DictField(child=serializers.FloatField())
    verification = serializers.CharField()
    reported_average = serializers.FloatField(allow_null=True)
    flag_count = serializers.IntegerField()
    total_params_b = serializers.FloatField(source="model__total_params_b", allow_null=True)
    active_params_b = serializers.FloatField(source="model__active_params_b", allow_null=True)
    is_moe = serializers.BooleanField(source="model__is_moe")
    license = serializers.CharField(source="model__license")
    family = serializers.CharField(source="model__family")


ROW_FIELDS = ("id", "rank", "model__repo_id", "average", "complete", "completeness", "components", "verification",
              "reported_average", "flag_count", "model__total_params_b", "model__active_params_b", "model__is_moe",
              "model__license", "model__family")


class ScoreSerializer(serializers.ModelSerializer):
    model = serializers.SlugRelatedField(slug_field="repo_id", read_only=True)
    leaderboard = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Score
        fields = ["model", "leaderboard", "average", "rank", "complete", "completeness", "components",
                  "reported_average", "verification", "flag_count", "computed_at"]


class ResultSerializer(serializers.ModelSerializer):
    benchmark = serializers.SlugRelatedField(slug_field="key", queryset=Benchmark.objects.all(), allow_null=True)

    class Meta:
        model = Result
        fields = ["id", "run", "benchmark", "raw_name", "metric", "shots", "value", "raw_value", "raw_scale", "stderr",
                  "normalized"]

    def validate(self, attrs: dict) -> dict:
        scale = attrs.get("raw_scale")
        value = attrs.get("value")
        if scale == 100.0 and value is not None and not 0 <= value <= 100:
            raise serializers.ValidationError({"value": "A percentage must be between 0 and 100."})
        if not attrs.get("raw_name") and attrs.get("benchmark"):
            attrs["raw_name"] = attrs["benchmark"].key
        return attrs


class RunSerializer(serializers.ModelSerializer):
    model = serializers.SlugRelatedField(slug_field="repo_id", queryset=LLMModel.objects.all())
    results = ResultSerializer(many=True, read_only=True)

    class Meta:
        model = EvalRun
        fields = ["id", "model", "source", "label", "leaderboard_hint", "harness", "harness_version", "run_date",
                  "source_document", "self_reported", "third_party_claim", "stated_averages", "details_url",
                  "created_at", "results"]
        read_only_fields = ["source_document", "third_party_claim", "created_at"]


class UpliftSerializer(serializers.ModelSerializer):
    model = serializers.SlugRelatedField(slug_field="repo_id", read_only=True)
    leaderboard = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = MergeUplift
        fields = ["model", "leaderboard", "method", "vs_best_parent", "vs_mean_parents", "vs_base", "beats_all_parents",
                  "per_benchmark", "parents", "computed_at"]


class ScoringJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoringJob
        fields = ["id", "status", "trigger", "model_ids", "total", "processed", "scores_written", "scores_unchanged",
                  "errors", "created_at", "started_at", "finished_at"]
        read_only_fields = ["status", "trigger", "total", "processed", "scores_written", "scores_unchanged", "errors",
                            "created_at", "started_at", "finished_at"]
