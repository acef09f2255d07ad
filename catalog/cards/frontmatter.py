"""Finding the YAML front matter of a card, even behind scraped noise."""

from __future__ import annotations

import re

# Lines a scraped "file view" puts before the real card: sizes, blame hashes, line numbers.
_NOISE = re.compile(r"^\s*(?:File size:.*|[0-9a-f]{7,40}|\d{1,6}|)\s*$", re.IGNORECASE)


def split_front_matter(text: str) -> tuple[str | None, str, list[str]]:
    """Return (front matter YAML or None, body, warnings)."""
    warnings: list[str] = []
    lines = text.split("\n")
    start = None
    for index, line in enumerate(lines[:5000]):
        if line.strip() == "---":
            start = index
            break
        if not _NOISE.match(line):
            return None, text, warnings  # real content before any '---': no front matter
    if start is None:
        return None, text, warnings
    for end in range(start + 1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            if start > 0:
                warnings.append(f"Skipped {start} lines of scraped page noise before the front matter.")
            return "\n".join(lines[start + 1:end]), "\n".join(lines[end + 1:]), warnings
    return None, text, warnings
