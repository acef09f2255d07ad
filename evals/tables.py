"""Leaderboard table rows with every cell's text worked out in Python.

The board page shows 50 rows of a dozen cells. Django's template engine resolved each dotted
lookup (``s.model.total_params_b``) by trying a dict lookup and catching its TypeError first,
and ran ``fixed`` and the badge tag per cell: the table cost more than its queries. Here each row
is a dict (the lookup the engine tries first) of finished strings, formatted by the same helpers
the template used, so the page is byte-for-byte what it was.
"""

from __future__ import annotations

from typing import Any, Iterable

from django.template import Context

from catalog.templatetags.catalog_extras import fixed
from evals.models import LeaderboardMember, Score
from evals.templatetags.evals_extras import verification_badge

# What the badge tag's values render with in a page's context: localized, autoescaped.
_PAGE_CONTEXT = Context(autoescape=True)


def _component(value: Any) -> str | None:
    """A member's cell: None (null component, shown as a dash), or its text ("" when missing)."""
    return None if value is None else fixed(value, 2)


def board_rows(scores: Iterable[Score], members: list[LeaderboardMember]) -> list[dict[str, Any]]:
    keys = [m.benchmark.key for m in members]
    rows = []
    for s in scores:
        model = s.model
        components = s.components if isinstance(s.components, dict) else {}
        total, active = model.total_params_b, model.active_params_b
        rows.append({
            "rank": "–" if s.rank is None else s.rank,
            "url": model.get_absolute_url(),
            "repo_id": model.repo_id,
            "is_moe": model.is_moe,
            "average": None if s.average is None else fixed(s.average, 2),
            "completeness": fixed(s.completeness, 2),
            "cells": [_component(components.get(key, "")) for key in keys],
            "params": fixed(total, 1) if total else "",
            "active": fixed(active, 1) if total and active and active != total else "",
            "badge": verification_badge(_PAGE_CONTEXT, s.verification, s.reported_average, s.average),
            "flags": s.flag_count,
        })
    return rows
