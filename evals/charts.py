"""Plotly figures for leaderboards, comparisons and uplift, built server-side as JSON.

Pages embed the JSON with ``json_script`` (data, not code, so the CSP stays strict) and
``static/js/charts.js`` draws it with the Plotly bundle served from ``static/vendor``.
Pure: inputs are plain lists and dicts, outputs plotly's figure JSON written as plain dicts
(catalog.figures explains why graph_objects are not used at request time).
"""

from __future__ import annotations

from typing import Any, Sequence

from catalog.figures import axis_title, figure

UNKNOWN_COLOUR = "#868e96"  # a value the data cannot give (no scored parent), drawn neutral
EDGE_LAYOUT = dict(margin=dict(l=50, r=20, t=40, b=50), height=420,
                   font=dict(family="system-ui, sans-serif", size=12), legend=dict(orientation="h", y=-0.2))


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of points no other point beats: smaller x (size) AND larger y (score).

    Sorted by x ascending, a point is on the front when its y exceeds every y seen so far.
    """
    # Sorting (x, -y, index) tuples compares without a Python key call per comparison: a board's
    # charts take the front of 2,000 points twice per request.
    front: list[int] = []
    best = float("-inf")
    for _x, negative_y, index in sorted([(x, -y, i) for i, (x, y) in enumerate(points)]):
        if -negative_y > best:
            front.append(index)
            best = -negative_y
    return front


def _figure(traces: list[dict[str, Any]], title: str, **layout: Any) -> dict:
    return figure(traces, {**layout, "title": {"text": title, "x": 0.01}, **EDGE_LAYOUT})


def top_n_bar(names: list[str], values: list[float], *, title: str, n: int = 20) -> dict:
    names, values = names[:n], values[:n]
    result = _figure([{"type": "bar", "x": values[::-1], "y": names[::-1], "orientation": "h",
                       "marker": {"color": "#4f6bed"}, "hovertemplate": "%{y}<br>%{x:.2f}<extra></extra>"}], title)
    result["layout"]["height"] = max(300, 22 * len(names) + 80)
    result["layout"]["margin"]["l"] = 260
    return result


def score_vs_params(names: list[str], params: list[float], scores: list[float], *, title: str,
                    axis: str = "Total parameters (B)") -> dict:
    """Scatter of score against size, with the Pareto front (best score for its size) drawn as a line."""
    front = pareto_front(list(zip(params, scores)))
    hover = "%{text}<br>%{x:.1f}B · %{y:.2f}<extra></extra>"
    return _figure([
        {"type": "scatter", "x": params, "y": scores, "mode": "markers", "name": "models", "text": names,
         "marker": {"size": 8, "opacity": 0.7, "color": "#4f6bed"}, "hovertemplate": hover},
        {"type": "scatter", "x": [params[i] for i in front], "y": [scores[i] for i in front], "mode": "lines+markers",
         "name": "Pareto front", "text": [names[i] for i in front], "line": {"color": "#e8590c"},
         "hovertemplate": hover},
    ], title, xaxis={"title": axis_title(axis), "type": "log"}, yaxis={"title": axis_title("Score")})


def distribution(per_benchmark: dict[str, list[float]], *, title: str) -> dict:
    traces = [{"type": "box", "y": values, "name": name, "boxpoints": "outliers"}
              for name, values in per_benchmark.items()]
    return _figure(traces, title, yaxis={"title": axis_title("Score (0-100)")}, showlegend=False)


def grouped_bars(benchmarks: list[str], series: dict[str, list[float | None]], *, title: str) -> dict:
    traces = [{"type": "bar", "x": benchmarks, "y": values, "name": name} for name, values in series.items()]
    return _figure(traces, title, barmode="group", yaxis={"title": axis_title("Score")})


def radar(benchmarks: list[str], series: dict[str, list[float | None]], *, title: str) -> dict:
    traces = []
    for name, values in series.items():
        closed = [v if v is not None else 0 for v in values]
        traces.append({"type": "scatterpolar", "r": closed + closed[:1], "theta": benchmarks + benchmarks[:1],
                       "fill": "toself", "name": name, "opacity": 0.6})
    return _figure(traces, title, polar={"radialaxis": {"range": [0, 100]}})


def uplift_by_method(methods: list[str], mean_uplift: list[float | None], beat_share: list[float], *,
                     title: str) -> dict:
    """A method's mean uplift is None when none of its merges has a scored best parent: no bar, grey."""
    return _figure([
        {"type": "bar", "x": methods, "y": mean_uplift, "name": "mean uplift vs best parent",
         "marker": {"color": [UNKNOWN_COLOUR if v is None else "#2f9e44" if v >= 0 else "#e03131"
                              for v in mean_uplift]}},
        {"type": "scatter", "x": methods, "y": [s * 100 for s in beat_share], "name": "% beating all parents",
         "yaxis": "y2", "mode": "markers", "marker": {"size": 12, "color": "#e8590c"}},
    ], title, yaxis={"title": axis_title("points")},
        yaxis2={"title": axis_title("%"), "overlaying": "y", "side": "right", "range": [0, 100]})
