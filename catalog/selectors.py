"""Read queries for catalog pages; each returns in a constant number of SQL queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from catalog.models import (
    EdgeKind,
    ImportJob,
    LineageEdge,
    LLMModel,
    MergeRecipe,
    Organization,
    QuantizedVariant,
    SourceDocument,
)

PARAM_BUCKETS = (("<3B", None, 3), ("3-9B", 3, 9), ("9-20B", 9, 20), ("20-40B", 20, 40), ("40-80B", 40, 80),
                 (">80B", 80, None))
LIST_FIELDS = ("id", "repo_id", "name", "family", "architecture", "is_moe", "total_params_b", "active_params_b",
               "context_length", "license", "downloads", "result_count", "release_date", "updated_at", "summary",
               "organization_id")


def catalog_counts() -> dict[str, int]:
    from django.db.models import Sum

    models = LLMModel.objects.aggregate(
        models=Count("pk", filter=Q(is_stub=False)), referenced=Count("pk", filter=Q(is_stub=True)),
        results=Sum("result_count"),
    )
    return {
        "models": models["models"], "referenced": models["referenced"], "results": models["results"] or 0,
        "organizations": Organization.objects.count(), "documents": SourceDocument.objects.count(),
        "edges": LineageEdge.objects.count(),
    }


def recent_imports(n: int = 8) -> list[ImportJob]:
    return list(ImportJob.objects.order_by("-created_at")[:n])


def model_list(queryset: QuerySet[LLMModel]) -> QuerySet[LLMModel]:
    return queryset.only(*LIST_FIELDS)


def facets(queryset: QuerySet[LLMModel]) -> dict[str, list[tuple[str, int]]]:
    """Counts for the catalog's facets over the filtered set, in four aggregate queries."""
    ids = queryset.order_by().values("pk")
    base = LLMModel.objects.filter(pk__in=ids)
    buckets = base.aggregate(
        moe=Count("pk", filter=Q(is_moe=True)), dense=Count("pk", filter=Q(is_moe=False)),
        has_evals=Count("pk", filter=Q(result_count__gt=0)),
        **{f"p{i}": Count("pk", filter=Q(**({"total_params_b__gte": lo} if lo is not None else {}),
                                         **({"total_params_b__lt": hi} if hi is not None else {})))
           for i, (_label, lo, hi) in enumerate(PARAM_BUCKETS)},
    )
    families = list(base.exclude(family="").values_list("family").annotate(n=Count("pk")).order_by("-n")[:12])
    licenses = list(base.exclude(license="").values_list("license").annotate(n=Count("pk")).order_by("-n")[:12])
    methods = list(MergeRecipe.objects.filter(model__in=ids).values_list("method").annotate(
        n=Count("model", distinct=True)).order_by("-n")[:10])
    formats = list(QuantizedVariant.objects.filter(model__in=ids).values_list("format").annotate(
        n=Count("model", distinct=True)).order_by("-n"))
    return {
        "family": families, "license": licenses, "merge_method": methods, "quant_format": formats,
        "is_moe": [("true", buckets["moe"]), ("false", buckets["dense"])],
        "has_evals": [("true", buckets["has_evals"])],
        "params": [(label, buckets[f"p{i}"]) for i, (label, _lo, _hi) in enumerate(PARAM_BUCKETS)],
    }


def model_detail(repo_id: str) -> LLMModel | None:
    return (
        LLMModel.objects.select_related("organization")
        .prefetch_related(
            Prefetch("parent_edges", queryset=LineageEdge.objects.select_related("parent").order_by("kind", "parent__repo_id")),
            Prefetch("child_edges", queryset=LineageEdge.objects.select_related("child").order_by("kind", "child__repo_id")),
            Prefetch("merge_recipes", queryset=MergeRecipe.objects.select_related("base_model").order_by("step")),
            Prefetch("quantized_variants", queryset=QuantizedVariant.objects.order_by("format", "level")),
            Prefetch("documents", queryset=SourceDocument.objects.only(
                "id", "kind", "origin", "status", "imported_at", "model_id", "warnings").order_by("-imported_at")),
        )
        .filter(repo_id=repo_id)
        .first()
    )


@dataclass
class LineageGraph:
    nodes: dict[int, LLMModel]
    edges: list[LineageEdge]
    depth: dict[int, int]  # 0 = the model, negative = ancestors, positive = descendants
    truncated: bool


def lineage(model: LLMModel, *, up: int = 3, down: int = 3, max_nodes: int = 150) -> LineageGraph:
    """Ancestors and descendants by breadth-first search: two queries per generation, bounded."""
    depth = {model.pk: 0}
    edges: dict[int, LineageEdge] = {}
    truncated = False
    for direction, limit in ((-1, up), (1, down)):
        frontier = {model.pk}
        for level in range(1, limit + 1):
            if not frontier:
                break
            if direction < 0:
                found = LineageEdge.objects.filter(child_id__in=frontier).select_related("parent", "child")
            else:
                found = LineageEdge.objects.filter(parent_id__in=frontier).select_related("parent", "child")
            nxt = set()
            for edge in found[:max_nodes * 2]:
                edges[edge.pk] = edge
                other = edge.parent_id if direction < 0 else edge.child_id
                if other not in depth:
                    if len(depth) >= max_nodes:
                        truncated = True
                        continue
                    depth[other] = direction * level
                    nxt.add(other)
            frontier = nxt
    nodes = LLMModel.objects.in_bulk(list(depth))
    kept = [e for e in edges.values() if e.parent_id in nodes and e.child_id in nodes]
    return LineageGraph(nodes, kept, depth, truncated)


def document_detail(pk: int) -> SourceDocument | None:
    return SourceDocument.objects.select_related("model", "previous").filter(pk=pk).first()


def edge_kinds() -> list[tuple[str, str]]:
    return list(EdgeKind.choices)
