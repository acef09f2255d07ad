"""Parsing the next group of an import job in a thread while the current group is stored.

The worker's time per group was parse + render (pure Python) followed by storing (SQL, much of
it spent waiting on PostgreSQL, which runs on another core). psycopg releases the GIL while it
waits for the server, so a thread can parse the next group's documents during that wait.

Only the pure part runs in the thread: decoding, hashing, ``parse_document`` and ``render_card``.
Everything that touches the database (the idempotency lookup, storing, the item rows) stays on
the worker's own thread and connection, in the same order as before. A result is a cache, never
a decision: ``import_document`` still checks whether the text is already stored before using it,
raises a parse error only where it would have parsed, and a document whose preparation failed in
any other way (a crash in the parser) is parsed again on the worker's thread, so it fails there
exactly as it did without the thread.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable

from catalog.cards.facts import ParseError, ParsedDocument
from catalog.render import render_card


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Prepared:
    """What ``import_document`` computes from a document's content without the database."""

    text: str | None  # None: the content is bytes that are not UTF-8
    digest: str
    parsed: ParsedDocument | None  # None when ``error`` is set
    error: ParseError | None
    html: str | None = None  # the rendered body ("" for none)


def prepare_document(content: str | bytes, *, origin: str, repo_id_hint: str) -> Prepared | None:
    """Decode, hash, parse and render one document as ``import_document`` would; ``repo_id_hint``
    already normalized. None when anything but a ParseError went wrong: the worker redoes it."""
    from catalog.cards import parse_document  # looked up per call, as import_document does

    try:
        try:
            text: str | None = content if isinstance(content, str) else content.decode("utf-8-sig", errors="strict")
        except UnicodeDecodeError:
            text = None
        digest = content_hash(text) if text is not None else ""
        try:
            parsed = parse_document(content, filename=origin, repo_id_hint=repo_id_hint)
        except ParseError as exc:
            return Prepared(text, digest, None, exc)
        if text is None:
            return None  # the parser accepted undecodable bytes: the worker's strict decode decides
        return Prepared(text, digest, parsed, None, render_card(parsed.body_markdown) if parsed.body_markdown else "")
    except Exception:  # noqa: BLE001 - redone on the worker's thread, where it fails as it always did
        return None


@dataclass(frozen=True)
class AheadItem:
    """One item to prepare: its id, content and the arguments ``import_document`` parses it with."""

    pk: int
    content: str | bytes
    origin: str
    repo_id_hint: str  # normalized


class ParseAhead:
    """One background thread preparing documents in the order they were submitted."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-parse")
        self._pending: dict[int, tuple[str | bytes, Future[Prepared | None]]] = {}

    def submit(self, items: Iterable[AheadItem]) -> None:
        for item in items:
            if item.pk not in self._pending:
                future = self._pool.submit(prepare_document, item.content, origin=item.origin,
                                           repo_id_hint=item.repo_id_hint)
                self._pending[item.pk] = (item.content, future)

    def take(self, pk: int, content: str | bytes) -> Prepared | None:
        """The prepared result for item ``pk`` (waiting for it if need be), or None if there is none
        for this very content."""
        entry = self._pending.pop(pk, None)
        if entry is None:
            return None
        if entry[0] != content:
            entry[1].cancel()
            return None
        return entry[1].result()

    def retain(self, pks: set[int]) -> None:
        """Forget items no longer expected (claimed by another worker): bounded memory."""
        for pk in [pk for pk in self._pending if pk not in pks]:
            self._pending.pop(pk)[1].cancel()

    def close(self) -> None:
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
