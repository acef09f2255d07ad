"""Curator admin for benchmarks, leaderboards, runs/results, scores and scoring jobs."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from evals.models import (
    Benchmark,
    ClaimCheck,
    EvalRun,
    Leaderboard,
    LeaderboardMember,
    MergeUplift,
    Result,
    ResultFlag,
    Score,
    ScoringJob,
)


@admin.register(Benchmark)
class BenchmarkAdmin(SimpleHistoryAdmin):
    list_display = ("key", "name", "suite", "metric", "default_shots", "random_baseline", "parent")
    list_filter = ("suite",)
    search_fields = ("key", "name")
    autocomplete_fields = ("parent",)


class LeaderboardMemberInline(admin.TabularInline):
    model = LeaderboardMember
    extra = 0
    autocomplete_fields = ("benchmark",)


@admin.register(Leaderboard)
class LeaderboardAdmin(SimpleHistoryAdmin):
    list_display = ("slug", "name", "version", "averaging", "is_active")
    search_fields = ("slug", "name")
    inlines = (LeaderboardMemberInline,)
    actions = ("rescore",)

    @admin.action(description="Rescore the whole catalog")
    def rescore(self, request: HttpRequest, queryset) -> None:
        from evals.services.scoring import request_scoring

        job = request_scoring(model_ids=None, trigger=ScoringJob.Trigger.MANUAL, user=request.user)
        self.message_user(request, f"Scoring job #{job.pk} queued.", messages.SUCCESS)


class ResultInline(admin.TabularInline):
    model = Result
    extra = 0
    autocomplete_fields = ("benchmark",)
    fields = ("benchmark", "raw_name", "metric", "shots", "value", "raw_value", "raw_scale", "stderr", "normalized")


class ClaimCheckInline(admin.TabularInline):
    model = ClaimCheck
    extra = 0
    can_delete = False
    readonly_fields = ("aggregate", "stated", "recomputed", "delta", "tolerance", "status", "n_components")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(EvalRun)
class EvalRunAdmin(SimpleHistoryAdmin):
    list_display = ("model", "label", "source", "leaderboard_hint", "self_reported", "third_party_claim", "created_at")
    list_filter = ("source", "leaderboard_hint", "self_reported", "third_party_claim")
    search_fields = ("model__repo_id", "label")
    autocomplete_fields = ("model", "source_document")
    list_select_related = ("model",)
    inlines = (ResultInline, ClaimCheckInline)
    actions = ("rescore_models",)

    @admin.action(description="Rescore the models of the selected runs")
    def rescore_models(self, request: HttpRequest, queryset) -> None:
        from evals.services.scoring import request_scoring

        ids = sorted(set(queryset.values_list("model_id", flat=True)))
        job = request_scoring(model_ids=ids, trigger=ScoringJob.Trigger.MANUAL, user=request.user)
        self.message_user(request, f"Scoring job #{job.pk} queued for {len(ids)} model(s).", messages.SUCCESS)


@admin.register(Result)
class ResultAdmin(SimpleHistoryAdmin):
    list_display = ("run", "benchmark", "metric", "shots", "value", "stderr", "normalized")
    list_filter = ("benchmark__suite", "metric", "normalized")
    search_fields = ("run__model__repo_id", "raw_name")
    autocomplete_fields = ("run", "benchmark")
    list_select_related = ("run__model", "benchmark")


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ("model", "leaderboard", "average", "rank", "complete", "verification", "flag_count", "computed_at")
    list_filter = ("leaderboard", "complete", "verification")
    search_fields = ("model__repo_id",)
    autocomplete_fields = ("model",)
    list_select_related = ("model", "leaderboard")
    readonly_fields = ("computed_at",)


@admin.register(ResultFlag)
class ResultFlagAdmin(admin.ModelAdmin):
    list_display = ("model", "kind", "benchmark", "metric", "message")
    list_filter = ("kind",)
    search_fields = ("model__repo_id", "message")
    list_select_related = ("model", "benchmark")


@admin.register(MergeUplift)
class MergeUpliftAdmin(admin.ModelAdmin):
    list_display = ("model", "method", "vs_best_parent", "vs_mean_parents", "vs_base", "beats_all_parents")
    list_filter = ("method", "beats_all_parents")
    search_fields = ("model__repo_id",)
    list_select_related = ("model",)


@admin.register(ScoringJob)
class ScoringJobAdmin(admin.ModelAdmin):
    list_display = ("__str__", "trigger", "status", "scores_written", "scores_unchanged", "created_at", "finished_at")
    list_filter = ("status", "trigger")
    readonly_fields = [f.name for f in ScoringJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
