"""Card Markdown -> sanitized HTML, done once at import time and stored.

Pure (no Django). markdown-it renders CommonMark + tables; nh3 (the Rust
``ammonia`` sanitizer) then removes scripts, event handlers, ``javascript:``
URLs and anything else outside a small allow-list, so the stored HTML is safe to
show with ``|safe``.
"""

from __future__ import annotations

import html as html_lib
import re
from functools import lru_cache
from typing import Any, Callable

import nh3
from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")


def _remembered(fn: Callable[[str], Any]) -> Callable[[str], Any]:
    """``fn`` with its answers for short texts remembered (bounded in count and size)."""
    cached = lru_cache(maxsize=2048)(fn)

    def call(text: str) -> Any:
        return cached(text) if type(text) is str and len(text) <= 500 else fn(text)

    return call


# Every link and image URL is normalised (parsed, punycoded, percent-encoded) and validated on each
# render; cards link the same base models and leaderboards over and over. These are pure functions
# of the URL text, so their answers are remembered on this instance, which the link rules call
# through ``state.md``.
_MD.normalizeLink = _remembered(_MD.normalizeLink)  # type: ignore[method-assign]
_MD.validateLink = _remembered(_MD.validateLink)  # type: ignore[method-assign]
_MD.normalizeLinkText = _remembered(_MD.normalizeLinkText)  # type: ignore[method-assign]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}
MAX_RENDER_CHARS = 400_000
_REMOTE_IMG = re.compile(r"<img\b[^>]*?\bsrc=\"(https?://[^\"]+)\"[^>]*>")
_ALT = re.compile(r"\balt=\"([^\"]*)\"")


def _link_remote_images(html: str) -> str:
    """Remote images become links: the catalog never makes a reader's browser call third-party hosts
    (privacy, and the CSP allows images from this site only)."""

    def replace(match: re.Match[str]) -> str:
        alt = _ALT.search(match.group(0))
        label = html_lib.unescape(alt.group(1)) if alt and alt.group(1).strip() else "image"
        return (f'<a class="remote-image" href="{match.group(1)}" rel="noopener noreferrer nofollow">'
                f"[image: {html_lib.escape(label)}]</a>")

    return _REMOTE_IMG.sub(replace, html)


def render_card(markdown: str) -> str:
    """Render and sanitize a card body. Raw HTML inside the card is allowed only through the sanitizer."""
    html = _MD.render(markdown[:MAX_RENDER_CHARS])
    return _link_remote_images(nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ))
