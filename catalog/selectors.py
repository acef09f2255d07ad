"""Read queries for catalog pages. Each returns in a constant number of SQL queries,
whatever the size of the catalog, by composing the QuerySet methods of catalog.querysets."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from catalog.models import (
    EdgeKind,
    ImportItem,
    ImportJob,
    LineageEdge,
    LLMModel,
    MergeRecipe,
    Organization,
    QuantFormat,
    QuantizedVariant,
    SourceDocument,
)
from catalog.querysets import relevance_text
from config.jsonrows import instances, json_rows, set_prefetched
from config.sitecache.memo import memoized

# (label, low, high) in billions; both ends inclusive, exactly like the params_min/params_max
# filters the facet links set, so a facet's count is the number of rows its link shows.
PARAM_BUCKETS: tuple[tuple[str, float | None, float | None], ...] = (
    ("up to 3B", None, 3), ("3–9B", 3, 9), ("9–20B", 9, 20), ("20–40B", 20, 40), ("40–80B", 40, 80),
    ("80B and more", 80, None),
)
LIST_FIELDS = ("id", "repo_id", "name", "family", "architecture", "is_moe", "total_params_b", "active_params_b",
               "context_length", "license", "downloads", "result_count", "release_date", "updated_at", "summary",
               "organization_id", "is_stub", "params_estimated")
# Lineage nodes never need the card text or search vector: leave the big columns in the database.
NODE_FIELDS = ("id", "repo_id", "name", "license", "total_params_b", "active_params_b", "is_moe", "is_stub", "family")


# ---------------------------------------------------------------------------
# Home


def home_summary() -> tuple[dict[str, int], list[tuple[str, int, int]]]:
    """The home page's catalog counts and its size chart rows, (bucket label, dense, MoE) over
    documented models, from ONE grouped query over the model table.

    It groups by (is_stub, is_moe, total_params_b) -- exactly the key of ``llmmodel_facets_idx``,
    which also carries result_count -- so PostgreSQL streams an index-only scan of a few MB into
    one row per distinct size (dozens, not 100,000), and the buckets are summed here. Buckets
    share their boundary values (both ends inclusive, like the filters), so a model of exactly
    9B counts in two, which a SQL CASE could not express. COUNT(*), not COUNT(id): the id is not in
    the index, and reading it would mean the whole table again. Exact: right once an import commits.
    """
    groups = (LLMModel.objects.order_by().values("is_stub", "is_moe", "total_params_b")
              .annotate(n=Count("*"), results=Sum("result_count")))
    counts = {"models": 0, "referenced": 0, "results": 0}
    dense = [0] * len(PARAM_BUCKETS)
    moe = [0] * len(PARAM_BUCKETS)
    unknown = {False: 0, True: 0}
    for group in groups:
        counts["referenced" if group["is_stub"] else "models"] += group["n"]
        counts["results"] += group["results"] or 0
        if group["is_stub"]:
            continue
        size = group["total_params_b"]
        if size is None:
            unknown[group["is_moe"]] += group["n"]
            continue
        tally = moe if group["is_moe"] else dense
        for index, (_label, low, high) in enumerate(PARAM_BUCKETS):
            if (low is None or size >= low) and (high is None or size <= high):
                tally[index] += group["n"]
    counts.update(organizations=Organization.objects.count(), documents=SourceDocument.objects.count(),
                  edges=LineageEdge.objects.count())
    sizes = [(label, dense[i], moe[i]) for i, (label, _lo, _hi) in enumerate(PARAM_BUCKETS)]
    if unknown[False] or unknown[True]:
        sizes.append(("size not stated", unknown[False], unknown[True]))
    return counts, sizes


def recent_imports(n: int = 8) -> list[ImportJob]:
    return list(ImportJob.objects.select_related("created_by").order_by("-created_at")[:n])


def recently_updated(n: int = 8) -> list[LLMModel]:
    return list(LLMModel.objects.real().only(*LIST_FIELDS).order_by("-updated_at", "-pk")[:n])


# ---------------------------------------------------------------------------
# Catalog list


def model_list(queryset: QuerySet[LLMModel]) -> QuerySet[LLMModel]:
    return queryset.only(*LIST_FIELDS)


class RelevanceRows:
    """A search's rows in relevance order, for the catalog page's paginator, which only slices.

    The order is rank, then trigram similarity of the repo id to the text, then repo id. Asked
    for as one ORDER BY, PostgreSQL computes every sort key of every match before its top-N sort:
    ``similarity()`` (~5 microseconds a row) over all 1,161 matches of "hermes mistral" was two
    thirds of the page query, over a broad word's 15,000 most of it, although the similarity only
    breaks ties of rank. Here the matches come sorted by rank from a subquery, so an Incremental
    Sort computes the similarity just for the groups of equal rank that reach the requested page,
    and the page's rows (not every match's) are read with the list columns by primary key.
    """

    ordered = True  # what Paginator checks before warning about an unordered list

    def __init__(self, queryset: QuerySet[LLMModel], text: str) -> None:
        self.queryset = queryset
        self.text = text

    def __getitem__(self, index: slice) -> list[LLMModel]:
        if not isinstance(index, slice) or index.step is not None or (index.start or 0) < 0 or index.stop is None:
            raise TypeError("RelevanceRows takes a bounded, forward slice (a page)")
        start = index.start or 0
        if index.stop <= start:
            return []
        try:
            ranked_sql, params = (self.queryset.order_by("-rank").values("id", "repo_id", "rank")
                                  .query.sql_with_params())
        except EmptyResultSet:
            return []
        quote = connections[self.queryset.db].ops.quote_name
        table = quote(LLMModel._meta.db_table)
        columns = ", ".join(f"m.{quote(LLMModel._meta.get_field(name).column)}" for name in LIST_FIELDS)
        sql = f"""
            SELECT {columns}, p.rank FROM (
                SELECT r.id, r.rank, r.repo_id, SIMILARITY(r.repo_id, %s) AS similarity FROM ({ranked_sql}) AS r
                ORDER BY r.rank DESC, similarity DESC, r.repo_id LIMIT %s OFFSET %s
            ) AS p JOIN {table} m ON m.id = p.id
            ORDER BY p.rank DESC, p.similarity DESC, p.repo_id
        """
        params = [self.text, *params, index.stop - start, start]
        return list(LLMModel.objects.db_manager(self.queryset.db).raw(sql, params))


def page_rows(queryset: QuerySet[LLMModel]) -> QuerySet[LLMModel] | RelevanceRows:
    """What the catalog page lists, sliced by its paginator: the list columns of the filtered
    models, in relevance order as a RelevanceRows when it is a search without another sort."""
    text = relevance_text(queryset)
    return model_list(queryset) if text is None else RelevanceRows(queryset, text)


def _bucket_q(low: float | None, high: float | None) -> Q:
    q = Q()
    if low is not None:
        q &= Q(total_params_b__gte=low)
    if high is not None:
        q &= Q(total_params_b__lte=high)
    return q


@dataclass
class Facets:
    total: int  # every model the filters match (exact: the facet query counts them anyway)
    groups: dict[str, list[tuple[Any, ...]]]

    def __getitem__(self, key: str) -> list[tuple[Any, ...]]:
        return self.groups[key]


FACET_TOP = {"family": 12, "license": 12, "merge_method": 10}
FACET_KEYS = ("family", "license", "merge_method", "quant_format", "is_moe", "has_evals", "params")


def facets(queryset: QuerySet[LLMModel]) -> Facets:
    """Facet counts and the total over the filtered set in ONE query, whatever the catalog size.

    The filtered rows' facet columns are materialised once in a CTE and the facets group that
    table: the search predicate is evaluated once instead of once per facet. Each count uses the
    same predicate as the filter its link applies, so clicking a facet shows exactly that many models.
    """
    try:
        # The filtered rows' facet columns straight from the filtered queryset (no second join back
        # to the model table by id).
        rows_sql, rows_params = (queryset.order_by()
                                 .values("id", "family", "license", "is_moe", "result_count", "total_params_b")
                                 .query.sql_with_params())
    except EmptyResultSet:
        return Facets(0, {key: [] for key in FACET_KEYS})
    recipe = MergeRecipe._meta.db_table
    variant, edge = QuantizedVariant._meta.db_table, LineageEdge._meta.db_table
    search = "rank" in queryset.query.annotations  # LLMModelQuerySet.search() ranks its matches
    # Size buckets share boundary values (both ends inclusive), so each is its own FILTER count;
    # all of them come from one pass over m, turned into rows by the VALUES list.
    bucket_columns, bucket_rows = [], []
    bucket_params: list[Any] = []
    for index, (_label, low, high) in enumerate(PARAM_BUCKETS):
        conditions = ["total_params_b IS NOT NULL"]
        if low is not None:
            conditions.append("total_params_b >= %s")
            bucket_params.append(low)
        if high is not None:
            conditions.append("total_params_b <= %s")
            bucket_params.append(high)
        bucket_columns.append(f"COUNT(*) FILTER (WHERE {' AND '.join(conditions)}) AS b{index}")
        bucket_rows.append(f"('{index}', b{index})")
    # One scan of m answers the total and the four single-column facets (GROUPING SETS, hashed
    # together), one more the size buckets: the former one-query-per-facet shape read all of m
    # ten times, which was most of the cost for a broad filter (1 s+ for the unfiltered catalog).
    sql = f"""
        WITH m AS MATERIALIZED ({rows_sql}),
        grouped AS (
            SELECT family, license, CASE WHEN is_moe THEN 'true' ELSE 'false' END AS moe,
                   CASE WHEN result_count > 0 THEN 'true' ELSE 'false' END AS evals FROM m
        )
        SELECT CASE WHEN GROUPING(family) = 0 THEN 'family' WHEN GROUPING(license) = 0 THEN 'license'
                    WHEN GROUPING(moe) = 0 THEN 'is_moe' WHEN GROUPING(evals) = 0 THEN 'has_evals' ELSE 'total' END,
               COALESCE(family, license, moe, evals, ''), COUNT(*)
            FROM grouped GROUP BY GROUPING SETS ((), (family), (license), (moe), (evals))
        UNION ALL SELECT 'params', b.key, b.n FROM (SELECT {', '.join(bucket_columns)} FROM m) AS s
            CROSS JOIN LATERAL (VALUES {', '.join(bucket_rows)}) AS b(key, n)
        UNION ALL SELECT 'merge_method', LOWER(r.method), COUNT(DISTINCT r.model_id)
            FROM {_related_rows(recipe, "method", search=search)} AS r GROUP BY 2
        UNION ALL SELECT 'quant_format', q.fmt, COUNT(DISTINCT q.mid) FROM (
            SELECT v.model_id AS mid, v.format AS fmt FROM {_related_rows(variant, "format", search=search)} AS v
            UNION ALL
            SELECT e.parent_id, e.params ->> 'format' FROM {edge} e JOIN m ON m.id = e.parent_id WHERE e.kind = %s
        ) AS q WHERE q.fmt = ANY(%s) GROUP BY 2
    """
    params = [*rows_params, *bucket_params, EdgeKind.QUANTIZED.value, list(QuantFormat.values)]
    # The same filter's facets serve every page number and sort order of it, and the unfiltered
    # catalog's serve everyone: kept under the catalog version (185 ms of SQL at 100,000 models).
    return memoized("facets", (sql, tuple(map(repr, params))), lambda: _facets_from(sql, params))


def _related_rows(table: str, column: str, *, search: bool) -> str:
    """(model_id, column) of the facet query's filtered models ``m`` from ``table``.

    A search's models (a few hundred to a few thousand) are a semi-join, ``model_id IN (SELECT id
    FROM m)``: PostgreSQL makes m's ids unique and probes the model_id index with each (an
    index-only scan of quant_variant_unique for variants). As a join, the planner hashed all 60,000
    variants and 12,000 recipes first, even for "hermes mistral"'s 1,161 models (45 of its 54 ms of
    facets at 100,000 models). Other filters keep the join: the planner cannot see how many
    distinct ids a CTE holds (it assumes 200), so for the whole catalog the semi-join would probe
    the index 100,000 times (2 s against 0.8). A forced lateral lookup gated on m's size was tried
    too: its estimated cost on a broad filter, even in the branch that never ran, pushed the
    statement past ``jit_above_cost``, and JIT compilation took longer than the query."""
    if search:
        return f"(SELECT x.model_id, x.{column} FROM {table} x WHERE x.model_id IN (SELECT id FROM m))"
    return f"(SELECT x.model_id, x.{column} FROM {table} x JOIN m ON m.id = x.model_id)"


def _facets_from(sql: str, params: list[Any]) -> Facets:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found: dict[str, dict[str, int]] = {}
    for facet, key, n in rows:
        if facet in ("family", "license") and not key:
            continue  # no family / no license stated: not a facet value (as before)
        found.setdefault(facet, {})[key] = n

    def top(facet: str) -> list[tuple[str, int]]:
        ranked = sorted(found.get(facet, {}).items(), key=lambda item: (-item[1], item[0]))
        return ranked[: FACET_TOP.get(facet, len(ranked))]

    is_moe, has_evals, params = found.get("is_moe", {}), found.get("has_evals", {}), found.get("params", {})
    return Facets(found.get("total", {}).get("", 0), {
        "family": top("family"),
        "license": top("license"),
        "merge_method": top("merge_method"),
        "quant_format": top("quant_format"),
        "is_moe": [("true", "Mixture of experts", is_moe.get("true", 0)), ("false", "Dense", is_moe.get("false", 0))],
        "has_evals": [("true", "Has benchmark results", has_evals.get("true", 0)),
                      ("false", "No results yet", has_evals.get("false", 0))],
        "params": [
            (label, "" if low is None else _num(low), "" if high is None else _num(high), params.get(str(i), 0))
            for i, (label, low, high) in enumerate(PARAM_BUCKETS)
        ],
    })


def _num(value: float) -> str:
    return f"{value:g}"


# ---------------------------------------------------------------------------
# Model page


def _repo_id_matches(repo_id: str) -> Q:
    # LOWER(repo_id) = lower(x) is answered by the index behind the case-insensitive unique
    # constraint; `iexact` compiles to UPPER(...) and would scan the whole table.
    return Q(Exact(Lower("repo_id"), repo_id.lower()))


EDGE_FIELDS = ("id", "kind", "params", "confidence", "evidence", "child_id", "parent_id", "source_document_id")


def model_detail(repo_id: str) -> LLMModel | None:
    """The model with everything its page shows, in ONE query: the recipes, variants, documents and
    both directions of the lineage ride along as JSON array columns (see config.jsonrows) and are
    stored as prefetches, so ``model.documents.all()`` and the rest read them without a query.
    Repo ids match case-insensitively (the Hub treats them so, and the database enforces
    case-insensitive uniqueness)."""
    model = _detail_queryset().filter(_repo_id_matches(repo_id)).first()
    if model is None:
        return None
    recipes = instances(MergeRecipe, model._recipes)
    variants = instances(QuantizedVariant, model._variants)
    documents = instances(SourceDocument, model._documents)
    edges = instances(LineageEdge, model._edges)
    del model._recipes, model._variants, model._documents, model._edges
    for row in (*recipes, *variants, *documents):
        row.model = model
    parents = [e for e in edges if e.child_id == model.pk]
    children = [e for e in edges if e.parent_id == model.pk]
    for edge in parents:
        edge.child = model
    for edge in children:
        edge.parent = model
    for name, rows in (("merge_recipes", recipes), ("quantized_variants", variants), ("documents", documents),
                       ("parent_edges", parents), ("child_edges", children)):
        set_prefetched(model, name, rows)
    return model


@functools.cache
def _detail_queryset() -> QuerySet[LLMModel]:
    """model_detail's query before its filter. Resolving the JSON columns' expressions costs more
    Python time than the query itself, so it is done once per process; each call only clones it."""
    own = OuterRef("pk")
    return (
        LLMModel.objects.select_related("organization")
        .annotate(
            _recipes=json_rows(MergeRecipe.objects.filter(model=own).order_by("step"), RECIPE_FIELDS,
                               {"base_model": NODE_FIELDS}),
            _variants=json_rows(QuantizedVariant.objects.filter(model=own).order_by("format", "level")),
            _documents=json_rows(SourceDocument.objects.filter(model=own).order_by("-imported_at"), DOCUMENT_FIELDS),
            # Parents share the child and children the parent, so this one order is (kind, other
            # end's repo id) for both lists, in the database's collation.
            _edges=json_rows(LineageEdge.objects.filter(Q(child=own) | Q(parent=own))
                             .order_by("kind", "parent__repo_id", "child__repo_id"),
                             EDGE_FIELDS, {"parent": NODE_FIELDS, "child": NODE_FIELDS}),
        )
    )


RECIPE_FIELDS = ("id", "model_id", "step", "tool", "method", "dtype", "gate_mode", "experts_per_token", "parameters",
                 "raw_config", "parsed_config", "source_document_id", "base_model_id")
DOCUMENT_FIELDS = ("id", "kind", "origin", "status", "imported_at", "model_id", "warnings", "size_bytes",
                   "content_hash")


def model_summary(repo_id: str) -> LLMModel | None:
    """Just the model's own small columns (the lineage page needs nothing more), in one query."""
    return LLMModel.objects.only(*NODE_FIELDS).filter(_repo_id_matches(repo_id)).first()


