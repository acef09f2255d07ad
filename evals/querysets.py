"""Named query shapes for eval models."""

from __future__ import annotations

from django.db import models


class ResultQuerySet(models.QuerySet):
    def for_models(self, model_ids: list[int]) -> ResultQuerySet:
        return self.filter(run__model_id__in=model_ids)

    def scoring_rows(self) -> ResultQuerySet:
        """The flat shape the pure scoring rules consume."""
        return self.filter(benchmark__isnull=False).values_list(
            "run__model_id",
            "run_id",
            "benchmark__key",
            "metric",
            "shots",
            "value",
            "normalized",
            "run__source",
            "run__third_party_claim",
        )


class ScoreQuerySet(models.QuerySet):
    def board(self, slug: str) -> ScoreQuerySet:
        return self.filter(leaderboard__slug=slug)

    def ranked(self) -> ScoreQuerySet:
        return self.filter(average__isnull=False).order_by("rank", "-average", "model__repo_id")

    def verified_only(self) -> ScoreQuerySet:
        return self.filter(verification="verified")

    def unflagged(self) -> ScoreQuerySet:
        return self.filter(flag_count=0)
