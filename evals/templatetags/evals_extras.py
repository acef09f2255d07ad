"""Template helpers for score tables."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """``{{ scores|get_item:"arc" }}``: dict lookup with a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
