"""Storing many parsed documents about new models in a handful of statements.

The importer's batch path (``catalog.services.imports``) hands this module documents whose model
does not exist yet and that do not name one another: each then creates exactly one model, one
document, its edges to parents, its recipes and (through ``document_imported`` receivers, which
may defer their writes to one call for the group) its results, and none of it depends on another
document of the group. That is the common case in bulk (a folder
of new cards naming the same few base models), and it lets every table take one INSERT for the
whole group instead of one per document. Anything else (a model already in the catalog, a new
version, quantized links that need a cycle check) goes through the per-document path.

The caller runs this inside a savepoint: any error rolls the whole group back and the caller
imports its documents one by one, so a bad document still fails alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from django.db.models.functions import Lower

from catalog.cards.facts import ParsedDocument
from catalog.models import DocumentKind, LineageEdge, LLMModel, MergeRecipe, Organization, SourceDocument
from catalog.render import render_card
from catalog.services.copy_insert import copy_create
from catalog.services.models import (
    LookupCache,
    apply_model_facts,
    bulk_create_with_history,
    facts_to_json,
    normalize_repo_id,
)
from catalog.signals import document_imported


@dataclass
class FreshDocument:
    """One parsed document to store as a new model (see the module docstring)."""

    parsed: ParsedDocument
    text: str
    digest: str
    origin: str
    repo_id: str
    html: str | None = None  # the rendered body, when it was rendered ahead
    # Filled by ``store_fresh``.
    model: LLMModel | None = None
    document: SourceDocument | None = None
    touched: set[int] = field(default_factory=set)


class ImportGroup:
    """Passed to ``document_imported`` receivers as ``group`` during a bulk store: work they defer
    runs once for the whole group, inside its savepoint (see catalog.signals)."""

    def __init__(self) -> None:
        self._deferred: dict[str, tuple[Callable[..., Any], list[Any]]] = {}

    def defer(self, key: str, fn: Callable[..., Any], args: Any) -> None:
        self._deferred.setdefault(key, (fn, []))[1].append(args)

    def run(self, cache: LookupCache) -> set[int]:
        touched: set[int] = set()
        for fn, batch in self._deferred.values():
            extra = fn(batch, cache=cache)
            if isinstance(extra, set):
                touched |= extra
        return touched


def referenced_repo_ids(parsed: ParsedDocument) -> set[str]:
    """Lower-cased repo ids of the other models a document names (parents, bases, quantized
    repos, subjects of results); the batch uses them to keep documents that name each other apart."""
    names = [fact.parent for fact in parsed.lineage]
    names += [recipe.base_model or "" for recipe in parsed.merge_recipes]
    names += [link.repo_id for link in parsed.quantized_links]
    names += [run.subject or "" for run in parsed.runs]
    return {repo_id.lower() for name in names if name and (repo_id := normalize_repo_id(name))}


def _organizations(slugs: set[str], cache: LookupCache) -> None:
    """Read (or create, with history) the organisations for ``slugs`` into the cache: two statements at most."""
    missing = {slug.lower(): slug for slug in slugs if slug.lower() not in cache.organizations}
    if not missing:
        return
    for org in Organization.objects.annotate(slug_lower=Lower("slug")).filter(slug_lower__in=list(missing)):
        cache.organizations[org.slug.lower()] = org
    # Inserted in key order: two workers creating overlapping sets then wait for each other in
    # the same order instead of deadlocking (a deadlock would still only send a group one by one).
    new = [Organization(slug=slug, name=slug, url=f"https://huggingface.co/{slug}")
           for key, slug in sorted(missing.items()) if key not in cache.organizations]
    for org in bulk_create_with_history(new, Organization):
        cache.organizations[org.slug.lower()] = org


def _models(repo_ids: dict[str, str], cache: LookupCache) -> None:
    """Read the models named by ``repo_ids`` (lower -> as written) into the cache and create the
    missing ones as stubs, as ``get_or_create_model`` would one at a time."""
    missing = {key: repo_id for key, repo_id in repo_ids.items() if key not in cache.models}
    if not missing:
        return
    for model in LLMModel.objects.annotate(repo_lower=Lower("repo_id")).filter(repo_lower__in=list(missing)):
        cache.models[model.repo_id.lower()] = model
    stubs = {key: repo_id for key, repo_id in missing.items() if key not in cache.models}
    if not stubs:
        return
    _organizations({repo_id.split("/", 1)[0] for repo_id in stubs.values()}, cache)
    new = []
    for _key, repo_id in sorted(stubs.items()):  # key order, as for organisations
        org_slug, name = repo_id.split("/", 1)
        new.append(LLMModel(repo_id=repo_id, name=name, organization=cache.organizations[org_slug.lower()],
                            is_stub=True))
    for model in bulk_create_with_history(new, LLMModel):
        cache.models[model.repo_id.lower()] = model


def store_fresh(entries: list[FreshDocument], cache: LookupCache) -> set[int]:
    """Create the models, documents, edges, recipes and results of ``entries`` in bulk.

    The same rows as the per-document path for a new model (one "+" history row per created row),
    minus the cycle checks it skips for a new model too: a model created here is nobody's parent.
    Returns ids of other models touched through receivers (results about third parties).
    """
    if not entries:
        return set()
    # Every model the group names, read once (or created as stubs) before anything points at it.
    named: dict[str, str] = {}
    for entry in entries:
        for fact in entry.parsed.lineage:
            if (parent_id := normalize_repo_id(fact.parent)) and parent_id.lower() != entry.repo_id.lower():
                named.setdefault(parent_id.lower(), parent_id)
        for recipe in entry.parsed.merge_recipes:
            if (base_id := normalize_repo_id(recipe.base_model or "")) and base_id.lower() != entry.repo_id.lower():
                named.setdefault(base_id.lower(), base_id)
        for run in entry.parsed.runs:
            if run.subject and (subject_id := normalize_repo_id(run.subject)) \
                    and subject_id.lower() != entry.repo_id.lower():
                named.setdefault(subject_id.lower(), subject_id)
    _organizations({entry.repo_id.split("/", 1)[0] for entry in entries}, cache)
    _models(named, cache)

    models: list[LLMModel] = []
    for entry in entries:
        parsed = entry.parsed
        org_slug, name = entry.repo_id.split("/", 1)
        model = LLMModel(repo_id=entry.repo_id, name=name, organization=cache.organizations[org_slug.lower()],
                         is_stub=False)
        own = parsed.kind in (DocumentKind.MODEL_CARD, DocumentKind.CATALOG_PAGE)
        apply_model_facts(model, parsed.model, own_document=own)
        html = entry.html
        if html is None:
            html = render_card(parsed.body_markdown) if parsed.body_markdown else ""
        if html and own and parsed.kind == DocumentKind.MODEL_CARD:
            model.card_html = html
        entry.model = model
        entry.document = SourceDocument(
            kind=parsed.kind, origin=entry.origin[:500], content_hash=entry.digest, raw_text=entry.text,
            size_bytes=len(entry.text.encode("utf-8", "surrogatepass")), parsed_facts=facts_to_json(parsed),
            warnings=list(parsed.warnings), rendered_html=html,
        )
        models.append(model)
    bulk_create_with_history(models, LLMModel)
    for entry in entries:
        assert entry.model is not None and entry.document is not None
        entry.document.model = entry.model
        cache.models[entry.repo_id.lower()] = entry.model
        entry.touched = {entry.model.pk}
        # Lineage warnings are known before the document is written, so it is written once with them.
        for fact in entry.parsed.lineage:
            if not normalize_repo_id(fact.parent):
                entry.document.warnings.append(f"Lineage parent '{fact.parent}' is not a repo id; edge skipped.")
            elif normalize_repo_id(fact.parent).lower() == entry.repo_id.lower():  # type: ignore[union-attr]
                entry.document.warnings.append(
                    f"The document names {normalize_repo_id(fact.parent)} as its own parent; edge skipped.")
    copy_create([entry.document for entry in entries], SourceDocument)  # type: ignore[misc]

    edges: list[LineageEdge] = []
    recipes: list[MergeRecipe] = []
    for entry in entries:
        model, document = entry.model, entry.document
        assert model is not None and document is not None
        by_key: dict[tuple[int, str], dict[str, Any]] = {}  # later facts for one edge win, as update_or_create
        for fact in entry.parsed.lineage:
            parent_id = normalize_repo_id(fact.parent)
            if not parent_id or parent_id.lower() == entry.repo_id.lower():
                continue
            parent = cache.models[parent_id.lower()]
            by_key[(parent.pk, fact.kind)] = {
                "params": facts_to_json(fact.params), "confidence": max(0.0, min(1.0, fact.confidence)),
                "evidence": fact.evidence[:200],
            }
            entry.touched.add(parent.pk)
        edges += [LineageEdge(child=model, parent_id=parent_pk, kind=kind, source_document=document, **values)
                  for (parent_pk, kind), values in by_key.items()]
        for index, recipe in enumerate(entry.parsed.merge_recipes):
            base_id = normalize_repo_id(recipe.base_model or "")
            base = cache.models[base_id.lower()] if base_id and base_id.lower() != entry.repo_id.lower() else None
            recipes.append(MergeRecipe(
                model=model, step=recipe.step if recipe.step is not None else index, tool=recipe.tool,
                method=(recipe.method or "unknown")[:40], base_model=base, dtype=(recipe.dtype or "")[:20],
                gate_mode=(recipe.gate_mode or "")[:20], experts_per_token=recipe.experts_per_token,
                parameters=facts_to_json(recipe.parameters), raw_config=recipe.raw_yaml,
                parsed_config=facts_to_json(recipe.parsed), source_document=document,
            ))
    bulk_create_with_history(edges, LineageEdge)
    bulk_create_with_history(recipes, MergeRecipe)

    stored = [len(entry.document.warnings) for entry in entries]  # type: ignore[union-attr]
    touched: set[int] = set()
    group = ImportGroup()
    for entry in entries:
        responses = document_imported.send(
            sender=SourceDocument, document=entry.document, parsed=entry.parsed, model=entry.model, cache=cache,
            group=group,
        )
        for _receiver, extra in responses:
            if isinstance(extra, set):
                entry.touched |= extra
    touched |= group.run(cache)
    for entry, count in zip(entries, stored):
        assert entry.document is not None
        if len(entry.document.warnings) != count:  # warnings found by receivers (skipped claims, values)
            entry.document.save(update_fields=["warnings"])
    return touched
