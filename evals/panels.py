"""Sections evals adds to catalog pages (see catalog.panels)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from catalog.models import LLMModel
from catalog.panels import Panel, register
from catalog.templatetags.catalog_extras import fixed
from evals import charts, selectors


@register("model", order=10)
def scores_panel(request: HttpRequest, *, model: LLMModel) -> Panel | None:
    context = selectors.model_scores_context(model)
    if not (context["scores"] or context["own_runs"] or context["claims_by_others"] or context["claims_made"]):
        return None
    for run in context["own_runs"]:
        run.result_rows = result_rows(run.results.all())
    return Panel(key="scores", title="Scores and results", template="evals/panels/model_scores.html",
                 context=context, order=10)


def result_rows(results: Any) -> list[dict[str, Any]]:
    """A run's results table as finished cell text (what the template's filters made of each):
    a well-evaluated model shows a hundred of them, and per cell Django's engine cost more than
    the query that read them. Values the template printed as they are (raw_value) stay numbers, so
    the engine formats them exactly as before."""
    return [{
        "benchmark": r.benchmark.name if r.benchmark else None, "raw_name": r.raw_name, "metric": r.metric,
        "shots": "–" if r.shots is None else r.shots, "value": fixed(r.value, 2), "normalized": r.normalized,
        "stderr": fixed(r.stderr, 2) or "–", "raw_value": r.raw_value, "unit_scale": r.raw_scale == 1.0,
    } for r in results]


@register("home", order=10)
def leaders_panel(request: HttpRequest) -> Panel | None:
    boards = list(selectors.leaderboards())
    tops = selectors.board_tops(boards, n=5)
    if not any(tops.values()):
        return None
    first = next(b for b in boards if tops[b.pk])
    top = selectors.board_tops([first], n=15)[first.pk]
    figure = charts.top_n_bar([s.model.repo_id for s in top], [s.average for s in top], title=f"Top of {first.name}")
    return Panel(key="leaders", title="Top models per leaderboard", template="evals/panels/home_leaders.html",
                 context={"boards": [(b, tops[b.pk]) for b in boards if tops[b.pk]], "figure": figure}, order=10)
