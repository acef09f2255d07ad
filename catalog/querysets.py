"""Named query shapes for catalog models; selectors compose these."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q


class LLMModelQuerySet(models.QuerySet):
    def real(self) -> LLMModelQuerySet:
        """Models with a document of their own (not only mentioned by others)."""
        return self.filter(is_stub=False)

    def moe(self, value: bool = True) -> LLMModelQuerySet:
        return self.filter(is_moe=value)

    def merged(self, value: bool = True) -> LLMModelQuerySet:
        from catalog.models import EdgeKind, LineageEdge

        merged = LineageEdge.objects.filter(child=OuterRef("pk"), kind__in=[EdgeKind.MERGE, EdgeKind.MOE_EXPERT])
        return self.filter(Exists(merged)) if value else self.exclude(Exists(merged))

    def params_between(self, low: float | None, high: float | None, *, active: bool = False) -> LLMModelQuerySet:
        field = "active_params_b" if active else "total_params_b"
        qs = self
        if low is not None:
            qs = qs.filter(**{f"{field}__gte": low})
        if high is not None:
            qs = qs.filter(**{f"{field}__lte": high})
        return qs

    def search(self, text: str) -> LLMModelQuerySet:
        """Ranked full-text search with a trigram fallback for partial names and typos."""
        text = (text or "").strip()[:200]
        if not text:
            return self
        query = SearchQuery(text, search_type="websearch", config="simple")
        return (
            self.annotate(
                rank=SearchRank(F("search_vector"), query),
                similarity=TrigramSimilarity("repo_id", text),
            )
            .filter(Q(search_vector=query) | Q(similarity__gt=0.25) | Q(repo_id__icontains=text))
            .order_by("-rank", "-similarity", "repo_id")
        )

    def with_counts(self) -> LLMModelQuerySet:
        return self.annotate(
            n_children=Count("child_edges", distinct=True),
            n_parents=Count("parent_edges", distinct=True),
        )


class SourceDocumentQuerySet(models.QuerySet):
    def current(self) -> SourceDocumentQuerySet:
        from catalog.models import DocumentStatus

        return self.filter(status=DocumentStatus.IMPORTED)
