"""Finding the YAML front matter of a card, even behind scraped noise.

A Hub README starts with ``---`` / YAML / ``---``. Copies of it found in the wild are not
always that clean: a BOM or blank lines before the opening fence (the BOM and CRLF are
removed by :mod:`catalog.cards.guards`), or a scraped "file view" of the README that puts a
``File size: 4,758 Bytes`` line, a column of blame commit hashes and a column of line
numbers before the real ``---`` (seed 004).

Accepting any ``---`` would be wrong: Markdown uses ``---`` as a horizontal rule. So leading
lines are only skipped when they look like scrape noise, and the block between the fences
must look like Hub metadata.
"""

from __future__ import annotations

import re

# Lines a scraped file view puts before the card: size line, blame hashes, line numbers,
# blank or non-breaking-space-only lines, and the short UI labels around the file view.
# Matched against the stripped line (no leading/trailing blanks to backtrack over).
_NOISE = re.compile(
    r"File size:.{0,80}|[0-9a-f]{7,40}|\d{1,6}|"
    r"raw|blame|history|edit|delete|download|copy|contribute|file|preview|code|"
    r"\d{1,9}(?:\.\d{1,3})?\s?(?:[kmg]?b|bytes)|(?:\d{1,6}\s)?(?:lines?|loc)|"
    r"(?:[\w.-]{1,96}/){0,4}readme\.md|[0-9a-f]{7,40}\s.{0,80}",
    re.IGNORECASE,
)
_BLANKS = " \t\u00a0\u200b\ufeff"
MAX_NOISE_LINE = 200
_FENCE_OPEN = re.compile(r"^---[ \t]*$")
_FENCE_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
# First meaningful line inside the fences must be a ``key:`` (or a comment).
_YAML_KEY = re.compile(r"^[A-Za-z_][\w.-]{0,80}\s*:(?:\s|$)")
# Hub metadata keys (https://huggingface.co/docs/hub/model-cards#model-card-metadata): a block
# after unrecognised leading lines is only taken for front matter when it has one of these.
CARD_KEYS = frozenset({
    "license", "license_name", "license_link", "tags", "language", "base_model", "base_model_relation", "datasets",
    "model-index", "library_name", "pipeline_tag", "inference", "widget", "metrics", "thumbnail", "model_name",
    "model_creator", "quantized_by", "new_version",
})
_TOP_KEY = re.compile(r"^([A-Za-z_][\w.-]{0,80})[ \t]*:")
MAX_CHROME_LINE = 100  # page chrome (buttons, commit messages) is short; card prose is not
# How far we look for the opening fence, in lines (the closing one may be anywhere: an
# oversized front matter is refused by the YAML size limit rather than read as Markdown).
MAX_NOISE_LINES = 2000


def _is_noise(line: str) -> bool:
    stripped = line.strip(_BLANKS)
    return not stripped or (len(stripped) <= MAX_NOISE_LINE and _NOISE.fullmatch(stripped) is not None)


def _looks_like_metadata(lines: list[str]) -> bool:
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        return bool(_YAML_KEY.match(stripped))
    return True  # an empty front matter block ("---\n---") is still a front matter block


def split_front_matter(text: str) -> tuple[str | None, str, list[str]]:
    """Return (front matter YAML or None, body, warnings).

    ``None`` means the document has no front matter; the body is then the whole text
    (minus skipped scrape noise when a fence was found after it).
    """
    warnings: list[str] = []
    lines = text.split("\n")
    start = None
    unrecognised = 0  # leading lines that are neither blank nor known scrape noise
    for index, line in enumerate(lines[:MAX_NOISE_LINES]):
        if _FENCE_OPEN.match(line):
            start = index
            break
        if _is_noise(line):
            continue
        stripped = line.strip(_BLANKS)
        if len(stripped) > MAX_CHROME_LINE or stripped.startswith(("#", "|", "<", "!", "[", "*", ">")):
            return None, text, warnings  # real content before any '---': no front matter
        unrecognised += 1
    if start is None:
        return None, text, warnings
    end = next((i for i in range(start + 1, len(lines)) if _FENCE_CLOSE.match(lines[i])), None)
    if end is None:
        if start == 0 and _looks_like_metadata(lines[1:40]):
            warnings.append("The front matter has no closing '---'; it was ignored.")
        return None, text, warnings
    block = lines[start + 1:end]
    if not _looks_like_metadata(block):
        # A horizontal rule after blank lines, not metadata.
        return None, text, warnings
    if unrecognised and not any((m := _TOP_KEY.match(line)) and m.group(1) in CARD_KEYS for line in block):
        return None, text, warnings  # short text lines, then a rule: not a scraped card
    skipped = sum(1 for line in lines[:start] if line.strip(_BLANKS))
    if skipped:
        warnings.append(f"Skipped {start} lines of scraped page noise before the front matter.")
    return "\n".join(block), "\n".join(lines[end + 1:]), warnings
