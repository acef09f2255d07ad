"""Read queries for evals, shaped for pages and the API. Each returns a constant number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from catalog.models import LLMModel
from evals.models import ClaimCheck, EvalRun, Leaderboard, LeaderboardMember, MergeUplift, Result, ResultFlag, Score


def leaderboards() -> QuerySet[Leaderboard]:
    return Leaderboard.objects.filter(is_active=True).prefetch_related(
        Prefetch("members", queryset=LeaderboardMember.objects.select_related("benchmark").order_by("position"))
    )


def leaderboard_scores(board: Leaderboard) -> QuerySet[Score]:
    """Rows of one board with the model columns a table needs, in one query."""
    return Score.objects.filter(leaderboard=board).select_related("model", "model__organization").only(
        "id", "average", "rank", "complete", "completeness", "components", "reported_average", "verification",
        "flag_count", "computed_at", "model_id", "leaderboard_id",
        "model__repo_id", "model__name", "model__family", "model__architecture", "model__is_moe",
        "model__total_params_b", "model__active_params_b", "model__license", "model__release_date",
        "model__context_length", "model__organization__slug",
    )


def model_scores(model: LLMModel) -> list[Score]:
    return list(Score.objects.filter(model=model).select_related("leaderboard").order_by("leaderboard__position"))


def model_runs(model: LLMModel) -> list[EvalRun]:
    """Every run about the model with its results, benchmark names, claim checks and document."""
    return list(
        EvalRun.objects.filter(model=model)
        .select_related("source_document")
        .prefetch_related(
            Prefetch("results", queryset=Result.objects.select_related("benchmark").order_by("benchmark__key",
                                                                                          "raw_name", "metric")),
            Prefetch("claim_checks", queryset=ClaimCheck.objects.order_by("aggregate")),
        )
        .order_by("third_party_claim", "source", "-created_at")
    )


def model_flags(model: LLMModel) -> list[ResultFlag]:
    return list(ResultFlag.objects.filter(model=model).select_related("benchmark"))


def compare_scores(models: list[LLMModel]) -> dict[int, dict[str, Score]]:
    """{model_id: {leaderboard_slug: Score}} for a compare page, in one query."""
    out: dict[int, dict[str, Score]] = {m.pk: {} for m in models}
    for score in Score.objects.filter(model__in=models).select_related("leaderboard"):
        out[score.model_id][score.leaderboard.slug] = score
    return out


def merges_beating_parents() -> QuerySet[MergeUplift]:
    return MergeUplift.objects.filter(beats_all_parents=True).select_related("model", "leaderboard").order_by(
        "-vs_best_parent"
    )


def uplifts() -> QuerySet[MergeUplift]:
    return MergeUplift.objects.select_related("model", "leaderboard")
