"""Catalog pages. Views stay thin: a FilterSet or a selector reads, one service writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from catalog import charts, selectors
from catalog import lineage as lineage_chart
from catalog.filters import LLMModelFilter
from catalog.forms import ImportForm
from catalog.models import EdgeKind, ImportJob, LLMModel
from catalog.panels import panels_for
from catalog.services.imports import ImportFailed, create_import_job
from config.sitecache.middleware import exempt as exempt_from_response_cache

PAGE_SIZE = 40
# Pagination choice: numbered pages with OFFSET, capped at MAX_PAGES. The total comes free
# from the facet query (it materialises the matching ids anyway), so no separate COUNT(*) runs;
# past the cap the page says how many match and asks for a narrower search, which people do
# long before page 250. OFFSET stays cheap within that bound, and numbered pages can follow
# a search's relevance order, which a keyset cursor cannot (a rank is not a unique, stable
# key). The API, whose clients walk whole result sets, pages by cursor instead.
MAX_PAGES = 250
SORT_LABELS = {
    "relevance": "Relevance", "-downloads": "Most downloaded", "-results": "Most results", "-params": "Largest",
    "params": "Smallest", "-release": "Newest release", "-updated": "Recently updated", "name": "Name",
}
# Human names for the filters shown as removable chips above the results.
FILTER_LABELS = {
    "q": "Search", "organization": "Organisation", "family": "Family", "architecture": "Architecture",
    "license": "License", "is_moe": "MoE", "merged": "Merged", "merge_method": "Merge method",
    "quant_format": "Quantized as", "has_evals": "Has results", "include_stubs": "Referenced-only models",
    "params_min": "Params ≥", "params_max": "Params ≤", "active_min": "Active ≥", "active_max": "Active ≤",
    "context_min": "Context ≥", "tag": "Tag",
}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    counts, sizes = selectors.home_summary()
    recent = selectors.recent_imports()
    response = render(request, "catalog/home.html", {
        "counts": counts,
        "recent": recent,
        "updated": selectors.recently_updated(),
        "size_chart": charts.size_distribution(sizes),
        "panels": panels_for("home", request),
    })
    if any(not job.is_finished for job in recent):
        # A running job's progress counts change without advancing the catalog version.
        exempt_from_response_cache(response)
    return response


def _query_string(query: QueryDict, **changes: str | None) -> str:
    query = query.copy()
    query.pop("page", None)
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def _bound_filter(request: HttpRequest) -> tuple[LLMModelFilter, dict[str, Any]]:
    """The FilterSet for the request. Invalid values are reported and left out, so one bad
    parameter in a shared link narrows nothing instead of emptying the page."""
    filterset = LLMModelFilter(request.GET, queryset=LLMModel.objects.all(), request=request)
    errors: dict[str, Any] = {}
    if not filterset.is_valid():
        errors = {FILTER_LABELS.get(k, k.replace("_", " ")): v for k, v in filterset.errors.items()}
        data = request.GET.copy()
        for key in filterset.errors:
            data.pop(key, None)
        filterset = LLMModelFilter(data, queryset=LLMModel.objects.all(), request=request)
        filterset.is_valid()
        # Keep the bad values visible in the form so people see what they typed.
        filterset.form.data = request.GET
    return filterset, errors


class KnownCountPaginator(Paginator):
    """A paginator told its count, instead of running COUNT(*) itself."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._known_count


def _paginate(queryset: Any, number: str | None, total: int) -> tuple[Page, bool]:
    cap = PAGE_SIZE * MAX_PAGES
    paginator = KnownCountPaginator(queryset, PAGE_SIZE, count=min(total, cap))
    # get_page turns junk and out-of-range numbers (page=abc, page=10**30) into a real page.
    return paginator.get_page(number), total > cap


@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    filterset, errors = _bound_filter(request)
    queryset = filterset.qs
    facets = selectors.facets(queryset)
    page, capped = _paginate(selectors.page_rows(queryset), request.GET.get("page"), facets.total)
    cleaned = filterset.form.cleaned_data if hasattr(filterset.form, "cleaned_data") else {}
    chips = [
        {"label": FILTER_LABELS.get(name, name), "value": _chip_value(value),
         "remove": _query_string(request.GET, **{name: None})}
        for name, value in cleaned.items()
        if name != "sort" and value not in (None, "", [])
    ]
    current_sort = cleaned.get("sort") or "relevance"
    sorts = [
        {"value": value, "label": label, "current": value == current_sort,
         "url": _query_string(request.GET, sort=None if value == "relevance" else value)}
        for value, label in SORT_LABELS.items()
    ]
    return render(request, "catalog/model_list.html", {
        "filter": filterset, "filter_errors": errors, "page": page, "capped": capped,
        "facets": facets, "total": facets.total, "chips": chips, "sorts": sorts, "searching": bool(cleaned.get("q")),
        "selected": {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in cleaned.items()
                     if v not in (None, "")},
    })


