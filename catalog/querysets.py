"""Named query shapes for catalog models; selectors compose these."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity
from django.db import connections, models
from django.db.models import Count, Exists, F, Lookup, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy

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


# Past this many typo matches the ids are not sent back as a list: the trigram predicate is
# repeated instead (a typo of a text matching thousands of repo ids is not a typo).
MAX_TYPO_IDS = 1000


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

        Which arm applies is settled first by a probe (see ``_exact_exists``; a second query,
        ``_typo_ids``, when the typo arm runs), so the filter below is a plain predicate on the
        model table: the exact predicate, or the few ids the typo arm found. The former
        single-statement shape, ``id IN (exact ids UNION ALL gated typo ids)``, made PostgreSQL
        collect every matching id and then look each row up again by primary key, which for a
        broad word cost more than the search itself.

        Order: rank, then trigram similarity of the repo id to the text, then repo id. Similarity
        is an ORDER BY term, not a selected column: the API pages by (rank, repo id) and never
        computes it (it costs ~8 microseconds a row, 130 ms over a broad word's 15,000 matches),
        and the catalog page computes it only for the rows that tie near its page
        (``catalog.selectors.RelevanceRows``, which finds the text again with ``relevance_text``).
        """
        text = (text or "").strip()[:200]
        if not text:
            return self
        query = SearchQuery(text, search_type="websearch", config="simple")
        exact = Q(search_vector=query)
        # Repo ids never contain whitespace (validate_repo_id), so a multi-word text skips the
        # substring arm: its trigram index scan and rechecks could not find anything.
        substring = not any(char.isspace() for char in text)
        if substring:
            exact |= Q(ContainsIgnoringCase(F("repo_id"), text))
        typo_ids = None if self._exact_exists(text, substring=substring) else self._typo_ids(text)
        if typo_ids is None:
            matched = exact
        elif len(typo_ids) <= MAX_TYPO_IDS:
            matched = Q(pk__in=typo_ids)
        else:  # a list this long is no longer cheaper than the predicate itself
            matched = Q(repo_id__trigram_similar=text)
        return (
            self.annotate(rank=SearchRank(F("search_vector"), query))
            .filter(matched)
            .order_by("-rank", TrigramSimilarity("repo_id", text).desc(), "repo_id")
        )

    def _exact_exists(self, text: str, *, substring: bool) -> bool:
        """Whether the exact arm matches any model at all: an ``EXISTS ... LIMIT 1`` probe that
        stops at its first hit (0.1 ms), deciding between the exact and the typo arm.

        Written as SQL because building it through the ORM cost 0.4 ms of Python per search, more
        than the probe itself; it is the ``exact`` predicate of search() word for word (full text
        in the ``simple`` configuration, and the escaped ILIKE of ``contains_ci`` for one word),
        which a test holds equal to the ORM's answer.

        The probe ignores the other filters on purpose: the typo arm is for words the catalog does
        not contain at all, not for words the current filters happen to exclude.
        """
        table = connections[self.db].ops.quote_name(self.model._meta.db_table)
        sql = f"SELECT 1 FROM {table} WHERE search_vector @@ websearch_to_tsquery('simple'::regconfig, %s)"
        params = [text]
        if substring:
            sql += " OR repo_id::text ILIKE %s"
            params.append(f"%{connections[self.db].ops.prep_for_like_query(text)}%")
        with connections[self.db].cursor() as cursor:
            cursor.execute(f"{sql} LIMIT 1", params)
            return cursor.fetchone() is not None

    def _typo_ids(self, text: str) -> list[int]:
        """The ids of the typo arm's models, for a text the exact arm matches nowhere.

        Only without an exact hit does this second statement run: folding both into one made
        PostgreSQL plan the trigram scan on every search, a millisecond of planning for the common
        case that never runs it. The ids are fetched once, so the facet and page queries that
        follow filter by primary key instead of each repeating the trigram scan (~25 ms on the GiST
        index at 100,000 models, ~100 ms on the GIN one, whose ~17,000 candidates for "qwen2
        merge" were each rechecked against the wide heap row).
        """
        base = self.model._base_manager.using(self.db)
        return list(base.filter(repo_id__trigram_similar=text).order_by("pk").values_list("pk", flat=True))

    def with_counts(self) -> LLMModelQuerySet:
        return self.annotate(
            n_children=Count("child_edges", distinct=True),
            n_parents=Count("parent_edges", distinct=True),
        )


def relevance_text(queryset: QuerySet) -> str | None:
    """The search text when ``queryset`` is still in ``LLMModelQuerySet.search``'s relevance order
    (rank, trigram similarity of the repo id to the text, repo id), else None (another sort, or no
    search). Read back from the order itself, so it cannot disagree with what search() set."""
    order = queryset.query.order_by
    if len(order) != 3 or order[0] != "-rank" or order[2] != "repo_id":
        return None
    similarity = order[1].expression if isinstance(order[1], OrderBy) and order[1].descending else None
    if not isinstance(similarity, TrigramSimilarity):
        return None
    column, text = similarity.get_source_expressions()
    return text.value if isinstance(column, F) and column.name == "repo_id" else None


class SourceDocumentQuerySet(models.QuerySet):
    def current(self) -> SourceDocumentQuerySet:
        from catalog.models import DocumentStatus

        return self.filter(status=DocumentStatus.IMPORTED)
