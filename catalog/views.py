"""Catalog pages. Views stay thin: a FilterSet or selector reads, one service writes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from catalog import lineage as lineage_chart
from catalog import selectors
from catalog.filters import LLMModelFilter
from catalog.forms import ImportForm
from catalog.models import ImportJob, ItemStatus
from catalog.panels import panels_for
from catalog.services.imports import ImportFailed, create_import_job

PAGE_SIZE = 40
# Counting every match of a broad filter over 100,000+ models costs more than the page itself;
# past this many pages people refine the search instead.
MAX_PAGES = 250


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/home.html", {
        "counts": selectors.catalog_counts(),
        "recent": selectors.recent_imports(),
        "panels": panels_for("home", request),
    })


@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    from catalog.models import LLMModel

    filterset = LLMModelFilter(request.GET, queryset=LLMModel.objects.all())
    queryset = filterset.qs if filterset.is_valid() else LLMModel.objects.none()
    paginator = Paginator(selectors.model_list(queryset)[: PAGE_SIZE * MAX_PAGES], PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "catalog/model_list.html", {
        "filter": filterset, "page": page, "facets": selectors.facets(queryset) if filterset.is_valid() else {},
        "query": query.urlencode(), "capped": paginator.count >= PAGE_SIZE * MAX_PAGES,
    })


def _model_or_404(repo_id: str):
    model = selectors.model_detail(repo_id)
    if model is None:
        raise Http404(f"No model {repo_id!r} in the catalog.")
    return model


@require_GET
def model_detail(request: HttpRequest, repo_id: str) -> HttpResponse:
    model = _model_or_404(repo_id)
    return render(request, "catalog/model_detail.html", {
        "model": model, "panels": panels_for("model", request, model=model),
    })


@require_GET
def model_lineage(request: HttpRequest, repo_id: str) -> HttpResponse:
    model = _model_or_404(repo_id)
    graph = selectors.lineage(model)
    nodes = [lineage_chart.Node(id=m.pk, label=m.repo_id, depth=graph.depth[m.pk], license=m.license,
                                is_root=m.pk == model.pk) for m in graph.nodes.values()]
    edges = [lineage_chart.Edge(parent=e.parent_id, child=e.child_id, kind=e.kind,
                                detail=str(e.params.get("method") or e.params.get("role") or "")) for e in graph.edges]
    ordered = sorted(graph.nodes.values(), key=lambda m: (graph.depth[m.pk], m.repo_id))
    return render(request, "catalog/lineage.html", {
        "model": model, "figure": lineage_chart.figure(nodes, edges, title=f"Lineage of {model.repo_id}"),
        "rows": [(m, graph.depth[m.pk]) for m in ordered], "truncated": graph.truncated,
        "edges": sorted(graph.edges, key=lambda e: (graph.depth.get(e.child_id, 0), e.kind)),
        "recipes": list(model.merge_recipes.all()),
    })


@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_detail(pk)
    if document is None:
        raise Http404("No such document.")
    return render(request, "catalog/document_detail.html", {
        "document": document, "newer": document.next_versions.order_by("-imported_at").first(),
    })


@require_http_methods(["GET", "POST"])
def import_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        messages.info(request, "Sign in with a curator account to import documents.")
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm("catalog.add_sourcedocument"):
        messages.error(request, "Your account may read the catalog but not import into it.")
        return render(request, "catalog/import_form.html", {"form": ImportForm(), "forbidden": True}, status=403)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if request.method == "POST" and form.is_valid():
        documents = form.documents()
        via = ImportJob.Via.UPLOAD if form.cleaned_data["files"] else ImportJob.Via.PASTE
        try:
            job = create_import_job(documents, via=via, user=request.user, label=f"{len(documents)} document(s)")
        except ImportFailed as exc:
            form.add_error(None, exc.reason)
        else:
            return redirect(job.get_absolute_url())
    return render(request, "catalog/import_form.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(ImportJob.objects.select_related("created_by").order_by("-created_at"), 30) \
        .get_page(request.GET.get("page"))
    return render(request, "catalog/import_list.html", {"page": page})


def _job(pk: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=pk).first()
    if job is None:
        raise Http404("No such import job.")
    return job


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    items = job.items.select_related("model").only(
        "id", "position", "name", "status", "error", "warnings", "attempts", "model__repo_id", "job_id", "model_id",
        "document_id")
    return render(request, "catalog/import_detail.html", {"job": job, "items": items[:1000]})


@require_GET
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Progress for the job page's polling script."""
    job = _job(pk)
    failed = list(job.items.filter(status__in=[ItemStatus.FAILED, ItemStatus.QUARANTINED])
                  .values("name", "status", "error")[:50])
    done = list(job.items.exclude(model=None).values("name", "status", "model__repo_id")[:50])
    return JsonResponse({
        "id": job.pk, "status": job.status, "total": job.total, "processed": job.processed,
        "succeeded": job.succeeded, "unchanged": job.unchanged, "failed": job.failed_count,
        "warnings": job.warnings_count, "percent": job.progress_percent, "finished": job.is_finished,
        "failures": failed, "models": done,
    })
