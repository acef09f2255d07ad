"""Plotly figures for catalog pages, built server-side. Pure apart from plotly: plain lists in,
``fig.to_json()`` out (templates embed it with includes/chart.html; static/js/charts.js draws it)."""

from __future__ import annotations

import plotly.graph_objects as go

DENSE_COLOR = "#4553d6"
MOE_COLOR = "#d9480f"


def size_distribution(rows: list[tuple[str, int, int]], *, title: str = "") -> str:
    """Stacked bars: how many dense and mixture-of-experts models fall in each size range."""
    labels = [label for label, _dense, _moe in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=labels, y=[dense for _l, dense, _m in rows], name="dense", marker_color=DENSE_COLOR,
                         hovertemplate="%{x}: %{y} dense<extra></extra>"))
    fig.add_trace(go.Bar(x=labels, y=[moe for _l, _d, moe in rows], name="mixture of experts",
                         marker_color=MOE_COLOR, hovertemplate="%{x}: %{y} MoE<extra></extra>"))
    fig.update_layout(
        barmode="stack", title=dict(text=title, x=0.01), height=340, margin=dict(l=50, r=20, t=44 if title else 16, b=50),
        legend=dict(orientation="h", y=-0.22, x=0), font=dict(family="system-ui, sans-serif", size=12),
        bargap=0.25,
    )
    fig.update_xaxes(title=dict(text="total parameters"))
    fig.update_yaxes(title=dict(text="models"), rangemode="tozero", tickformat="d")
    return fig.to_json()
