"""What a catalog page shows, read from its HTML.

The pages are Jinja2 templates, for which Django's test client records no ``response.context``:
tests assert on the page people see instead.
"""

from __future__ import annotations

import html
import re

from django.http import HttpResponse

_MODEL_LINK = re.compile(r'<a class="model-name" href="[^"]*">([^<]*)</a>')
_RESULT_COUNT = re.compile(r'data-testid="result-count"[^>]*>([\d,]+) model')
_PAGER_STATUS = re.compile(r'<span class="pager-status">Page ([\d,]+) of ([\d,]+)</span>')
_FACETS = re.compile(r'<aside class="facets".*?</aside>', re.S)
_FACET_GROUP = re.compile(r"<h3>([^<]+)</h3>\s*<ul>(.*?)</ul>", re.S)
_FACET_ENTRY = re.compile(r'<a href="[^"]*"[^>]*>([^<]*)</a><span class="count">([\d,]+)</span>')
_STAT = re.compile(r'<div class="value">(?:<a [^>]*>)?([\d,]+)(?:</a>)?</div><div class="label">([^<]+)</div>')
_LICENSE_BADGE = re.compile(r'<span class="badge [^"]*">([^<]+) · (\d+)</span>')


def _text(response: HttpResponse) -> str:
    return response.content.decode()


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def model_names(response: HttpResponse) -> list[str]:
    """The repo ids in the catalog page's result table, in order."""
    return [html.unescape(name) for name in _MODEL_LINK.findall(_text(response))]


def result_count(response: HttpResponse) -> int:
    """How many models the catalog page says match (also when it lists only the first of them)."""
    return _number(_RESULT_COUNT.search(_text(response)).group(1))


def pager(response: HttpResponse) -> tuple[int, int]:
    """(page number, number of pages) from the numbered pager."""
    number, pages = _PAGER_STATUS.search(_text(response)).groups()
    return _number(number), _number(pages)


def facets(response: HttpResponse) -> dict[str, dict[str, int]]:
    """The sidebar's facets: {heading: {entry as shown: count}}."""
    aside = _FACETS.search(_text(response)).group(0)
    return {heading: {html.unescape(label): _number(n) for label, n in _FACET_ENTRY.findall(entries)}
            for heading, entries in _FACET_GROUP.findall(aside)}


def home_stats(response: HttpResponse) -> dict[str, int]:
    """The home page's counts: {label: number}."""
    return {label: _number(n) for n, label in _STAT.findall(_text(response))}


def license_summary(response: HttpResponse) -> dict[str, int]:
    """The lineage page's licenses along the tree: {license: models}."""
    summary = _text(response).split('aria-label="License summary">', 1)[1].split("</p>", 1)[0]
    return {html.unescape(name): int(n) for name, n in _LICENSE_BADGE.findall(summary)}
