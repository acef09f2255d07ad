"""Subscriptions to catalog events (see catalog.signals)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from catalog.cards.facts import ParsedDocument
from catalog.models import LLMModel, SourceDocument
from catalog.services.bulk_store import ImportGroup
from catalog.services.models import LookupCache
from catalog.signals import document_imported, document_superseded, import_job_finished, models_changed
from evals.services.results import delete_document_results, store_document_results, store_documents_results


@receiver(document_imported, dispatch_uid="evals.store_results")
def on_document_imported(
    sender: type, *, document: SourceDocument, parsed: ParsedDocument, model: LLMModel,
    cache: LookupCache | None = None, group: ImportGroup | None = None, **kwargs: Any,
) -> set[int]:
    if group is not None:  # a bulk import: the results of the whole group in three statements
        group.defer("evals.results", store_documents_results, (document, parsed, model))
        return set()
    return store_document_results(document=document, parsed=parsed, model=model, cache=cache)


@receiver(document_superseded, dispatch_uid="evals.drop_results")
def on_document_superseded(sender, *, document, **kwargs) -> None:
    delete_document_results(document)


@receiver(import_job_finished, dispatch_uid="evals.rescore_after_import")
def on_import_job_finished(sender, *, job, model_ids, **kwargs) -> None:
    from evals.services.scoring import request_scoring

    if model_ids:
        request_scoring(model_ids=model_ids, trigger="import", user=job.created_by)


@receiver(models_changed, dispatch_uid="evals.rescore_after_lineage_edit")
def on_models_changed(sender, *, model_ids, fields, user=None, **kwargs) -> None:
    """Merge uplift compares a model with its parents: a lineage edit re-runs its scoring."""
    from evals.services.scoring import request_scoring

    if "lineage" in fields and model_ids:
        request_scoring(model_ids=model_ids, trigger="manual", user=user)