@dataclass
class RecipeRow:
    """One ingredient of a merge recipe, as the page's table shows it."""

    model: str  # as written in the recipe
    repo_id: str | None  # resolved against the model's lineage, for a link
    role: str
    settings: dict[str, Any] = field(default_factory=dict)


def recipe_rows(recipe: MergeRecipe, known_repo_ids: list[str]) -> list[RecipeRow]:
    """The parsed recipe as table rows: merge ``models``, MoE ``experts`` and ``slices`` sources.

    Recipes often name a model by its short name; it is linked when exactly one known
    ancestor ends with that name.
    """
    config = recipe.parsed_config or {}

    def resolve(name: str) -> str | None:
        if not name:
            return None
        lowered = name.lower()
        exact = [r for r in known_repo_ids if r.lower() == lowered]
        if exact:
            return exact[0]
        suffix = sorted({r for r in known_repo_ids if r.lower().endswith("/" + lowered)})
        return suffix[0] if len(suffix) == 1 else None

    rows: list[RecipeRow] = []
    base = config.get("base_model")
    if isinstance(base, str) and base:
        rows.append(RecipeRow(base, resolve(base), "base model"))
    for entry in config.get("models") or []:
        if isinstance(entry, dict):
            name = str(entry.get("model") or "")
            params = entry.get("parameters") if isinstance(entry.get("parameters"), dict) else {}
            rows.append(RecipeRow(name, resolve(name), "merged", dict(params)))
        elif isinstance(entry, str):
            rows.append(RecipeRow(entry, resolve(entry), "merged"))
    for entry in config.get("experts") or []:
        if isinstance(entry, dict):
            name = str(entry.get("source_model") or "")
            extra = {k: v for k, v in entry.items() if k != "source_model"}
            rows.append(RecipeRow(name, resolve(name), "expert", extra))
    for index, slice_ in enumerate(config.get("slices") or []):
        for source in (slice_ or {}).get("sources") or [] if isinstance(slice_, dict) else []:
            if isinstance(source, dict):
                name = str(source.get("model") or "")
                extra = {k: v for k, v in source.items() if k != "model"}
                rows.append(RecipeRow(name, resolve(name), f"slice {index + 1}", extra))
    return rows


