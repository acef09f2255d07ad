"""Plotly figures for hardware fit (JSON for static/js/charts.js), written as plain dicts
(catalog.figures explains why graph_objects are not used at request time)."""

from __future__ import annotations

from typing import Any

from catalog.figures import axis_title, figure
from evals.charts import EDGE_LAYOUT, pareto_front


def _figure(traces: list[dict[str, Any]], title: str, height: int | None = None, **layout: Any) -> dict:
    result = figure(traces, {**layout, "title": {"text": title, "x": 0.01}, **EDGE_LAYOUT})
    if height:
        result["layout"]["height"] = height
    return result


def fit_heatmap(gpus: list[str], quants: list[str], ratio: list[list[float]], text: list[list[str]], *,
                title: str) -> dict:
    """Memory needed / memory available per GPU (rows) and quantization (columns); <= 1 fits."""
    return _figure([{
        "type": "heatmap", "z": ratio, "x": quants, "y": gpus, "text": text,
        "hovertemplate": "%{y}<br>%{x}: %{text}<extra></extra>", "zmin": 0, "zmax": 2,
        "colorscale": [[0, "#2f9e44"], [0.5, "#fab005"], [0.5001, "#fa5252"], [1, "#c92a2a"]],
        "colorbar": {"title": axis_title("needed / available")},
    }], title, height=max(420, 22 * len(gpus) + 120))


def speed_bars(gpus: list[str], tokens: list[float], *, title: str) -> dict:
    result = _figure([{"type": "bar", "x": tokens, "y": gpus, "orientation": "h", "marker": {"color": "#4f6bed"},
                       "hovertemplate": "%{y}<br>%{x:.0f} tokens/s<extra></extra>"}],
                     title, height=max(360, 20 * len(gpus) + 100),
                     xaxis={"title": axis_title("estimated tokens/s (batch 1)")})
    result["layout"]["margin"]["l"] = 220
    return result


def price_vs_speed(gpus: list[str], prices: list[float], tokens: list[float], *, title: str) -> dict:
    return _figure([{"type": "scatter", "x": prices, "y": tokens, "mode": "markers", "text": gpus,
                     "marker": {"size": 10, "color": "#e8590c"},
                     "hovertemplate": "%{text}<br>$%{x:,.0f} · %{y:.0f} tokens/s<extra></extra>"}],
                   title, xaxis={"title": axis_title("launch price (USD)"), "type": "log"},
                   yaxis={"title": axis_title("estimated tokens/s")})


def score_vs_memory(names: list[str], memory: list[float], scores: list[float], *, title: str) -> dict:
    front = pareto_front(list(zip(memory, scores)))
    return _figure([
        {"type": "scatter", "x": memory, "y": scores, "mode": "markers", "text": names, "name": "models",
         "marker": {"size": 9, "color": "#4f6bed", "opacity": 0.75},
         "hovertemplate": "%{text}<br>%{x:.1f} GB · %{y:.2f}<extra></extra>"},
        {"type": "scatter", "x": [memory[i] for i in front], "y": [scores[i] for i in front], "mode": "lines+markers",
         "name": "Pareto front", "line": {"color": "#e8590c"}},
    ], title, xaxis={"title": axis_title("memory needed (GB)")}, yaxis={"title": axis_title("leaderboard score")})
