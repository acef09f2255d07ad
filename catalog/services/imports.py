"""Importing documents: one transaction per document, idempotent by content hash,
driven by ImportJob rows that survive lost messages and killed workers."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import CharField, Count, Exists, F, Func, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from catalog.cards.facts import ParseError, ParsedDocument
from catalog.jobs import JobStatus
from catalog.models import (
    DocumentKind,
    DocumentStatus,
    EdgeKind,
    ImportItem,
    ImportJob,
    ItemStatus,
    LineageEdge,
    LLMModel,
    MergeRecipe,
    QuantFormat,
    QuantizedVariant,
    SourceDocument,
)
from catalog.render import render_card
from catalog.services.bulk_store import FreshDocument, referenced_repo_ids, store_fresh
from catalog.services.lineage import cycle_error
from catalog.services.models import (
    LookupCache,
    apply_model_facts,
    bulk_create_with_history,
    facts_to_json,
    get_or_create_model,
    get_or_create_organization,
    normalize_repo_id,
    save_with_history,
)
from catalog.services.parse_ahead import AheadItem, ParseAhead, Prepared, content_hash
from catalog.signals import document_imported, document_superseded, import_job_finished
from config.sitecache.version import catalog_changed

logger = logging.getLogger(__name__)


class ImportFailed(Exception):
    """A document that cannot be imported, with a reason a person can act on."""

    def __init__(self, reason: str, code: str = "invalid") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass
class DocumentInput:
    name: str
    content: str | bytes
    repo_id_hint: str = ""


@dataclass
class ImportOutcome:
    status: str  # ItemStatus value
    document: SourceDocument | None
    model: LLMModel | None
    warnings: list[str] = field(default_factory=list)
    touched_model_ids: set[int] = field(default_factory=set)


# ---------------------------------------------------------------------------
# One document


def import_document(
    content: str | bytes,
    *,
    origin: str = "",
    repo_id_hint: str = "",
    cache: LookupCache | None = None,
    record: Callable[[ImportOutcome], None] | None = None,
    batch: ImportBatch | None = None,
    prepared: Prepared | None = None,
) -> ImportOutcome:
    """Parse and store one document atomically. Raises ImportFailed with the reason.

    ``cache`` carries lookups across the documents of one job. ``record`` is called with the outcome
    inside the document's transaction, so a job's bookkeeping (its item row) commits or rolls back
    together with the document: a killed worker leaves both or neither.

    With a ``batch`` (the worker's path) a parsed document is only staged: the batch stores it when
    it is flushed, inside the caller's transaction, and calls ``record`` then (or ``record.fail``).
    The returned outcome then has status ``running`` and no document yet.

    ``prepared`` is this content decoded, hashed, parsed and rendered ahead of time (see
    ``parse_ahead``); it is used where those steps would run, so the outcome is the same.
    """
    if isinstance(content, bytes) and len(content) > settings.MAX_DOCUMENT_BYTES:
        raise ImportFailed(
            f"Document is {len(content):,} bytes; the limit is {settings.MAX_DOCUMENT_BYTES:,}.", "too_large"
        )
    if repo_id_hint and not normalize_repo_id(repo_id_hint):
        raise ImportFailed(f"'{repo_id_hint}' is not a repo id of the form organization/name.", "invalid_repo_id")
    from catalog.cards import parse_document

    # The idempotency check comes before parsing: a text already stored parsed once and is not
    # parsed again (re-running an import of a folder costs one lookup per file). Text that is not
    # UTF-8 cannot have been stored; the parser reports what is wrong with it.
    text: str | None
    if prepared is not None:
        text, digest = prepared.text, prepared.digest
    else:
        try:
            text = content if isinstance(content, str) else content.decode("utf-8-sig", errors="strict")
        except UnicodeDecodeError:
            text = None
        digest = content_hash(text) if text is not None else ""
    if text is not None:
        existing = (batch.stored_document(digest) if batch is not None else
                    SourceDocument.objects.filter(content_hash=digest).select_related("model").first())
        if existing is not None:
            outcome = ImportOutcome(ItemStatus.UNCHANGED, existing, existing.model, list(existing.warnings))
            if record is not None:
                record(outcome)
            return outcome
    html: str | None = None
    if prepared is not None and prepared.error is not None:
        raise ImportFailed(prepared.error.reason, prepared.error.code) from prepared.error
    if prepared is not None and prepared.parsed is not None:
        parsed, html = prepared.parsed, prepared.html
    else:
        try:
            parsed = parse_document(content, filename=origin, repo_id_hint=normalize_repo_id(repo_id_hint) or "")
        except ParseError as exc:
            raise ImportFailed(exc.reason, exc.code) from exc
    if text is None:  # the parser accepted bytes that are not UTF-8: as before, strict decoding decides
        text = content.decode("utf-8-sig", errors="strict")  # type: ignore[union-attr]
        digest = content_hash(text)
    repo_id = normalize_repo_id(parsed.model.repo_id or "") or normalize_repo_id(repo_id_hint)
    if not repo_id:
        raise ImportFailed(
            "Could not tell which model this document describes: no repo id found "
            "(give one as repo_id / --repo-id, e.g. 'mistralai/Mixtral-8x7B-v0.1').",
            "no_repo_id",
        )
    if batch is not None:
        batch.stage(parsed, text=text, digest=digest, origin=origin, repo_id=repo_id, record=record, html=html)
        return ImportOutcome(ItemStatus.RUNNING, None, None, list(parsed.warnings))
    cache = cache if cache is not None else LookupCache()
    try:
        with transaction.atomic():
            outcome = _store(parsed, text=text, digest=digest, origin=origin, repo_id=repo_id, cache=cache,
                             html=html)
            catalog_changed()  # bulk_create and the receivers' rows send no model signal
            if record is not None:
                record(outcome)
    except BaseException:
        # Rows this document created (stub parents, organisations) were rolled back with it.
        cache.forget()
        raise
    return outcome


def _store(
    parsed: ParsedDocument, *, text: str, digest: str, origin: str, repo_id: str, cache: LookupCache,
    html: str | None = None,
) -> ImportOutcome:
    # One locked read: an existing row is locked against a concurrent import of another version of
    # the same model. A new row is inserted once, already holding its facts (one history row and one
    # run of the search-vector trigger, not an insert followed by an update).
    model = (
        LLMModel.objects.select_for_update()
        .annotate(repo_lower=Lower("repo_id"))
        .filter(repo_lower=repo_id.lower())
        .first()
    )
    fresh = model is None
    if model is None:
        org_slug, name = repo_id.split("/", 1)
        model = LLMModel(
            repo_id=repo_id, name=name, organization=get_or_create_organization(org_slug, cache=cache), is_stub=False
        )
    own = parsed.kind in (DocumentKind.MODEL_CARD, DocumentKind.CATALOG_PAGE)
    warnings = list(parsed.warnings)
    # A model created by this transaction has no documents, edges, recipes or variants yet: the
    # lookups for rows to replace are skipped for it (``fresh``), which is the common case in bulk.
    previous = None if fresh else (
        SourceDocument.objects.select_for_update()
        .filter(model=model, kind=parsed.kind, status=DocumentStatus.IMPORTED)
        .filter(Q(origin=origin) if parsed.kind == DocumentKind.LMEVAL_RESULTS else Q())
        .order_by("-imported_at")
        .first()
    )
    if html is None:  # not rendered ahead
        html = render_card(parsed.body_markdown) if parsed.body_markdown else ""
    changed = apply_model_facts(model, parsed.model, own_document=own)
    if html and own and parsed.kind == DocumentKind.MODEL_CARD and model.card_html != html:
        model.card_html = html
        changed.append("card_html")
    if fresh:
        save_with_history(model, created=True)
    elif changed:
        # Only what changed: the search-vector trigger runs only when a column it reads is written.
        save_with_history(model, created=False, update_fields=[*dict.fromkeys(changed), "updated_at"])
    cache.models[repo_id.lower()] = model
    document = SourceDocument.objects.create(
        kind=parsed.kind,
        origin=origin[:500],
        content_hash=digest,
        raw_text=text,
        size_bytes=len(text.encode("utf-8", "surrogatepass")),
        model=model,
        parsed_facts=facts_to_json(parsed),
        warnings=warnings,
        rendered_html=html,
        previous=previous,
    )
    stored_warnings = len(document.warnings)
    status = ItemStatus.IMPORTED
    if previous is not None:
        _supersede(previous)
        status = ItemStatus.UPDATED

    touched = {model.pk}
    touched |= _store_lineage(model, parsed, document, fresh=fresh, cache=cache)
    _store_recipes(model, parsed, document, fresh=fresh, cache=cache)
    touched |= _store_quantized(model, parsed, document, fresh=fresh, cache=cache)
    responses = document_imported.send(
        sender=SourceDocument, document=document, parsed=parsed, model=model, cache=cache
    )
    for _receiver, extra in responses:
        if isinstance(extra, set):
            touched |= extra
    if len(document.warnings) != stored_warnings:
        # Warnings found while storing (skipped edges, formats, claims), written once at the end.
        document.save(update_fields=["warnings"])
    return ImportOutcome(status, document, model, document.warnings, touched)


def _upsert(
    model_cls: type[Any], fixed: dict[str, Any], rows: dict[tuple[Any, ...], dict[str, Any]],
    key_fields: tuple[str, ...], *, fresh: bool,
) -> None:
    """``update_or_create`` for many rows sharing ``fixed`` values, in two or three statements.

    ``rows`` maps the remaining unique-key values (``key_fields``) to the values to set; later facts
    for the same key were already merged into one entry, as successive ``update_or_create`` calls
    would leave them. Existing rows (none when ``fresh``) are updated one by one (re-imports only);
    new rows are inserted in bulk with their history rows in bulk too.
    """
    if not rows:
        return
    if not fresh:
        match = Q()
        for key in rows:
            match |= Q(**dict(zip(key_fields, key)))
        for obj in model_cls.objects.select_for_update().filter(**fixed).filter(match):
            values = rows.pop(tuple(getattr(obj, name) for name in key_fields), None)
            if values is None:
                continue
            for name, value in values.items():
                setattr(obj, name, value)
            obj.save(update_fields=list(values))
    new = [model_cls(**fixed, **dict(zip(key_fields, key)), **values) for key, values in rows.items()]
    if new:
        bulk_create_with_history(new, model_cls)
def _supersede(previous: SourceDocument) -> None:
    """A new version replaces the facts of the old one; the old raw text is kept as history."""
    LineageEdge.objects.filter(source_document=previous).delete()
    MergeRecipe.objects.filter(source_document=previous).delete()
    QuantizedVariant.objects.filter(source_document=previous).delete()
    document_superseded.send(sender=SourceDocument, document=previous)
    previous.status = DocumentStatus.SUPERSEDED
    previous.save(update_fields=["status"])


def _store_lineage(
    model: LLMModel, parsed: ParsedDocument, document: SourceDocument, *, fresh: bool, cache: LookupCache
) -> set[int]:
    touched: set[int] = set()
    edges: dict[tuple[Any, ...], dict[str, Any]] = {}
    for fact in parsed.lineage:
        parent_id = normalize_repo_id(fact.parent)
        if not parent_id:
            document.warnings.append(f"Lineage parent '{fact.parent}' is not a repo id; edge skipped.")
            continue
        if parent_id.lower() == model.repo_id.lower():
            document.warnings.append(f"The document names {parent_id} as its own parent; edge skipped.")
            continue
        parent = get_or_create_model(parent_id, cache=cache)
        # A model created by this transaction is nobody's parent yet (quantized links, the only edges
        # naming it as parent, are stored after these), so no edge to it can close a cycle.
        if not fresh and (message := cycle_error(model.pk, parent.pk)):
            document.warnings.append(f"Lineage edge from {parent_id} skipped. {message}")
            continue
        edges[(parent.pk, fact.kind)] = {
            "params": facts_to_json(fact.params),
            "confidence": max(0.0, min(1.0, fact.confidence)),
            "evidence": fact.evidence[:200],
            "source_document": document,
        }
        touched.add(parent.pk)
    _upsert(LineageEdge, {"child": model}, edges, ("parent_id", "kind"), fresh=fresh)
    return touched


def _store_recipes(
    model: LLMModel, parsed: ParsedDocument, document: SourceDocument, *, fresh: bool, cache: LookupCache
) -> None:
    if not parsed.merge_recipes:
        return
    if not fresh:
        MergeRecipe.objects.filter(model=model).delete()
    recipes = []
    for index, recipe in enumerate(parsed.merge_recipes):
        base_id = normalize_repo_id(recipe.base_model or "")
        base = base_id and base_id.lower() != model.repo_id.lower()
        recipes.append(MergeRecipe(
            model=model,
            step=recipe.step if recipe.step is not None else index,
            tool=recipe.tool,
            method=(recipe.method or "unknown")[:40],
            base_model=get_or_create_model(base_id, cache=cache) if base else None,
            dtype=(recipe.dtype or "")[:20],
            gate_mode=(recipe.gate_mode or "")[:20],
            experts_per_token=recipe.experts_per_token,
            parameters=facts_to_json(recipe.parameters),
            raw_config=recipe.raw_yaml,
            parsed_config=facts_to_json(recipe.parsed),
            source_document=document,
        ))
    bulk_create_with_history(recipes, MergeRecipe)


_FORMATS = {f.value for f in QuantFormat}


def _quant_format(level: str, fmt: str = "") -> str:
    fmt = (fmt or "").upper()
    if fmt in _FORMATS:
        return fmt
    upper = level.upper()
    if upper in _FORMATS:
        return upper
    if upper.startswith(("Q", "IQ")):
        return QuantFormat.GGUF
    return QuantFormat.GGUF if not fmt else fmt[:8]


def _store_quantized(
    model: LLMModel, parsed: ParsedDocument, document: SourceDocument, *, fresh: bool, cache: LookupCache
) -> set[int]:
    touched: set[int] = set()
    variants: dict[tuple[Any, ...], dict[str, Any]] = {}
    children: dict[tuple[Any, ...], dict[str, Any]] = {}
    for link in parsed.quantized_links:
        repo_id = normalize_repo_id(link.repo_id)
        fmt = _quant_format(link.level, link.format)
        if fmt not in _FORMATS:
            document.warnings.append(f"Unknown quantization format '{link.format}' for {link.repo_id}.")
            continue
        key = (fmt, (link.level or "")[:32], repo_id or "")
        variants[key] = {**variants.get(key, {}), "quantizer": link.quantizer[:100], "source_document": document}
        if repo_id and repo_id.lower() != model.repo_id.lower():
            child = get_or_create_model(repo_id, cache=cache)
            if message := cycle_error(child.pk, model.pk):
                document.warnings.append(f"Quantized link to {repo_id} skipped. {message}")
                continue
            children[(child.pk,)] = {
                "params": {"format": fmt, "level": link.level},
                "evidence": "quantized link in the card",
                "source_document": document,
                "confidence": 0.9,
            }
            touched.add(child.pk)
    for row in parsed.quant_table:
        key = (_quant_format(row.level), row.level[:32], "")
        variants[key] = {
            **variants.get(key, {}),
            "bits_per_weight": row.bits_per_weight if 0.5 <= row.bits_per_weight <= 32 else None,
            "stated_vram_gb": row.vram_gb,
            "stated_quality_pct": row.quality_pct,
            "file_size_bytes": int(row.file_size_gb * 1e9) if row.file_size_gb else None,
            "source_document": document,
        }
    _upsert(QuantizedVariant, {"model": model}, variants, ("format", "level", "repo_id"), fresh=fresh)
    _upsert(LineageEdge, {"parent": model, "kind": EdgeKind.QUANTIZED}, children, ("child_id",), fresh=fresh)
    return touched


# ---------------------------------------------------------------------------
# Batches: several documents in one transaction


@dataclass
class _Staged:
    parsed: ParsedDocument
    text: str
    digest: str
    origin: str
    repo_id: str
    record: Callable[[ImportOutcome], None] | None
    html: str | None  # the rendered body, when it was rendered ahead


class ImportBatch:
    """The documents of one claimed group of items, stored inside one transaction.

    ``import_document`` stages each parsed document here; ``flush`` stores the staged ones: new
    models that do not name one another in a few bulk statements (``bulk_store.store_fresh``), the
    rest one by one, each in a savepoint, so a document that fails rolls back alone. A document
    that would depend on one still staged (the same model, a model another staged document names
    or creates, the same text) flushes the batch first, so documents are stored as if in order.
    """

    def __init__(self, cache: LookupCache, digests: Iterable[str]) -> None:
        self.cache = cache
        self.touched: set[int] = set()
        self._staged: list[_Staged] = []
        self._own: set[str] = set()  # lower-cased repo ids the staged documents describe
        self._named: set[str] = set()  # ... and the ones they name
        self._digests: set[str] = set()
        digests = set(digests)
        # The idempotency lookups of the whole group in one statement.
        self._looked_up = digests
        self._stored = {doc.content_hash: doc for doc in
                        SourceDocument.objects.filter(content_hash__in=digests).select_related("model")}

    def stored_document(self, digest: str) -> SourceDocument | None:
        if digest in self._digests:
            self.flush()  # the same text twice in one group: the second finds the first, stored
        elif digest in self._looked_up:
            return self._stored.get(digest)
        return SourceDocument.objects.filter(content_hash=digest).select_related("model").first()

    def stage(self, parsed: ParsedDocument, *, text: str, digest: str, origin: str, repo_id: str,
              record: Callable[[ImportOutcome], None] | None, html: str | None = None) -> None:
        own = repo_id.lower()
        named = referenced_repo_ids(parsed) - {own}
        if own in self._own or own in self._named or named & self._own:
            self.flush()
        self._staged.append(_Staged(parsed, text, digest, origin, repo_id, record, html))
        self._own.add(own)
        self._named |= named
        self._digests.add(digest)

    def flush(self) -> None:
        staged, self._staged = self._staged, []
        self._looked_up -= self._digests  # stored now: a later lookup must ask the database
        self._own, self._named, self._digests = set(), set(), set()
        if not staged:
            return
        # Bulk inserts send no model signal. Registered in the group's transaction, outside the
        # savepoints below: it fires once if anything of the group commits, never on a rollback.
        catalog_changed()
        keys = [entry.repo_id.lower() for entry in staged]
        existing = set(
            LLMModel.objects.select_for_update().annotate(repo_lower=Lower("repo_id"))
            .filter(repo_lower__in=keys).values_list("repo_lower", flat=True)
        )
        # Quantized links need a cycle check per link and variants an upsert: per-document path.
        fresh = [entry for entry in staged if entry.repo_id.lower() not in existing
                 and not entry.parsed.quantized_links and not entry.parsed.quant_table]
        one_by_one = [entry for entry in staged if entry.repo_id.lower() in existing
                      or entry.parsed.quantized_links or entry.parsed.quant_table]
        if fresh:
            group = [FreshDocument(e.parsed, e.text, e.digest, e.origin, e.repo_id, e.html) for e in fresh]
            try:
                with transaction.atomic():
                    self.touched |= store_fresh(group, self.cache)
            except Exception as exc:  # noqa: BLE001 - retried one by one below, where it fails alone
                self.cache.forget()
                if connection_lost(exc):
                    raise
                logger.info("bulk store of %d documents failed (%s); storing them one by one", len(group), exc)
                one_by_one = staged
            else:
                for entry, done in zip(fresh, group):
                    assert done.document is not None
                    if entry.record is not None:
                        entry.record(ImportOutcome(ItemStatus.IMPORTED, done.document, done.model,
                                                   done.document.warnings, done.touched))
        for entry in one_by_one:
            try:
                with transaction.atomic():
                    outcome = _store(entry.parsed, text=entry.text, digest=entry.digest, origin=entry.origin,
                                     repo_id=entry.repo_id, cache=self.cache, html=entry.html)
                    if entry.record is not None:
                        entry.record(outcome)
            except Exception as exc:
                self.cache.forget()  # rows this document created were rolled back with its savepoint
                if connection_lost(exc):
                    raise
                fail = getattr(entry.record, "fail", None)
                if fail is None:
                    raise
                fail(exc)


# ---------------------------------------------------------------------------
# Jobs


def create_import_job(
    documents: Iterable[DocumentInput], *, via: str, user=None, label: str = "", enqueue: bool = True
) -> ImportJob:
    """Record a batch (texts stored in the rows) and enqueue it after commit."""
    documents = list(documents)
    if not documents:
        raise ImportFailed("Nothing to import: no documents were given.", "empty")
    if len(documents) > settings.MAX_BATCH_FILES:
        raise ImportFailed(f"{len(documents)} documents; at most {settings.MAX_BATCH_FILES} per batch.", "too_many")
    with transaction.atomic():
        job = ImportJob.objects.create(
            via=via, created_by=user if getattr(user, "is_authenticated", False) else None,
            label=label[:200], total=len(documents),
        )
        items = []
        for position, doc in enumerate(documents):
            item = ImportItem(job=job, position=position, name=doc.name[:500], repo_id_hint=doc.repo_id_hint[:200])
            if isinstance(doc.content, bytes):
                try:
                    item.content = doc.content.decode("utf-8")
                except UnicodeDecodeError:
                    item.content_bytes = doc.content  # the parser reports the encoding error per item
            else:
                item.content = doc.content
            if "\x00" in item.content:  # PostgreSQL text cannot hold NUL; keep the bytes instead
                item.content_bytes, item.content = item.content.encode("utf-8"), ""
            items.append(item)
        ImportItem.objects.bulk_create(items, batch_size=500)
        if enqueue:
            enqueue_import_job(job)
    return job


def enqueue_import_job(job: ImportJob) -> None:
    from catalog.tasks import run_import_job_task

    transaction.on_commit(lambda: run_import_job_task.delay(job.pk))


# Errors that mean the database went away (restart, failover, network), not that a document is bad.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def _claim_next_item(job: ImportJob) -> ImportItem | None:
    """Lock one pending item so two deliveries of the same job never import it twice.

    One statement (autocommit): the row is picked with FOR UPDATE SKIP LOCKED and marked running in
    the same UPDATE, so the claim costs one round trip instead of a four-statement transaction.
    """
    table = ImportItem._meta.db_table
    items = list(ImportItem.objects.raw(
        f"UPDATE {table} SET status = %s, attempts = attempts + 1, started_at = %s "  # noqa: S608 - our table
        f"WHERE id = (SELECT id FROM {table} WHERE job_id = %s AND status = %s "
        f"ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *",
        [ItemStatus.RUNNING, timezone.now(), job.pk, ItemStatus.PENDING],
    ))
    return items[0] if items else None


def _claim_items(job: ImportJob, limit: int) -> list[ImportItem]:
    """Claim up to ``limit`` pending items on their first attempt, in one statement, or else one
    retried item. A retried item is imported alone: a document that kills the worker or the
    database connection then costs only its own attempts, never its neighbours'."""
    if limit > 1:
        table = ImportItem._meta.db_table
        items = list(ImportItem.objects.raw(
            f"UPDATE {table} SET status = %s, attempts = attempts + 1, started_at = %s "  # noqa: S608 - our table
            f"WHERE id IN (SELECT id FROM {table} WHERE job_id = %s AND status = %s AND attempts = 0 "
            f"ORDER BY position LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING *",
            [ItemStatus.RUNNING, timezone.now(), job.pk, ItemStatus.PENDING, limit],
        ))
        if items:
            return sorted(items, key=lambda item: item.position)
    item = _claim_next_item(job)
    return [item] if item is not None else []


class _ContentSha256(Func):
    """``content_hash`` of a text column, computed by PostgreSQL (built in since 11; no pgcrypto)."""

    template = "encode(sha256(convert_to(%(expressions)s, 'UTF8')), 'hex')"
    output_field = CharField()


def _next_items(job: ImportJob, limit: int) -> list[AheadItem]:
    """The items the next claim will most likely take, to parse while the current group is stored.

    A peek, not a claim: it changes nothing, so a worker killed meanwhile costs these items no
    attempt. Texts already stored are left out (their import is a lookup, not a parse), and so are
    items another worker claims first: their parse is only wasted.
    """
    stored = SourceDocument.objects.filter(content_hash=_ContentSha256(OuterRef("content")))
    rows = (ImportItem.objects.filter(job=job, status=ItemStatus.PENDING, attempts=0)
            .annotate(stored=Exists(stored)).order_by("position")
            .values_list("pk", "name", "repo_id_hint", "content", "content_bytes", "stored")[:limit])
    return [AheadItem(pk, bytes(raw) if raw is not None else content, name, normalize_repo_id(hint) or "")
            for pk, name, hint, content, raw, is_stored in rows if not is_stored]


_ITEM_FIELDS = ["status", "error", "document", "model", "warnings", "finished_at"]


class _ItemRecord:
    """Writes a document's outcome onto its item row object (``import_document``'s ``record``)."""

    def __init__(self, item: ImportItem, *, save: bool) -> None:
        self.item = item
        self.save = save  # False in a batch: the batch writes all its items in one statement
        self.outcomes: list[ImportOutcome] = []

    def __call__(self, outcome: ImportOutcome) -> None:
        # Runs inside the document's transaction: the item says "imported" exactly when the document is.
        self.outcomes.append(outcome)
        item = self.item
        item.status = outcome.status
        item.document = outcome.document
        item.model = outcome.model
        item.warnings = outcome.warnings[:50]
        item.error = ""
        item.finished_at = timezone.now()
        if self.save:
            item.save(update_fields=_ITEM_FIELDS)

    def fail(self, exc: Exception) -> None:
        """The document's transaction (and this record in it, if it ran) was rolled back."""
        item = self.item
        if isinstance(exc, ImportFailed):
            item.status, item.error = ItemStatus.FAILED, exc.reason
        else:
            logger.error("import of item %s failed", item.pk, exc_info=exc)
            item.error = f"Internal error while importing: {type(exc).__name__}: {str(exc)[:300]}"
            quarantine = item.attempts >= settings.JOB_MAX_ATTEMPTS
            item.status = ItemStatus.QUARANTINED if quarantine else ItemStatus.PENDING
        item.document = item.model = None
        item.warnings = []
        item.finished_at = timezone.now()
        if self.save:
            item.save(update_fields=_ITEM_FIELDS)


def _item_content(item: ImportItem) -> str | bytes:
    return bytes(item.content_bytes) if item.content_bytes is not None else item.content


def _prepared(item: ImportItem, ahead: ParseAhead | None) -> dict[str, Any]:
    """``import_document``'s ``prepared`` argument for ``item``, when the item was parsed ahead."""
    prepared = ahead.take(item.pk, _item_content(item)) if ahead is not None else None
    return {"prepared": prepared} if prepared is not None else {}


def process_item(item: ImportItem, *, cache: LookupCache | None = None, ahead: ParseAhead | None = None) -> set[int]:
    record = _ItemRecord(item, save=True)
    try:
        outcome = import_document(_item_content(item), origin=item.name, repo_id_hint=item.repo_id_hint,
                                  cache=cache, record=record, **_prepared(item, ahead))
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
        if not isinstance(exc, ImportFailed) and connection_lost(exc):
            raise  # the database, not the document: run_import_job waits for it and retries the item
        record.fail(exc)
        return set()
    if not record.outcomes:  # an import_document that did not call ``record`` (a test double)
        record(outcome)
    return outcome.touched_model_ids


def _save_items(items: list[ImportItem]) -> None:
    """Write the outcome fields of ``items`` in one UPDATE ... FROM (VALUES ...): ``bulk_update``
    builds a CASE per field and row, which cost more CPU than storing the documents."""
    table = ImportItem._meta.db_table
    rows = ", ".join(["(%s, %s, %s, %s::bigint, %s::bigint, %s::jsonb, %s::timestamptz)"] * len(items))
    params: list[Any] = []
    for item in items:
        params += [item.pk, item.status, item.error, item.document_id, item.model_id,
                   json.dumps(item.warnings), item.finished_at]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS i SET status = v.status, error = v.error, document_id = v.document_id, "  # noqa: S608
            f"model_id = v.model_id, warnings = v.warnings, finished_at = v.finished_at "
            f"FROM (VALUES {rows}) AS v(id, status, error, document_id, model_id, warnings, finished_at) "
            f"WHERE i.id = v.id",
            params,
        )


