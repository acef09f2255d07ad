"""The chart modules write plotly's figure JSON as plain dicts (catalog.figures); each must be what
plotly.graph_objects would build from the same inputs, template and all."""

from __future__ import annotations

import json

import plotly.graph_objects as go

from catalog import charts as catalog_charts
from evals import charts as evals_charts
from evals.charts import EDGE_LAYOUT
from hardware import charts as hardware_charts


def plain(figure: go.Figure) -> dict:
    return json.loads(figure.to_json())


def test_size_chart_matches_graph_objects() -> None:
    rows = [("up to 3B", 4, 1), ("3–9B", 10, 0)]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=["up to 3B", "3–9B"], y=[4, 10], name="dense", marker_color=catalog_charts.DENSE_COLOR,
                         hovertemplate="%{x}: %{y} dense<extra></extra>"))
    fig.add_trace(go.Bar(x=["up to 3B", "3–9B"], y=[1, 0], name="mixture of experts",
                         marker_color=catalog_charts.MOE_COLOR, hovertemplate="%{x}: %{y} MoE<extra></extra>"))
    fig.update_layout(barmode="stack", title=dict(text="", x=0.01), height=340, margin=dict(l=50, r=20, t=16, b=50),
                      legend=dict(orientation="h", y=-0.22, x=0), font=dict(family="system-ui, sans-serif", size=12),
                      bargap=0.25)
    fig.update_xaxes(title=dict(text="total parameters"))
    fig.update_yaxes(title=dict(text="models"), rangemode="tozero", tickformat="d")
    assert json.loads(catalog_charts.size_distribution(rows)) == plain(fig)


def test_board_and_fit_charts_match_graph_objects() -> None:
    names, params, scores = ["a/x", "b/y", "c/z"], [7.0, 13.0, 70.0], [60.0, 58.5, 71.2]
    fig = go.Figure()
    hover = "%{text}<br>%{x:.1f}B · %{y:.2f}<extra></extra>"
    fig.add_trace(go.Scatter(x=params, y=scores, mode="markers", name="models", text=names,
                             marker=dict(size=8, opacity=0.7, color="#4f6bed"), hovertemplate=hover))
    fig.add_trace(go.Scatter(x=[7.0, 70.0], y=[60.0, 71.2], mode="lines+markers", name="Pareto front",
                             text=["a/x", "c/z"], line=dict(color="#e8590c"), hovertemplate=hover))
    fig.update_xaxes(title="Total parameters (B)", type="log")
    fig.update_yaxes(title="Score")
    fig.update_layout(title=dict(text="T", x=0.01), **EDGE_LAYOUT)
    assert evals_charts.score_vs_params(names, params, scores, title="T") == plain(fig)

    fig = go.Figure(go.Bar(x=[2.0, 1.0], y=["g2", "g1"], orientation="h", marker_color="#4f6bed",
                           hovertemplate="%{y}<br>%{x:.0f} tokens/s<extra></extra>"))
    fig.update_xaxes(title="estimated tokens/s (batch 1)")
    fig.update_layout(title=dict(text="T", x=0.01), **EDGE_LAYOUT)
    fig.update_layout(height=360, margin=dict(l=220))
    assert hardware_charts.speed_bars(["g2", "g1"], [2.0, 1.0], title="T") == plain(fig)
    # Adjusting one figure never leaks into the shared layout constants.
    assert EDGE_LAYOUT["margin"]["l"] == 50 and EDGE_LAYOUT["height"] == 420


def test_embedded_figure_is_the_same_json_with_html_characters_escaped() -> None:
    from decimal import Decimal

    from catalog.templatetags.catalog_extras import plotly_figure

    figure = {"data": [{"x": [1.5, float("nan"), Decimal("2.5")], "text": ["<b>&</b>"]}],
              "layout": {"title": {"text": "a</script>"}}}
    html = str(plotly_figure(figure, "chart-x"))
    assert html.startswith('<script id="chart-x" type="application/json">') and html.endswith("</script>")
    body = html.split(">", 1)[1].rsplit("</script>", 1)[0]
    assert "<" not in body and ">" not in body and "&" not in body
    assert json.loads(body) == {"data": [{"x": [1.5, None, 2.5], "text": ["<b>&</b>"]}],
                                "layout": {"title": {"text": "a</script>"}}}
    assert json.loads(str(plotly_figure(json.dumps(figure["layout"]), "c")).split(">", 1)[1][:-9]) == figure["layout"]


def test_embedded_figures_leave_out_plotlys_default_template_which_the_page_script_replaces() -> None:
    from catalog.figures import figure, for_page
    from catalog.templatetags.catalog_extras import plotly_figure

    built = figure([{"type": "bar", "x": [1], "y": [2]}], {"title": {"text": "t"}, "height": 300})
    assert "template" in built["layout"]
    embedded = json.loads(str(plotly_figure(built, "c")).split(">", 1)[1][:-9])
    assert embedded == {"data": [{"type": "bar", "x": [1], "y": [2]}], "layout": {"title": {"text": "t"}, "height": 300}}
    assert for_page(built) == embedded and "template" in built["layout"]  # the built figure is not changed


def test_fixed_formats_numbers_exactly_like_floatformat() -> None:
    import random
    from decimal import Decimal

    from django.template.defaultfilters import floatformat

    from catalog.templatetags.catalog_extras import fixed

    rng = random.Random(8)
    values = [0, 0.0, -0.0, -0.001, 2.25, 2.675, 1e-7, 123456.789, -5.5, 0.5, 24, Decimal("3.14159"), None, "abc",
              "2.5", float("nan"), float("inf"), True] + [rng.uniform(-1000, 1000) for _ in range(2000)]
    for value in values:
        for places in (0, 1, 2):
            assert str(fixed(value, places)) == str(floatformat(value, places)), (value, places)