def _chip_value(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _model_or_404(repo_id: str, *, full: bool = True) -> LLMModel:
    model = selectors.model_detail(repo_id) if full else selectors.model_summary(repo_id)
    if model is None:
        raise Http404(f"There is no model “{repo_id}” in the catalog.")
    return model


@require_GET
def model_detail(request: HttpRequest, repo_id: str) -> HttpResponse:
    model = _model_or_404(repo_id)
    if model.repo_id != repo_id:
        # Repo ids are case-insensitive; one canonical URL per model.
        return HttpResponseRedirect(model.get_absolute_url(), status=301)
    parents = list(model.parent_edges.all())
    return render(request, "catalog/model_detail.html", {
        "model": model,
        "parents": parents,
        "children": [e for e in model.child_edges.all() if e.kind != EdgeKind.QUANTIZED],
        "quantized_children": [e for e in model.child_edges.all() if e.kind == EdgeKind.QUANTIZED],
        "recipes": selectors.model_recipes(model),
        "documents": list(model.documents.all()),
        "panels": panels_for("model", request, model=model),
    })


@require_GET
def model_lineage(request: HttpRequest, repo_id: str) -> HttpResponse:
    model = _model_or_404(repo_id, full=False)
    if model.repo_id != repo_id:
        return HttpResponseRedirect(reverse("catalog:lineage", args=[model.repo_id]), status=301)
    graph = selectors.lineage(model)
    methods = selectors.merge_methods_by_child(graph)
    nodes = [
        lineage_chart.Node(id=m.pk, label=m.repo_id, depth=graph.depth[m.pk], license=m.license,
                           is_root=m.pk == model.pk, is_stub=m.is_stub, params_b=m.total_params_b)
        for m in graph.nodes.values()
    ]
    edges = [
        lineage_chart.Edge(parent=e.parent_id, child=e.child_id, kind=e.kind,
                           method=methods.get(e.child_id, "") if e.kind == EdgeKind.MERGE else "",
                           detail=describe_params(e.params))
        for e in graph.edges
    ]
    ordered = sorted(graph.nodes.values(), key=lambda m: (graph.depth[m.pk], m.repo_id.lower()))
    licenses: dict[str, int] = {}
    for m in ordered:
        licenses[m.license or "not stated"] = licenses.get(m.license or "not stated", 0) + 1
    return render(request, "catalog/lineage.html", {
        "model": model,
        "figure": lineage_chart.figure(nodes, edges, title=""),
        "rows": [(m, graph.depth[m.pk]) for m in ordered],
        "licenses": sorted(licenses.items(), key=lambda item: (-item[1], item[0])),
        "edges": [(e, describe_params(e.params)) for e in graph.edges],
        "truncated": graph.truncated,
        "kinds": [(kind, *lineage_chart.KIND_STYLE[kind]) for kind in lineage_chart.KIND_STYLE],
    })


def describe_params(params: dict[str, Any] | None) -> str:
    """Edge parameters as a short human line: weight 0.7 · density 0.5 · prompts: code, python."""
    parts = []
    for key, value in (params or {}).items():
        if key == "method":
            continue
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value[:6]) + (" …" if len(value) > 6 else "")
            parts.append(f"{key.replace('_', ' ')}: {shown}")
        elif value not in (None, ""):
            parts.append(f"{key.replace('_', ' ')} {value}")
    return " · ".join(parts)


@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_detail(pk)
    if document is None:
        raise Http404("There is no such document.")
    return render(request, "catalog/document_detail.html", {
        "document": document, "newer": selectors.document_versions(document),
    })


@require_http_methods(["GET", "POST"])
def import_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        messages.info(request, "Importing changes the catalog: sign in with a curator account to continue.")
        # The site's own sign-in page: curators need not be staff, unlike the admin's.
        return redirect_to_login(request.get_full_path(), login_url=reverse("catalog:login"))
    if not request.user.has_perm("catalog.add_sourcedocument"):
        # Signed in, but not a curator: say so plainly instead of looping through the sign-in page.
        return render(request, "catalog/import_form.html", {"form": None, "forbidden": True}, status=403)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            documents = form.documents()
            via = ImportJob.Via.UPLOAD if form.cleaned_data["files"] else ImportJob.Via.PASTE
            names = ", ".join(d.name for d in documents[:3]) + (f" and {len(documents) - 3} more" if len(documents) > 3 else "")
            try:
                job = create_import_job(documents, via=via, user=request.user, label=names)
            except ImportFailed as exc:
                form.add_error(None, exc.reason)
            else:
                return redirect(job.get_absolute_url())
    else:
        form = ImportForm()
    return render(request, "catalog/import_form.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.import_jobs(), 30).get_page(request.GET.get("page"))
    return render(request, "catalog/import_list.html", {"page": page})


def _job_or_404(pk: int) -> ImportJob:
    job = selectors.import_job(pk)
    if job is None:
        raise Http404("There is no such import job.")
    return job


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(pk)
    return render(request, "catalog/import_detail.html", {
        "job": job, "items": selectors.import_items(job), "max_items": selectors.MAX_ITEMS_SHOWN,
    })


@never_cache
@require_GET
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Progress for the job page's polling script (static/js/app.js)."""
    return JsonResponse(selectors.import_status(_job_or_404(pk)))
