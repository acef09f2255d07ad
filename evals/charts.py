"""Plotly figures for leaderboards, comparisons and uplift, built server-side as JSON.

Pages embed the JSON with ``json_script`` (data, not code, so the CSP stays strict) and
``static/js/charts.js`` draws it with the Plotly bundle served from ``static/vendor``.
Pure apart from plotly: inputs are plain lists and dicts.
"""

from __future__ import annotations

from typing import Sequence

import plotly.graph_objects as go

EDGE_LAYOUT = dict(margin=dict(l=50, r=20, t=40, b=50), height=420,
                   font=dict(family="system-ui, sans-serif", size=12), legend=dict(orientation="h", y=-0.2))


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of points no other point beats: smaller x (size) AND larger y (score).

    Sorted by x ascending, a point is on the front when its y exceeds every y seen so far.
    """
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front: list[int] = []
    best = float("-inf")
    for index in order:
        if points[index][1] > best:
            front.append(index)
            best = points[index][1]
    return front


def _figure(fig: go.Figure, title: str) -> dict:
    fig.update_layout(title=dict(text=title, x=0.01), **EDGE_LAYOUT)
    return fig.to_plotly_json()


def top_n_bar(names: list[str], values: list[float], *, title: str, n: int = 20) -> dict:
    names, values = names[:n], values[:n]
    fig = go.Figure(go.Bar(x=values[::-1], y=names[::-1], orientation="h", marker_color="#4f6bed",
                           hovertemplate="%{y}<br>%{x:.2f}<extra></extra>"))
    fig.update_layout(height=max(300, 22 * len(names) + 80))
    result = _figure(fig, title)
    result["layout"]["height"] = max(300, 22 * len(names) + 80)
    result["layout"]["margin"]["l"] = 260
    return result


def score_vs_params(names: list[str], params: list[float], scores: list[float], *, title: str,
                    axis: str = "Total parameters (B)") -> dict:
    """Scatter of score against size, with the Pareto front (best score for its size) drawn as a line."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=params, y=scores, mode="markers", name="models", text=names,
                             marker=dict(size=8, opacity=0.7, color="#4f6bed"),
                             hovertemplate="%{text}<br>%{x:.1f}B · %{y:.2f}<extra></extra>"))
    front = pareto_front(list(zip(params, scores)))
    fig.add_trace(go.Scatter(x=[params[i] for i in front], y=[scores[i] for i in front], mode="lines+markers",
                             name="Pareto front", text=[names[i] for i in front], line=dict(color="#e8590c"),
                             hovertemplate="%{text}<br>%{x:.1f}B · %{y:.2f}<extra></extra>"))
    fig.update_xaxes(title=axis, type="log")
    fig.update_yaxes(title="Score")
    return _figure(fig, title)


def distribution(per_benchmark: dict[str, list[float]], *, title: str) -> dict:
    fig = go.Figure()
    for name, values in per_benchmark.items():
        fig.add_trace(go.Box(y=values, name=name, boxpoints="outliers"))
    fig.update_yaxes(title="Score (0-100)")
    fig.update_layout(showlegend=False)
    return _figure(fig, title)


def grouped_bars(benchmarks: list[str], series: dict[str, list[float | None]], *, title: str) -> dict:
    fig = go.Figure()
    for name, values in series.items():
        fig.add_trace(go.Bar(x=benchmarks, y=values, name=name))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="Score")
    return _figure(fig, title)


def radar(benchmarks: list[str], series: dict[str, list[float | None]], *, title: str) -> dict:
    fig = go.Figure()
    for name, values in series.items():
        closed = [v if v is not None else 0 for v in values]
        fig.add_trace(go.Scatterpolar(r=closed + closed[:1], theta=benchmarks + benchmarks[:1], fill="toself",
                                      name=name, opacity=0.6))
    fig.update_layout(polar=dict(radialaxis=dict(range=[0, 100])))
    return _figure(fig, title)


def uplift_by_method(methods: list[str], mean_uplift: list[float], beat_share: list[float], *, title: str) -> dict:
    fig = go.Figure()
    fig.add_trace(go.Bar(x=methods, y=mean_uplift, name="mean uplift vs best parent",
                         marker_color=["#2f9e44" if v >= 0 else "#e03131" for v in mean_uplift]))
    fig.add_trace(go.Scatter(x=methods, y=[s * 100 for s in beat_share], name="% beating all parents",
                             yaxis="y2", mode="markers", marker=dict(size=12, color="#e8590c")))
    fig.update_layout(yaxis=dict(title="points"), yaxis2=dict(title="%", overlaying="y", side="right",
                                                             range=[0, 100]))
    return _figure(fig, title)
