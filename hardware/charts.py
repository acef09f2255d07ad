"""Plotly figures for hardware fit (JSON for static/js/charts.js)."""

from __future__ import annotations

import plotly.graph_objects as go

from evals.charts import EDGE_LAYOUT, pareto_front


def _figure(fig: go.Figure, title: str, height: int | None = None) -> dict:
    fig.update_layout(title=dict(text=title, x=0.01), **EDGE_LAYOUT)
    if height:
        fig.update_layout(height=height)
    return fig.to_plotly_json()


def fit_heatmap(gpus: list[str], quants: list[str], ratio: list[list[float]], text: list[list[str]], *,
                title: str) -> dict:
    """Memory needed / memory available per GPU (rows) and quantization (columns); <= 1 fits."""
    fig = go.Figure(go.Heatmap(
        z=ratio, x=quants, y=gpus, text=text, hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
        zmin=0, zmax=2, colorscale=[[0, "#2f9e44"], [0.5, "#fab005"], [0.5001, "#fa5252"], [1, "#c92a2a"]],
        colorbar=dict(title="needed / available"),
    ))
    return _figure(fig, title, height=max(420, 22 * len(gpus) + 120))


def speed_bars(gpus: list[str], tokens: list[float], *, title: str) -> dict:
    fig = go.Figure(go.Bar(x=tokens, y=gpus, orientation="h", marker_color="#4f6bed",
                           hovertemplate="%{y}<br>%{x:.0f} tokens/s<extra></extra>"))
    fig.update_xaxes(title="estimated tokens/s (batch 1)")
    result = _figure(fig, title, height=max(360, 20 * len(gpus) + 100))
    result["layout"]["margin"]["l"] = 220
    return result


def price_vs_speed(gpus: list[str], prices: list[float], tokens: list[float], *, title: str) -> dict:
    fig = go.Figure(go.Scatter(x=prices, y=tokens, mode="markers", text=gpus, marker=dict(size=10, color="#e8590c"),
                               hovertemplate="%{text}<br>$%{x:,.0f} · %{y:.0f} tokens/s<extra></extra>"))
    fig.update_xaxes(title="launch price (USD)", type="log")
    fig.update_yaxes(title="estimated tokens/s")
    return _figure(fig, title)


def score_vs_memory(names: list[str], memory: list[float], scores: list[float], *, title: str) -> dict:
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=memory, y=scores, mode="markers", text=names, name="models",
                             marker=dict(size=9, color="#4f6bed", opacity=0.75),
                             hovertemplate="%{text}<br>%{x:.1f} GB · %{y:.2f}<extra></extra>"))
    front = pareto_front(list(zip(memory, scores)))
    fig.add_trace(go.Scatter(x=[memory[i] for i in front], y=[scores[i] for i in front], mode="lines+markers",
                             name="Pareto front", line=dict(color="#e8590c")))
    fig.update_xaxes(title="memory needed (GB)")
    fig.update_yaxes(title="leaderboard score")
    return _figure(fig, title)
