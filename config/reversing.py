"""reverse() for the links a page repeats, without resolving the URL pattern each time.

Model, GPU and leaderboard pages link hundreds of objects; reverse() per link (namespace lookup,
pattern candidates, quoting) was a visible share of their rendering. ``slot_url`` reverses the
path around one keyword argument once per script prefix and URLconf, and quotes the value the way
reverse() does.
"""

from __future__ import annotations

import functools
from urllib.parse import quote

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

# Digits, so that every converter in use (path, slug, int) accepts it; reversed once, then replaced.
_SLOT = "8675309000271828"


@functools.lru_cache(maxsize=64)
def _parts(viewname: str, kwarg: str, script_prefix: str, urlconf: str | None) -> tuple[str, str]:
    head, _slot, tail = reverse(viewname, kwargs={kwarg: _SLOT}, urlconf=urlconf).partition(_SLOT)
    return head, tail


def slot_url(viewname: str, kwarg: str, value: str | int) -> str:
    """``reverse(viewname, kwargs={kwarg: value})`` for a view whose path has that one argument and
    whose converter accepts the value (a model's repo id, a slug, a primary key)."""
    text = str(value)
    if not text:
        return reverse(viewname, kwargs={kwarg: value})  # raises NoReverseMatch, as reverse() would
    head, tail = _parts(viewname, kwarg, get_script_prefix(), get_urlconf())
    return f"{head}{quote(text, safe=RFC3986_SUBDELIMS + '/~:@')}{tail}"
