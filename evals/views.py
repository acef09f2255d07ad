"""Leaderboard, compare and merge-uplift pages. Views stay thin: selectors read, charts draw."""

from __future__ import annotations

import csv

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render

from catalog.figures import for_page, to_json
from catalog.models import LLMModel
from config.api import form_error_body
from evals import charts, selectors, tables
from evals.filters import ScoreFilter
from evals.models import Leaderboard

PAGE_SIZE = 50
CHART_ROWS = 2000  # charts sample the top of the filtered board; the table pages through all of it


def leaderboard_list(request: HttpRequest) -> HttpResponse:
    boards = list(selectors.leaderboards())
    tops = selectors.board_tops(boards, n=5)
    return render(request, "evals/leaderboard_list.html", {"boards": [(b, tops.get(b.pk, [])) for b in boards]})


def _board(slug: str) -> Leaderboard:
    board = selectors.leaderboards().filter(slug=slug).first()
    if board is None:
        raise Http404("No such leaderboard")
    return board


def leaderboard_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The board's table. Its charts come from leaderboard_charts (same filters), fetched by
    static/js/charts.js once the table is on screen: the 2,000 chart rows cost more than the table."""
    board = _board(slug)
    members = list(board.members.all())
    filterset = ScoreFilter(request.GET, queryset=selectors.leaderboard_scores(board))
    rows = filterset.qs if filterset.is_valid() else selectors.leaderboard_scores(board).none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "evals/leaderboard_detail.html", {
        "board": board, "members": members, "filter": filterset, "page": page,
        "rows": tables.board_rows(page.object_list, members),
        "chart_keys": selectors.BOARD_FIGURES if page.paginator.count else {},
        "query": query.urlencode(), "sort": request.GET.get("sort", "rank"),
    })


def leaderboard_charts(request: HttpRequest, slug: str) -> HttpResponse:
    """The board page's Plotly figures as JSON ``{key: figure}``, for the same filters as the page
    (only the keys with data). Invalid filters give a 400 with the form's errors."""
    board = _board(slug)
    members = list(board.members.all())
    filterset = ScoreFilter(request.GET, queryset=selectors.leaderboard_scores(board))
    if not filterset.is_valid():
        return JsonResponse(form_error_body(filterset.errors), status=400)
    figures = selectors.board_figures(board, members, selectors.board_chart_rows(filterset.qs, members, CHART_ROWS))
    return HttpResponse(to_json({key: for_page(figure) for key, figure in figures.items()}),
                        content_type="application/json")


class _Echo:
    def write(self, value: str) -> str:
        return value


def leaderboard_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """The filtered board as CSV, streamed so a 100,000-row export never sits in memory."""
    board = _board(slug)
    members = [m.benchmark.key for m in board.members.all()]
    filterset = ScoreFilter(request.GET, queryset=selectors.leaderboard_scores(board))
    rows = filterset.qs if filterset.is_valid() else selectors.leaderboard_scores(board).none()
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(["rank", "model", "average", *members, "completeness", "verification",
                               "reported_average", "flags", "total_params_b", "active_params_b", "license"])
        for s in rows.iterator(2000):
            yield writer.writerow([
                s.rank or "", s.model.repo_id, f"{s.average:.4f}" if s.average is not None else "",
                *[f"{s.components[k]:.4f}" if k in s.components else "" for k in members],
                f"{s.completeness:.3f}", s.verification, s.reported_average or "", s.flag_count,
                s.model.total_params_b or "", s.model.active_params_b or "", s.model.license,
            ])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{board.slug}.csv"'
    return response


def compare(request: HttpRequest) -> HttpResponse:
    repo_ids = [r.strip() for r in request.GET.getlist("models") if r.strip()][:6]
    models = list(LLMModel.objects.filter(repo_id__in=repo_ids))
    models.sort(key=lambda m: repo_ids.index(m.repo_id))
    missing = [r for r in repo_ids if r not in {m.repo_id for m in models}]
    context = {"models": models, "missing": missing, "repo_ids": repo_ids, "boards": [], "error": ""}
    if len(models) < 2:
        context["error"] = "Choose between 2 and 6 models to compare." if not missing else ""
        return render(request, "evals/compare.html", context, status=200)
    context["boards"] = selectors.compare_boards(models)
    return render(request, "evals/compare.html", context)


def merges(request: HttpRequest) -> HttpResponse:
    by_method = selectors.uplift_by_method()
    figure = charts.uplift_by_method(
        [m for m, _ in by_method], [s["mean_vs_best"] for _, s in by_method],
        [s["share_beating"] for _, s in by_method], title="Merge uplift by method",
    ) if by_method else None
    page = Paginator(selectors.uplifts().order_by("-vs_best_parent", "model__repo_id"), PAGE_SIZE) \
        .get_page(request.GET.get("page"))
    return render(request, "evals/merges.html", {
        "by_method": by_method, "figure": figure, "page": page,
        "beating": list(selectors.merges_beating_parents()[:50]),
    })

