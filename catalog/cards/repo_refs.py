"""Hugging Face repo references: links in prose, ``org/name`` ids, quantized repo names.

Shared by the front matter, merge-recipe and prose parsers so that "which repos does this
card mention" has one answer. All patterns are bounded (repo ids are at most 96 characters
per segment on the Hub) so hostile input cannot make them backtrack.
"""

from __future__ import annotations

import re
from functools import lru_cache

# https://huggingface.co/docs/hub/repositories: "org/name", each part [\w.-], at most 96 chars.
REPO_ID_RE = re.compile(r"[A-Za-z0-9][\w.-]{0,95}/[\w.-]{1,96}")
# Starts with a literal, so the regex engine can skip ahead instead of trying every position.
_LINK = re.compile(r"(?:huggingface|hf)\.co/([\w.-]{1,96})/([\w.-]{1,96})")
_HOST_PREFIX = re.compile(r"[\w-]")  # a character that would make "xhf.co" / "myhuggingface.co" another host
# First path segments on huggingface.co that are not organisations.
RESERVED = frozenset({
    "datasets", "spaces", "docs", "blog", "papers", "collections", "organizations", "settings", "models", "api",
    "join", "login", "pricing", "new", "tasks", "learn", "chat", "posts", "search", "enterprise", "inference-api",
    "inference-endpoints", "welcome", "terms-of-service", "privacy", "front", "storage", "billing",
})
_DATASET_LINK = re.compile(r"(?:huggingface\.co|hf\.co)/datasets/([\w.-]{1,96})/([\w.-]{1,96})")

# Quantized repo names: "-GGUF", "_q8_0_gguf", "-GPTQ-4bit-128g", "-exl2-6.0bpw", "-AWQ", "-FP8".
_QUANT_FORMAT = re.compile(r"(?<![a-z0-9])(gguf|gptq|awq|exl2|fp8)(?![a-z0-9])")
_GGUF_LEVEL = re.compile(r"(?<![a-z0-9])(i?q[1-8](?:_k)?(?:_(?:xxs|xs|s|m|l|nl|0|1))?|bf16|f16|fp16)(?![a-z0-9])")
_BPW_LEVEL = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d{1,2})?)[-_]?bpw")
_BIT_LEVEL = re.compile(r"(?<!\d)(\d{1,2})[-_]?bits?(?:[-_](\d{1,4})g)?(?![a-z0-9])")


def is_repo_id(value: str) -> bool:
    return bool(REPO_ID_RE.fullmatch(value or "")) and ".." not in value and value.split("/")[0].lower() not in RESERVED


def _clean_name(name: str) -> str:
    # "see https://huggingface.co/org/name." - the sentence's full stop is not part of the name.
    return name.rstrip(".")


MAX_LINKS = 1000  # a real card links a few dozen repos; this bounds the work per link downstream


@lru_cache(maxsize=2)
def _link_matches(text: str) -> tuple[tuple[str, int, int], ...]:
    """(``org/name``, start, end) of the first MAX_LINKS huggingface.co / hf.co model links, in order."""
    if "co/" not in text:
        return ()
    out: list[tuple[str, int, int]] = []
    for match in _LINK.finditer(text):
        if len(out) >= MAX_LINKS:
            break
        before = text[match.start() - 1:match.start()]
        if before and _HOST_PREFIX.match(before):
            continue
        org, name = match.group(1), _clean_name(match.group(2))
        if org.lower() in RESERVED or not name:
            continue
        out.append((f"{org}/{name}", match.start(), match.end()))
    return tuple(out)


def hf_model_links(text: str) -> list[str]:
    """``org/name`` of every huggingface.co model link, in order of appearance, deduplicated."""
    seen: dict[str, str] = {}
    for repo, _, _ in _link_matches(text):
        seen.setdefault(repo.lower(), repo)
    return list(seen.values())


def hf_model_links_with_context(text: str, width: int = 200) -> list[tuple[str, str]]:
    """(``org/name``, the text around the link on its line) pairs, for links whose meaning
    depends on the prose ("SFT only version ... <link>", "Quantized models: <link>")."""
    out: list[tuple[str, str]] = []
    for repo, start_at, end_at in _link_matches(text):
        # Bounded look-around: on a 2 MB single-line document an unbounded find is quadratic.
        low, high = max(0, start_at - width), min(len(text), end_at + width)
        start = max(text.rfind("\n", low, start_at) + 1, low)
        line_end = text.find("\n", end_at, high)
        end = line_end if line_end != -1 else high
        out.append((repo, text[start:end]))
    return out


def hf_dataset_links(text: str) -> list[str]:
    seen: dict[str, str] = {}
    for org, name in _DATASET_LINK.findall(text):
        repo = f"{org}/{_clean_name(name)}"
        seen.setdefault(repo.lower(), repo)
    return list(seen.values())


def quant_info(repo_or_name: str) -> tuple[str, str] | None:
    """(format, level) when a repo name says it holds quantized weights, else None.

    ``rombodawg/Open_Gpt4_8x7B_v0.2_q8_0_gguf`` -> ("GGUF", "Q8_0"); ``TheBloke/X-GPTQ`` ->
    ("GPTQ", ""); ``bartowski/X-exl2-6_5`` -> ("EXL2", ""); ``org/X-4.0bpw-h6-exl2`` -> ("EXL2", "4.0bpw").
    """
    name = repo_or_name.split("/")[-1].lower()
    fmt_match = _QUANT_FORMAT.search(name)
    if not fmt_match:
        return None
    fmt = fmt_match.group(1).upper()
    level = ""
    if fmt == "GGUF":
        # The format word itself ("gguf") never matches the level pattern; look around it.
        level_match = _GGUF_LEVEL.search(name)
        level = level_match.group(1).upper() if level_match else ""
        if level in ("F16", "FP16"):
            level = "F16"
    elif fmt == "EXL2":
        if (bpw := _BPW_LEVEL.search(name)):
            level = f"{float(bpw.group(1)):.1f}bpw"
    elif fmt in ("GPTQ", "AWQ"):
        if (bits := _BIT_LEVEL.search(name)):
            level = f"{bits.group(1)}bit" + (f"-{bits.group(2)}g" if bits.group(2) else "")
    return fmt, level
