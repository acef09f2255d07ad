"""Template helpers for catalog pages."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context: template.Context, panel) -> SafeString:
    """Render a Panel contributed by another app with its own context (see catalog.panels)."""
    return render_to_string(panel.template, panel.context, request=context.get("request"))


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
