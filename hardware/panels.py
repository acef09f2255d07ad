"""The hardware-fit section hardware adds to the model page (see catalog.panels)."""

from __future__ import annotations

from typing import Any, Callable

from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpRequest
from django.utils.formats import get_format

from catalog.models import LLMModel
from catalog.panels import Panel, register
from catalog.templatetags.catalog_extras import fixed, tokens
from hardware import selectors


@register("model", order=20)
def fit_panel(request: HttpRequest, *, model: LLMModel) -> Panel | None:
    context = selectors.model_fit_context(model)
    if context is None:
        return None
    context["gpu_rows"] = gpu_rows(context["runs_it"])
    return Panel(key="hardware", title="Hardware fit", template="hardware/panels/model_fit.html", context=context,
                 order=20)


def gpu_rows(runs_it: list[tuple[Any, Any]]) -> list[dict[str, Any]]:
    """The "GPUs that run it" table (a hundred rows) as finished cell text, formatted by the filters
    the template used: per cell, Django's engine cost more than the fit computation behind it."""
    price = _whole_number_grouper()
    return [{
        "url": gpu.get_absolute_url(), "name": gpu.name, "memory": fixed(gpu.memory_gb, 0),
        "fits": result.verdict == "fits", "max_context": tokens(result.max_context),
        "total": fixed(result.total_gb, 1), "speed": fixed(result.tokens_per_s, 0),
        "price": price(gpu.launch_price_usd) if gpu.launch_price_usd else "",
    } for gpu, result in runs_it]


def _whole_number_grouper() -> Callable[[int], str]:
    """``intcomma`` for whole numbers, with the active language's separator looked up once: per
    call, intcomma resolves the language and three number formats (half the table's cost). Any
    grouping other than thousands goes to intcomma itself."""
    separator, grouping = get_format("THOUSAND_SEPARATOR"), get_format("NUMBER_GROUPING")
    if grouping != 3:
        return intcomma
    return lambda value: f"{value:,}".replace(",", separator) if isinstance(value, int) else intcomma(value)
