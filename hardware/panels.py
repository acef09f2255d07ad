"""The hardware-fit section hardware adds to the model page (see catalog.panels)."""

from __future__ import annotations

from django.http import HttpRequest

from catalog.models import LLMModel
from catalog.panels import Panel, register
from hardware import selectors


@register("model", order=20)
def fit_panel(request: HttpRequest, *, model: LLMModel) -> Panel | None:
    context = selectors.model_fit_context(model)
    if context is None:
        return None
    return Panel(key="hardware", title="Hardware fit", template="hardware/panels/model_fit.html", context=context,
                 order=20)