def model_recipes(model: LLMModel) -> list[tuple[MergeRecipe, list[RecipeRow]]]:
    """Each prefetched recipe with its parsed rows (no query: uses the prefetched edges)."""
    known = [e.parent.repo_id for e in model.parent_edges.all()]
    known += [r.base_model.repo_id for r in model.merge_recipes.all() if r.base_model_id]
    return [(recipe, recipe_rows(recipe, known)) for recipe in model.merge_recipes.all()]


# ---------------------------------------------------------------------------
# Lineage explorer


@dataclass
class LineageGraph:
    root: LLMModel
    nodes: dict[int, LLMModel]
    edges: list[LineageEdge]
    depth: dict[int, int]  # 0 = the model, negative = ancestors, positive = descendants
    truncated: bool


def lineage(model: LLMModel, *, up: int = 3, down: int = 3, max_nodes: int = 150) -> LineageGraph:
    """Ancestors and descendants by bounded breadth-first search.

    One query per generation and direction (at most ``up + down``), then one for the nodes:
    each step reads only edge ids, so a wide family never drags card texts along. A node
    reached both ways keeps its first depth; the walk stops adding nodes at ``max_nodes``.
    """
    depth: dict[int, int] = {model.pk: 0}
    edges: dict[int, LineageEdge] = {}
    truncated = False
    edge_fields = ("id", "child_id", "parent_id", "kind", "params", "confidence", "evidence", "source_document_id")
    for direction, limit in ((-1, up), (1, down)):
        frontier = {model.pk}
        for level in range(1, limit + 1):
            if not frontier:
                break
            lookup = {"child_id__in": frontier} if direction < 0 else {"parent_id__in": frontier}
            # Bounded fetch: a hub model with thousands of fine-tunes must not load them all.
            found = list(LineageEdge.objects.filter(**lookup).only(*edge_fields).order_by("kind", "pk")[: max_nodes * 3])
            if len(found) == max_nodes * 3:
                truncated = True
            following: set[int] = set()
            for edge in found:
                other = edge.parent_id if direction < 0 else edge.child_id
                if other not in depth:
                    if len(depth) >= max_nodes:
                        truncated = True
                        continue
                    depth[other] = direction * level
                    following.add(other)
                edges[edge.pk] = edge
            frontier = following
    nodes = {m.pk: m for m in LLMModel.objects.filter(pk__in=list(depth)).only(*NODE_FIELDS)}
    kept = []
    for edge in edges.values():
        if edge.parent_id in nodes and edge.child_id in nodes:
            # Caching the related objects lets templates follow edge.parent / edge.child without queries.
            edge.parent, edge.child = nodes[edge.parent_id], nodes[edge.child_id]
            kept.append(edge)
    kept.sort(key=lambda e: (depth.get(e.child_id, 0), e.kind, e.child.repo_id.lower(), e.parent.repo_id.lower()))
    return LineageGraph(nodes[model.pk], nodes, kept, depth, truncated)