def process_batch(items: list[ImportItem], *, cache: LookupCache, started: set[int] | None = None,
                  ahead: ParseAhead | None = None) -> set[int]:
    """Import claimed items in one transaction (one commit, bulk statements; see ImportBatch).

    Each document still succeeds or fails alone. ``started`` collects the ids of the items whose
    import began, so that after a lost connection only their attempts count. ``ahead`` holds the
    items already parsed in the background (see parse_ahead).
    """
    started = started if started is not None else set()
    if len(items) == 1:
        started.add(items[0].pk)
        return process_item(items[0], cache=cache, ahead=ahead)
    records = [_ItemRecord(item, save=False) for item in items]
    # Text items only: bytes are decoded (or refused) by import_document, which looks them up itself.
    digests = [content_hash(item.content) for item in items if item.content_bytes is None]
    try:
        with transaction.atomic():
            batch = ImportBatch(cache, digests)
            for item, record in zip(items, records):
                started.add(item.pk)
                try:
                    outcome = import_document(_item_content(item), origin=item.name,
                                              repo_id_hint=item.repo_id_hint, cache=cache, record=record,
                                              batch=batch, **_prepared(item, ahead))
                except ImportFailed as exc:
                    record.fail(exc)
                except DatabaseError:
                    raise  # outside any savepoint: the group's transaction is spoilt (handled below)
                except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
                    record.fail(exc)
                else:
                    if not record.outcomes and outcome.status != ItemStatus.RUNNING:
                        record(outcome)  # a test double that neither staged nor recorded
            batch.flush()
            _save_items(items)
    except Exception as exc:
        cache.forget()
        if connection_lost(exc):
            raise
        # An error outside the documents' savepoints (e.g. a statement timeout on a lookup) spoilt
        # the group's transaction, which rolled back: import its items one by one instead.
        logger.warning("import batch of %d items failed (%s); importing them one by one", len(items), exc)
        touched: set[int] = set()
        for item in items:
            touched |= process_item(item, cache=cache)
        return touched
    touched = set(batch.touched)
    for record in records:
        for done in record.outcomes:
            touched |= done.touched_model_ids
    return touched


