"""Plotly figure JSON built as plain dicts.

``plotly.graph_objects`` validates every property through a tree of validator objects: building
and serialising the four or five figures of a model or leaderboard page took 100-400 ms of the
request. The pages only need the JSON plotly.js reads, so the chart modules (catalog, evals,
hardware) write those dicts directly with these helpers; ``catalog/tests/test_figures.py`` checks
that each one equals what ``graph_objects`` builds from the same inputs.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from functools import cache
from typing import Any

import orjson


@cache
def _template() -> dict[str, Any]:
    """plotly.py's default template (what ``go.Figure`` puts in every layout), read once per process."""
    import plotly.io as pio

    return pio.templates[pio.templates.default].to_plotly_json()


def figure(traces: list[dict[str, Any]], layout: dict[str, Any]) -> dict[str, Any]:
    """``{"data": ..., "layout": ...}`` as ``go.Figure(...).to_plotly_json()`` gives it.

    The layout is deep-copied so callers may adjust the result without touching shared constants;
    the template is shared (read-only: pages only serialise it).
    """
    return {"data": traces, "layout": {"template": _template(), **copy.deepcopy(layout)}}


def axis_title(text: str) -> dict[str, str]:
    """plotly turns ``title="..."`` on an axis or colour bar into ``{"text": ...}``."""
    return {"text": text}


def for_page(figure: dict[str, Any]) -> dict[str, Any]:
    """The figure as a page's script needs it: without plotly's default template (6.5 KB of JSON
    per figure), which static/js/charts.js drops anyway to colour the chart by the page theme."""
    layout = figure.get("layout")
    if not isinstance(layout, dict) or "template" not in layout:
        return figure
    return {**figure, "layout": {k: v for k, v in layout.items() if k != "template"}}


def to_json(figure: object) -> bytes:
    """A figure (or a dict of them) as JSON bytes, the way plotly's encoder writes it: NaN and
    Infinity as null, Decimals as numbers. orjson, because a leaderboard's figures hold tens of
    thousands of numbers and plotly's encoder serialises everything three times."""
    return orjson.dumps(figure, default=_json_fallback, option=orjson.OPT_SERIALIZE_NUMPY)


def _json_fallback(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    from plotly.utils import PlotlyJSONEncoder  # anything else plotly knows how to write (pandas, PIL ...)

    return json.loads(json.dumps(value, cls=PlotlyJSONEncoder))
