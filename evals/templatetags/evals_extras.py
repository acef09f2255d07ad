"""Template helpers for score tables."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def verification_badge(context: template.Context, status: str, stated: Any, recomputed: Any) -> str:
    """The badge for a verification status (verified / mismatch / unverifiable), or nothing.

    It was an ``{% include %}``; a leaderboard page renders one per row, and the include's context
    push and template walk cost more than the badge. Values render exactly as ``{{ value }}`` would
    (render_value_in_context), and the include's line breaks are kept so pages stay byte-identical.
    """
    if status == "verified":
        shown = format_html(" {}", render_value_in_context(stated, context)) if stated is not None else ""
        return format_html('<span class="badge badge-ok" title="The stated average{} recomputes from its components">'
                           "verified</span>\n\n", shown)
    if status == "mismatch":
        return format_html('<span class="badge badge-bad" title="Stated {} but the components give {}">'
                           "mismatch</span>\n\n",
                           render_value_in_context(stated, context),
                           render_value_in_context("?" if recomputed is None else recomputed, context))
    if status == "insufficient":
        return mark_safe('<span class="badge badge-muted" title="A stated average whose components are not all in the '
                         'document">unverifiable</span>\n')
    return "\n"