def wait_for_database(deadline_seconds: float) -> None:
    """Drop the broken connection and reconnect with backoff until the database answers.

    Raises the last error when it stays away longer than ``deadline_seconds``; the job row then
    stays 'running' with a stale heartbeat and the reaper re-queues it later.
    """
    give_up = time.monotonic() + deadline_seconds
    delay = 0.2
    while True:
        connection.close()
        try:
            connection.ensure_connection()
            return
        except DATABASE_UNAVAILABLE:
            if time.monotonic() + delay > give_up:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def connection_lost(exc: BaseException) -> bool:
    """True when ``exc`` came from losing the database connection rather than from a statement
    (a statement timeout is an OperationalError too, but leaves the connection usable)."""
    if not isinstance(exc, DATABASE_UNAVAILABLE):
        return False
    raw = connection.connection
    return raw is None or raw.closed or bool(getattr(raw, "broken", False))


def _release(item: ImportItem, *, counted: bool = True) -> None:
    """Hand an item interrupted by a database outage back to the queue. The attempt still counts,
    so a document that brings the database down every time is quarantined like any other; an item
    of the same batch whose import had not begun gets its attempt back (``counted=False``)."""
    if not counted:
        ImportItem.objects.filter(pk=item.pk, status=ItemStatus.RUNNING).update(
            status=ItemStatus.PENDING, attempts=F("attempts") - 1)
        return
    quarantine = item.attempts >= settings.JOB_MAX_ATTEMPTS
    ImportItem.objects.filter(pk=item.pk, status=ItemStatus.RUNNING).update(
        status=ItemStatus.QUARANTINED if quarantine else ItemStatus.PENDING,
        error=(f"Quarantined after {item.attempts} attempts: the database connection was lost while "
               "importing it." if quarantine else ""))


