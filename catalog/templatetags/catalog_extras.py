"""Template helpers for catalog pages: the filters and functions config/jinja2.py gives the site's
templates (still registered as a Django template library, where they are plain filters)."""

from __future__ import annotations

import json
import re
import math
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.http import HttpRequest, QueryDict
from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from catalog import figures

register = template.Library()


@register.filter
def fixed(value: object, places: int = 2) -> str:
    """``floatformat:places`` (places >= 0) for plain numbers, without its per-call locale lookups.

    The model and leaderboard pages format hundreds of scores; ``floatformat`` resolved the active
    language and its number format for each and was their largest template cost. Same rounding
    (half up on the decimal text), no "-0.00", no grouping (USE_THOUSAND_SEPARATOR is off); anything
    that is not a finite number goes to ``floatformat`` itself.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or places < 0 \
            or (isinstance(value, float) and not math.isfinite(value)):
        return floatformat(value, places)
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{abs(rounded) if rounded == 0 else rounded:f}"


@register.filter
def params_b(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}B" if value < 100 else f"{value:.0f}B"


@register.filter
def tokens(value: int | None) -> str:
    if not value:
        return "–"
    return f"{value // 1024}K" if value % 1024 == 0 and value >= 1024 else f"{value:,}"


def nav_current_attribute(request: HttpRequest | None, *prefixes: str, exact: str = "") -> SafeString:
    """`aria-current="page"` on the nav link of the section being shown (styled by the CSS)."""
    path = getattr(request, "path", "") or ""
    if (exact and path == exact) or any(path.startswith(prefix) for prefix in prefixes):
        return mark_safe(' aria-current="page"')
    return mark_safe("")


def query_string_with(request: HttpRequest | None, *pairs: str | None, **changes: str | None) -> str:
    """The request's query string with some parameters replaced (``None``/"" removes them).

    Facet links and sort headers use it so a link never stacks a second value of the same
    parameter and always drops ``page`` (a changed filter starts again at the first page).
    Positional pairs allow names that are not identifiers: ``query_with("sort", "-params")``.
    """
    query: QueryDict = request.GET.copy() if request is not None else QueryDict(mutable=True)
    query.pop("page", None)
    updates = dict(zip(pairs[::2], pairs[1::2]))
    updates.update(changes)
    for key, value in updates.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def pretty_json(value: object) -> str:
    """Parsed facts as indented JSON: readable, and what the API returns for the same document."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


@register.filter
def kind_badge(kind: str) -> str:
    """CSS modifier for a lineage edge kind, matching the colours of the lineage graph."""
    return f"edge-{kind}" if kind else "edge-unknown"


def plotly_figure(figure: object, chart_id: str) -> SafeString:
    """Embed a figure as ``<script type="application/json">``: data, not code, so the strict CSP holds.

    Accepts JSON strings as well as figure dicts. Encoded with orjson -- a leaderboard's figures
    hold tens of thousands of numbers, and plotly's encoder serialises everything three times --
    with NaN/Infinity as null (as plotly's encoder does), Decimals as numbers, and the
    HTML-sensitive characters escaped exactly like ``json_script`` does.
    """
    if isinstance(figure, (str, bytes)):
        figure = json.loads(figure)
    encoded = figures.to_json(figures.for_page(figure) if isinstance(figure, dict) else figure)
    # bytes.replace, not str.translate: translate walks a 300 KB board figure one character at a time.
    for char, escaped in _JSON_SCRIPT_ESCAPES:
        encoded = encoded.replace(char, escaped)
    return mark_safe(f'<script id="{escape(chart_id)}" type="application/json">{encoded.decode()}</script>')


_JSON_SCRIPT_ESCAPES = ((b"<", b"\\u003C"), (b">", b"\\u003E"), (b"&", b"\\u0026"))


@register.filter
def get_item(mapping: object, key: str) -> object:
    """``mapping[key]`` for dicts and QueryDicts (the last value, as a form reads it); "" when absent."""
    getter = getattr(mapping, "get", None)
    return getter(key, "") if getter else ""


@register.filter
def is_list(value: object) -> bool:
    return isinstance(value, (list, tuple))


_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


@register.filter(is_safe=True)
def demote_headings(html: str, levels: int = 2) -> SafeString:
    """Shift the headings of already-sanitized card HTML down (h1 -> h3 ...) so a card's own
    title does not compete with the page's h1 and the document outline stays one tree."""
    return mark_safe(_HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + int(levels))}", html or ""))
