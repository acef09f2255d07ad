"""Named query shapes for catalog models; selectors compose these."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity
from django.db import models
from django.db.models import Count, Exists, F, Lookup, OuterRef, Q

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler


class ContainsIgnoringCase(Lookup):
    """``lhs ILIKE '%text%'``. Django's ``icontains`` compiles to ``UPPER(lhs) LIKE UPPER(...)`` on
    PostgreSQL, which no index answers; ILIKE on the bare column is answered by a GIN trigram
    index on it (``llmmodel_repo_trgm``). The right-hand side is the raw text, escaped here."""

    lookup_name = "contains_ci"
    prepare_rhs = False

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        pattern = f"%{connection.ops.prep_for_like_query(self.rhs)}%"
        return f"{lhs}::text ILIKE %s", [*lhs_params, pattern]


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
        """Ranked full-text search, with a trigram fallback for typos.

        Matches are the full-text hits plus the repo ids containing the text (both answered by GIN
        indexes: ``search_vector`` and the trigram index on ``repo_id``). Only when those find
        nothing does the typo arm run: ``repo_id % text`` (pg_trgm similarity above
        ``pg_trgm.similarity_threshold``, 0.25, set on every connection in settings).

        Which arm applies is settled first by one ``EXISTS ... LIMIT 1`` probe (well under a
        millisecond: it stops at the first hit), so the filter below is a plain predicate on the
        model table. The former single-statement shape, ``id IN (exact ids UNION ALL gated typo
        ids)``, made PostgreSQL collect every matching id and then look each row up again by primary
        key: for a broad word (``mistral``, 15% of 100,000 models) that second pass cost more than
        the search itself, in both the facet and the page query. A single ``exact OR (typo AND NOT
        EXISTS exact)`` predicate is no better: for narrow words the planner ORs the three index
        scans and the fuzzy one drags in tens of thousands of candidate rows to recheck.
        """
        text = (text or "").strip()[:200]
        if not text:
            return self
        query = SearchQuery(text, search_type="websearch", config="simple")
        exact = Q(search_vector=query)
        if not any(char.isspace() for char in text):
            # Repo ids never contain whitespace (validate_repo_id), so a multi-word text skips the
            # substring arm: its trigram index scan and rechecks could not find anything.
            exact |= Q(ContainsIgnoringCase(F("repo_id"), text))
        # The probe ignores the other filters on purpose: the typo arm is for words the catalog does
        # not contain at all, not for words the current filters happen to exclude.
        found = self.model._base_manager.filter(exact).exists()
        return (
            self.annotate(
                rank=SearchRank(F("search_vector"), query),
                similarity=TrigramSimilarity("repo_id", text),
            )
            .filter(exact if found else Q(repo_id__trigram_similar=text))
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