# Progress and heartbeat are written at most this often: counting the job's items after every
# document cost three statements per card (and read every item's warnings each time).
PROGRESS_INTERVAL_SECONDS = 1.0


def run_import_job(job_id: int) -> ImportJob | None:
    """Worker entry point: import every pending item, counting as it goes."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    job.mark_running()
    touched: set[int] = set()
    cache = LookupCache()
    reported = time.monotonic()
    outages = 0
    batch_size = max(1, settings.IMPORT_BATCH_SIZE)
    # The next group is parsed in a thread while this one is stored (see parse_ahead).
    ahead = ParseAhead() if batch_size > 1 else None
    try:
        while True:
            claimed: list[ImportItem] = []
            started: set[int] = set()
            try:
                if not (claimed := _claim_items(job, batch_size)):
                    break
                if ahead is not None:
                    upcoming = _next_items(job, batch_size)
                    ahead.retain({item.pk for item in claimed} | {item.pk for item in upcoming})
                    ahead.submit(upcoming)
                touched |= process_batch(claimed, cache=cache, started=started, ahead=ahead)
                if time.monotonic() - reported >= PROGRESS_INTERVAL_SECONDS:
                    refresh_job_counts(job)
                    reported = time.monotonic()
            except DATABASE_UNAVAILABLE as exc:
                if not connection_lost(exc):
                    raise
                # A restart or failover of PostgreSQL mid-batch: every group of items commits on its
                # own, so nothing is half-written; wait for the database and carry on where we were.
                # Rows created in the lost transaction may be in the cache: start it afresh.
                outages += 1
                cache.forget()
                logger.warning("import job %s: database unavailable (%s); waiting", job_id, str(exc).strip()[:200])
                wait_for_database(settings.DB_OUTAGE_WAIT_SECONDS)
                for item in claimed:
                    _release(item, counted=item.pk in started)
    finally:
        if ahead is not None:
            ahead.close()
    if outages:
        logger.warning("import job %s recovered from %d database outage(s)", job_id, outages)
    refresh_job_counts(job)
    if not job.items.filter(status__in=[ItemStatus.PENDING, ItemStatus.RUNNING]).exists():
        job.mark_finished(failed=job.total > 0 and job.failed_count == job.total)
        touched_ids = sorted(touched | set(job.items.exclude(model=None).values_list("model_id", flat=True)))
        transaction.on_commit(lambda: import_job_finished.send(sender=ImportJob, job=job, model_ids=touched_ids))
    return job


def refresh_job_counts(job: ImportJob) -> None:
    counts = dict(job.items.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    done = sum(counts.get(s, 0) for s in (ItemStatus.IMPORTED, ItemStatus.UPDATED, ItemStatus.UNCHANGED))
    failed = counts.get(ItemStatus.FAILED, 0) + counts.get(ItemStatus.QUARANTINED, 0)
    warnings = sum(
        len(w or []) for w in job.items.filter(status__in=[ItemStatus.IMPORTED, ItemStatus.UPDATED])
        .values_list("warnings", flat=True)
    ) if job.total <= 2000 else job.warnings_count
    job.heartbeat(
        processed=done + failed,
        succeeded=counts.get(ItemStatus.IMPORTED, 0) + counts.get(ItemStatus.UPDATED, 0),
        unchanged=counts.get(ItemStatus.UNCHANGED, 0),
        failed_count=failed,
        warnings_count=warnings,
    )


def reap_stuck_jobs() -> list[int]:
    """Re-queue jobs whose worker died. Items that keep killing workers are quarantined."""
    requeued: list[int] = []
    for job in ImportJob.objects.stale().order_by("pk")[:100]:
        with transaction.atomic():
            stuck = ImportItem.objects.select_for_update(skip_locked=True).filter(job=job, status=ItemStatus.RUNNING)
            for item in stuck:
                if item.attempts >= settings.JOB_MAX_ATTEMPTS:
                    item.status = ItemStatus.QUARANTINED
                    item.error = item.error or (
                        f"Quarantined after {item.attempts} attempts: the worker stopped while importing it."
                    )
                else:
                    item.status = ItemStatus.PENDING
                item.save(update_fields=["status", "error"])
            ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, heartbeat_at=timezone.now())
            catalog_changed()  # the home page shows job status
            enqueue_import_job(job)
        requeued.append(job.pk)
    return requeued