def merge_methods_by_child(graph: LineageGraph) -> dict[int, str]:
    """The merge method of every merged model in the graph, from its edges' parameters."""
    methods: dict[int, str] = {}
    for edge in graph.edges:
        method = (edge.params or {}).get("method")
        if edge.kind in (EdgeKind.MERGE, EdgeKind.MOE_EXPERT) and isinstance(method, str) and method:
            methods.setdefault(edge.child_id, method)
    return methods


# ---------------------------------------------------------------------------
# Documents and imports


def document_detail(pk: int) -> SourceDocument | None:
    return SourceDocument.objects.select_related("model", "previous").filter(pk=pk).first()


def document_versions(document: SourceDocument) -> list[SourceDocument]:
    """Later versions of the same document (the ones that superseded it), newest first."""
    return list(document.next_versions.only("id", "imported_at", "status", "origin").order_by("-imported_at")[:10])


def import_jobs() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("created_by").order_by("-created_at", "-pk")


def import_job(pk: int) -> ImportJob | None:
    return ImportJob.objects.select_related("created_by").filter(pk=pk).first()


ITEM_FIELDS = ("id", "job_id", "position", "name", "status", "error", "warnings", "attempts", "model_id",
               "document_id", "model__repo_id")
MAX_ITEMS_SHOWN = 1000


def import_items(job: ImportJob) -> list[ImportItem]:
    """The first items of a job (the raw content stays in the database)."""
    return list(job.items.select_related("model").only(*ITEM_FIELDS).order_by("position")[:MAX_ITEMS_SHOWN])


def import_status(job: ImportJob) -> dict[str, Any]:
    """What the job page's polling script needs, in one query beyond the job itself."""
    from django.urls import reverse

    items = []
    for item in import_items(job):
        items.append({
            "position": item.position, "name": item.name, "status": item.status,
            "status_label": item.get_status_display(), "error": item.error, "warnings": item.warnings or [],
            "model": item.model.repo_id if item.model_id else None,
            "model_url": reverse("catalog:model-detail", args=[item.model.repo_id]) if item.model_id else None,
            "document_url": reverse("catalog:document-detail", args=[item.document_id]) if item.document_id else None,
        })
    return {
        "id": job.pk, "status": job.status, "status_label": job.get_status_display(), "total": job.total,
        "processed": job.processed, "succeeded": job.succeeded, "unchanged": job.unchanged,
        "failed": job.failed_count, "warnings": job.warnings_count, "percent": job.progress_percent,
        "finished": job.is_finished, "errors": job.errors[-20:], "items": items,
    }
