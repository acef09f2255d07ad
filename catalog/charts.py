"""Plotly figures for catalog pages, built server-side as plain JSON (see catalog.figures): plain
lists in, a JSON string out (templates embed it with includes/chart.html; static/js/charts.js draws it)."""

from __future__ import annotations

import json

from catalog.figures import axis_title, figure

DENSE_COLOR = "#4553d6"
MOE_COLOR = "#d9480f"


def size_distribution(rows: list[tuple[str, int, int]], *, title: str = "") -> str:
    """Stacked bars: how many dense and mixture-of-experts models fall in each size range."""
    labels = [label for label, _dense, _moe in rows]
    traces = [
        {"type": "bar", "x": labels, "y": [dense for _l, dense, _m in rows], "name": "dense",
         "marker": {"color": DENSE_COLOR}, "hovertemplate": "%{x}: %{y} dense<extra></extra>"},
        {"type": "bar", "x": labels, "y": [moe for _l, _d, moe in rows], "name": "mixture of experts",
         "marker": {"color": MOE_COLOR}, "hovertemplate": "%{x}: %{y} MoE<extra></extra>"},
    ]
    return json.dumps(figure(traces, {
        "barmode": "stack", "title": {"text": title, "x": 0.01}, "height": 340,
        "margin": {"l": 50, "r": 20, "t": 44 if title else 16, "b": 50},
        "legend": {"orientation": "h", "y": -0.22, "x": 0}, "font": {"family": "system-ui, sans-serif", "size": 12},
        "bargap": 0.25,
        "xaxis": {"title": axis_title("total parameters")},
        "yaxis": {"title": axis_title("models"), "rangemode": "tozero", "tickformat": "d"},
    }))
