"""GPU pages and the "what can I run?" finder."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hardware import charts, selectors
from hardware.filters import GPUFilter
from hardware.forms import FinderForm
from hardware.models import GPU
from hardware.services.fit import DEFAULT_CONTEXT, STANDARD_CONTEXTS, recommend


@require_GET
def gpu_list(request: HttpRequest) -> HttpResponse:
    filterset = GPUFilter(request.GET, queryset=GPU.objects.all())
    gpus = filterset.qs if filterset.is_valid() else GPU.objects.none()
    return render(request, "hardware/gpu_list.html", {"filter": filterset, "gpus": gpus})


@require_GET
def gpu_detail(request: HttpRequest, slug: str) -> HttpResponse:
    gpu = GPU.objects.filter(slug=slug).first()
    if gpu is None:
        raise Http404("No such GPU.")
    try:
        context = int(request.GET.get("context", DEFAULT_CONTEXT))
    except ValueError:
        context = DEFAULT_CONTEXT
    context = context if context in STANDARD_CONTEXTS else DEFAULT_CONTEXT
    page = Paginator(selectors.gpu_models(gpu, context=context), 50).get_page(request.GET.get("page"))
    rows = [(req, selectors.speed_for(gpu, req)) for req in page]
    return render(request, "hardware/gpu_detail.html", {
        "gpu": gpu, "page": page, "rows": rows, "context": context, "contexts": STANDARD_CONTEXTS,
    })


@require_GET
def finder(request: HttpRequest) -> HttpResponse:
    form = FinderForm(request.GET or None)
    results, figure = [], None
    if form.is_valid():
        data = form.cleaned_data
        results = recommend(memory_gb=data["memory_gb"], bandwidth_gbs=data["bandwidth_gbs"], context=data["context"],
                            min_tokens_per_s=data["min_tokens_per_s"], license=data["license"],
                            leaderboard=data["leaderboard"], limit=50)
        if results:
            figure = charts.score_vs_memory([r.model.repo_id for r in results], [r.total_gb for r in results],
                                            [r.score for r in results], title="Score vs memory needed")
    return render(request, "hardware/finder.html", {"form": form, "results": results, "figure": figure},
                  status=400 if form.errors else 200)
