"""Evals API representations and write validation (field checks only)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from config.api_support import LookupField

from catalog.models import LLMModel
from evals.models import (
    Benchmark,
    EvalRun,
    Leaderboard,
    LeaderboardMember,
    MergeUplift,
    Result,
    RunSource,
    Score,
    ScoringJob,
    VerificationStatus,
)

# Sources a person or client may give a run; the others are set by the importers only.
WRITABLE_SOURCES = (RunSource.API, RunSource.MANUAL)


class BenchmarkSerializer(serializers.ModelSerializer):
    parent = LookupField(slug_field="key", queryset=Benchmark.objects.all(), required=False,
                                          allow_null=True, help_text="Key of the suite this is a subtask of.")
    random_baseline = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=0.999999,
        help_text="Random-guess score as a 0-1 fraction, used for normalization.")
    scale = serializers.FloatField(required=False, allow_null=True, min_value=1e-9,
                                   help_text="100 for percentages; empty for unbounded scores (Elo).")

    class Meta:
        model = Benchmark
        fields = ["key", "name", "suite", "metric", "default_shots", "higher_is_better", "random_baseline", "scale",
                  "parent", "description", "url"]

    def validate_key(self, value: str) -> str:
        if self.instance is not None and value != self.instance.key:
            raise serializers.ValidationError("A benchmark's key cannot change; results refer to it.")
        return value

    def validate(self, attrs: dict) -> dict:
        parent = attrs.get("parent")
        if parent is not None and self.instance is not None and parent.pk == self.instance.pk:
            raise serializers.ValidationError({"parent": "A benchmark cannot be its own parent."})
        return attrs


class MemberSerializer(serializers.ModelSerializer):
    benchmark = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = LeaderboardMember
        fields = ["benchmark", "metric", "shots", "alt_metrics", "weight"]


class LeaderboardSerializer(serializers.ModelSerializer):
    members = MemberSerializer(many=True, read_only=True)
    rows_url = serializers.SerializerMethodField()
    csv_url = serializers.SerializerMethodField()

    class Meta:
        model = Leaderboard
        fields = ["slug", "name", "version", "description", "averaging", "members", "rows_url", "csv_url"]

    def get_rows_url(self, obj: Leaderboard) -> str:
        return f"/api/leaderboards/{obj.slug}/"

    def get_csv_url(self, obj: Leaderboard) -> str:
        return f"/api/leaderboards/{obj.slug}/export.csv"


class ScoreRowSerializer(serializers.Serializer):
    """One leaderboard row (documentation of ``evals.api.views.board_row``)."""

    rank = serializers.IntegerField(allow_null=True)
    model = serializers.CharField(help_text="Repo id.")
    model_url = serializers.CharField()
    average = serializers.FloatField(allow_null=True)
    components = serializers.DictField(child=serializers.FloatField(), help_text="Benchmark key -> score.")
    complete = serializers.BooleanField(help_text="Every member benchmark has a result.")
    completeness = serializers.FloatField(help_text="Share of member benchmarks with a result (0-1).")
    verification = serializers.ChoiceField(choices=VerificationStatus.choices,
                                           help_text="Whether the model's stated average was recomputed.")
    reported_average = serializers.FloatField(allow_null=True, help_text="The average the model's card states.")
    flag_count = serializers.IntegerField(help_text="Conflicting or implausible results behind this row.")
    flagged = serializers.BooleanField()
    total_params_b = serializers.FloatField(allow_null=True)
    active_params_b = serializers.FloatField(allow_null=True)
    is_moe = serializers.BooleanField()
    license = serializers.CharField()
    family = serializers.CharField()


class ScoreSerializer(serializers.ModelSerializer):
    model = serializers.SlugRelatedField(slug_field="repo_id", read_only=True)
    leaderboard = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Score
        fields = ["id", "model", "leaderboard", "average", "rank", "complete", "completeness", "components",
                  "reported_average", "verification", "flag_count", "computed_at"]


class RunResultSerializer(serializers.ModelSerializer):
    """A result nested in its run (no run/model columns: the run already says them)."""

    benchmark = serializers.SlugRelatedField(slug_field="key", read_only=True, allow_null=True)

    class Meta:
        model = Result
        fields = ["id", "benchmark", "raw_name", "metric", "shots", "value", "raw_value", "raw_scale", "stderr",
                  "normalized"]


class ResultSerializer(serializers.ModelSerializer):
    """A benchmark result with its provenance (its run). Curators add results to API/manual runs."""

    run = serializers.PrimaryKeyRelatedField(queryset=EvalRun.objects.only("id", "source", "model_id"))
    model = serializers.SlugRelatedField(source="run.model", slug_field="repo_id", read_only=True)
    benchmark = LookupField(
        slug_field="key", queryset=Benchmark.objects.all(), allow_null=True, required=False,
        error_messages={"does_not_exist": "Unknown benchmark key '{value}' (see /api/benchmarks/)."})
    metric = serializers.CharField(max_length=60, required=False,
                                   help_text="Defaults to the benchmark's metric.")
    value = serializers.FloatField(help_text="0-100 scale (Elo: the rating).")
    raw_value = serializers.FloatField(required=False,
                                       help_text="As written in the source; defaults to value.")
    raw_scale = serializers.FloatField(required=False, allow_null=True)
    stderr = serializers.FloatField(required=False, allow_null=True, min_value=0)

    class Meta:
        model = Result
        fields = ["id", "run", "model", "benchmark", "raw_name", "metric", "shots", "value", "raw_value",
                  "raw_scale", "stderr", "normalized"]
        validators: list = []  # uniqueness is checked in validate() so the error names a field

    def validate_run(self, run: EvalRun) -> EvalRun:
        if run.source not in WRITABLE_SOURCES:
            raise serializers.ValidationError(
                "Results can be added only to runs entered through the API or by hand; imported runs are "
                "replaced whenever their document is imported again.", code="imported_run")
        return run

    def validate(self, attrs: dict) -> dict:
        def current(name: str) -> Any:
            return attrs.get(name, getattr(self.instance, name, None))

        benchmark = current("benchmark")
        if not current("raw_name"):
            if benchmark is None:
                raise serializers.ValidationError({"benchmark": "Give a benchmark key or a raw_name."},
                                                  code="required")
            attrs["raw_name"] = benchmark.key
        if not current("metric"):
            if benchmark is None:
                raise serializers.ValidationError({"metric": "Required when no benchmark is given."},
                                                  code="required")
            attrs["metric"] = benchmark.metric
        if "value" in attrs and "raw_value" not in attrs and self.instance is None:
            attrs["raw_value"] = attrs["value"]
        value = current("value")
        scale = benchmark.scale if benchmark is not None else None
        if scale and value is not None and not 0 <= value <= scale:
            raise serializers.ValidationError({"value": f"{benchmark.key} scores lie between 0 and {scale:g}."},
                                              code="out_of_range")
        clash = Result.objects.filter(run=current("run"), raw_name=current("raw_name"), metric=current("metric"),
                                      shots=current("shots"))
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(
                {"metric": "This run already has a result for this benchmark, metric and shots."}, code="duplicate")
        return attrs


class RunSerializer(serializers.ModelSerializer):
    model = LookupField(slug_field="repo_id", queryset=LLMModel.objects.only("id", "repo_id"))
    source = serializers.ChoiceField(choices=RunSource.choices, default=RunSource.API,
                                     help_text="Clients may create 'api' or 'manual' runs.")
    stated_averages = serializers.DictField(child=serializers.FloatField(), required=False,
                                            help_text="Averages the source states, e.g. {'': 73.59}.")
    results = RunResultSerializer(many=True, read_only=True)

    class Meta:
        model = EvalRun
        fields = ["id", "model", "source", "label", "leaderboard_hint", "harness", "harness_version", "run_date",
                  "source_document", "self_reported", "third_party_claim", "stated_averages", "details_url",
                  "created_at", "results"]
        read_only_fields = ["source_document", "third_party_claim", "created_at"]

    def validate_source(self, value: str) -> str:
        if value not in WRITABLE_SOURCES:
            raise serializers.ValidationError(f"Runs created here have source 'api' or 'manual', not '{value}'.")
        return value


class UpliftSerializer(serializers.ModelSerializer):
    model = serializers.SlugRelatedField(slug_field="repo_id", read_only=True)
    leaderboard = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = MergeUplift
        fields = ["model", "leaderboard", "method", "vs_best_parent", "vs_mean_parents", "vs_base", "beats_all_parents",
                  "per_benchmark", "parents", "computed_at"]


class ScoringJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ScoringJob
        fields = ["id", "url", "status", "trigger", "model_ids", "total", "processed", "progress_percent",
                  "scores_written", "scores_unchanged", "errors", "created_at", "started_at", "finished_at"]

    def get_url(self, obj: ScoringJob) -> str:
        return f"/api/scoring-jobs/{obj.pk}/"
