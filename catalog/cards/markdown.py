"""Just enough Markdown structure for fact extraction: fenced code blocks, prose paragraphs,
links reduced to their text.

Fences follow CommonMark (https://spec.commonmark.org/0.31.2/#fenced-code-blocks): three or
more backticks or tildes, closed by a fence of the same character that is at least as long;
an unclosed fence runs to the end of the document. Fence lines are found with one
``finditer`` over the body, not a Python loop per line, so a 2 MB body costs milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_FENCE_LINE = re.compile(r"^([ \t]{0,12})(`{3,}|~{3,})([^\n]*)$", re.MULTILINE)
_CLOSING_LINE = re.compile(r"^([ \t]{0,12})(`{3,}|~{3,})[ \t]*$", re.MULTILINE)
_INFO_WORD = re.compile(r"[ \t]*([\w+.-]{0,40})")
_MD_IMAGE = re.compile(r"!\[[^\[\]\n]{0,300}\]\([^()\s]{0,1000}(?:\s+\"[^\"\n]{0,200}\")?\)")
_MD_LINK = re.compile(r"\[([^\[\]\n]{0,300})\]\([^()\s]{0,1000}(?:\s+\"[^\"\n]{0,200}\")?\)")
_NOT_PROSE = ("#", "!", "|", "<", ">", "[!", "---", "***", "===", "- ", "* ", "+ ", "```", "~~~")
_NUMBERED = re.compile(r"\d{1,3}[.)]\s")
MAX_BLOCKS = 500
MAX_PARAGRAPH_LINES = 20_000  # summaries and training notes live near the top of a card


@dataclass(frozen=True)
class CodeBlock:
    lang: str  # first word of the info string, lower-cased ("yaml", "" ...)
    text: str  # content, de-indented by the fence's own indentation
    line: int  # 1-based line of the opening fence in the body
    start: int  # offset of the opening fence line
    end: int  # offset just past the closing fence line (or the end of the body)


@lru_cache(maxsize=2)
def code_blocks(body: str) -> tuple[CodeBlock, ...]:
    """Fenced code blocks in order (at most MAX_BLOCKS)."""
    if "```" not in body and "~~~" not in body:
        return ()
    blocks: list[CodeBlock] = []
    line, counted_to, position = 1, 0, 0
    while len(blocks) < MAX_BLOCKS:
        opening = _FENCE_LINE.search(body, position)
        if opening is None:
            break
        if opening.group(2)[0] == "`" and "`" in opening.group(3):
            position = opening.end()  # a backtick fence's info string cannot hold backticks: inline code
            continue
        line += body.count("\n", counted_to, opening.start())
        counted_to = opening.start()
        fence = opening.group(2)
        closing = _CLOSING_LINE.search(body, opening.end())
        while closing is not None and (closing.group(2)[0] != fence[0] or len(closing.group(2)) < len(fence)):
            closing = _CLOSING_LINE.search(body, closing.end())
        if closing is None:  # unclosed: runs to the end of the document
            blocks.append(_block(body, opening, len(body), len(body), line))
            break
        blocks.append(_block(body, opening, closing.start(), closing.end(), line))
        position = closing.end()
    return tuple(blocks)


def _block(body: str, opening: re.Match[str], content_end: int, end: int, line: int) -> CodeBlock:
    content = body[min(opening.end() + 1, len(body)):content_end]
    if content.endswith("\n"):
        content = content[:-1]
    indent = opening.group(1)
    if indent:
        content = "\n".join(l[len(indent):] if l.startswith(indent) else l.lstrip(" \t") for l in content.split("\n"))
    info = _INFO_WORD.match(opening.group(3))
    return CodeBlock(lang=info.group(1).lower() if info else "", text=content, line=line, start=opening.start(),
                     end=min(end + 1, len(body)))


@lru_cache(maxsize=2)
def split_code(body: str) -> tuple[str, tuple[str, ...]]:
    """(prose without fenced code blocks, the code blocks' contents)."""
    blocks = code_blocks(body)
    if not blocks:
        return body, ()
    parts: list[str] = []
    position = 0
    for block in blocks:
        parts.append(body[position:block.start])
        position = block.end
    parts.append(body[position:])
    return "\n".join(parts), tuple(block.text for block in blocks)


def unlink(text: str) -> str:
    """Markdown links -> their text, images removed (``[OpenHermes dataset](url)`` -> ``OpenHermes dataset``)."""
    if "](" not in text:
        return text
    return _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", text))


@lru_cache(maxsize=2)
def prose_text(body: str) -> str:
    """The body without code blocks, links reduced to their text."""
    return unlink(split_code(body)[0])


@lru_cache(maxsize=2)
def paragraphs(body: str) -> tuple[str, ...]:
    """Prose paragraphs: consecutive text lines joined, links reduced to their text. Headings,
    images, tables, list items, quotes and HTML end a paragraph (cards often put a heading
    directly above the text, with no blank line)."""
    prose, _ = split_code(body)
    out: list[str] = []
    current: list[str] = []
    for line in [*prose.split("\n", MAX_PARAGRAPH_LINES)[:MAX_PARAGRAPH_LINES], ""]:
        stripped = line.strip()
        if stripped and not stripped.startswith(_NOT_PROSE) and not _NUMBERED.match(stripped):
            current.append(stripped)
            continue
        if current:
            out.append(re.sub(r"\s+", " ", unlink(" ".join(current))).strip())
            current = []
    return tuple(out)
