"""The batched import paths: per-job lookups, bulk rows with history, the one-statement claim, the item
written in the document's transaction, and what happens to all of that when a document fails."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.cardgen import generated_card
from catalog.models import (
    EdgeKind,
    ImportItem,
    ImportJob,
    ItemStatus,
    LineageEdge,
    LLMModel,
    MergeRecipe,
    Organization,
    SourceDocument,
)
from catalog.services import imports
from catalog.services.imports import DocumentInput, create_import_job, import_document, run_import_job
from catalog.services.models import LookupCache
from catalog.signals import document_imported
from evals.models import EvalRun, Result

pytestmark = pytest.mark.django_db

BASES = {"mistralai/Mistral-7B-v0.1", "meta-llama/Meta-Llama-3-8B", "Qwen/Qwen2-7B", "mistralai/Mixtral-8x7B-v0.1",
         "01-ai/Yi-34B", "google/gemma-7b"}


def _job(n: int, org: str = "batch-org") -> ImportJob:
    docs = [DocumentInput(name=f"card-{i}.md", content=generated_card(i, org=org)) for i in range(n)]
    return create_import_job(docs, via=ImportJob.Via.API, enqueue=False)


class TestBatchedJob:
    def test_every_card_stored_once_with_its_facts(self) -> None:
        job = run_import_job(_job(12).pk)
        assert (job.status, job.processed, job.succeeded, job.failed_count) == ("done", 12, 12, 0)
        models = LLMModel.objects.filter(repo_id__startswith="batch-org/")
        assert models.count() == 12 and not models.filter(is_stub=True).exists()
        # The bases the cards name were created once each as stubs, however many cards named them.
        stubs = set(LLMModel.objects.filter(is_stub=True).values_list("repo_id", flat=True))
        assert stubs and stubs <= BASES
        assert Organization.objects.filter(slug="batch-org").count() == 1
        for item in job.items.all():
            assert item.status == ItemStatus.IMPORTED and item.error == ""
            assert item.document.model_id == item.model_id and item.finished_at is not None
            run = EvalRun.objects.get(source_document=item.document)
            assert run.model_id == item.model_id and not run.third_party_claim
            assert Result.objects.filter(run=run).count() == 6
            assert {r.benchmark.key for r in Result.objects.filter(run=run).select_related("benchmark")} == {
                "arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k"}
        # Merged cards (every third) got a recipe and two merge parents; the others a fine-tune edge.
        merged = LLMModel.objects.get(repo_id__startswith="batch-org/Model-3-")
        assert MergeRecipe.objects.get(model=merged).method == "ties"
        assert LineageEdge.objects.filter(child=merged, kind=EdgeKind.MERGE).count() == 2
        tuned = LLMModel.objects.get(repo_id__startswith="batch-org/Model-1-")
        edge = LineageEdge.objects.get(child=tuned)
        assert edge.kind == EdgeKind.FINETUNE and edge.parent.repo_id in BASES

    def test_bulk_rows_keep_their_history(self) -> None:
        job = run_import_job(_job(3).pk)
        model = LLMModel.objects.get(repo_id__startswith="batch-org/Model-0-")
        # One insert carrying the facts: one history row, not an insert and an update.
        assert [h.history_type for h in model.history.all()] == ["+"]
        assert model.history.get().license == "apache-2.0"
        edge = LineageEdge.objects.filter(child=model).first()
        assert edge.history.count() == 1
        run = EvalRun.objects.get(model=model)
        assert run.history.get().source_document_id == run.source_document_id
        assert MergeRecipe.objects.get(model=model).history.count() == 1
        assert job.succeeded == 3

    def test_reimport_of_a_job_is_unchanged(self) -> None:
        run_import_job(_job(4).pk)
        counts = (LLMModel.objects.count(), LineageEdge.objects.count(), Result.objects.count())
        again = run_import_job(_job(4).pk)
        assert (again.unchanged, again.succeeded) == (4, 0)
        assert all(i.document_id and i.status == ItemStatus.UNCHANGED for i in again.items.all())
        assert (LLMModel.objects.count(), LineageEdge.objects.count(), Result.objects.count()) == counts


class TestFailuresInsideTheTransaction:
    def test_failed_document_rolls_back_with_its_stub_parents_and_the_cache(self, settings) -> None:
        """A document that fails after creating a stub parent must not leave that parent in the job's cache:
        the next document naming the same parent would otherwise point at a row that was rolled back."""
        settings.JOB_MAX_ATTEMPTS = 1
        card = "---\nlicense: mit\nbase_model: fresh-org/Only-Here\n---\n# {name}\n\nA fine-tune.\n"
        parent = "fresh-org/Only-Here"

        def explode(sender: Any, *, document: SourceDocument, **kwargs: Any) -> None:
            if document.origin == "boom.md":
                raise RuntimeError("receiver failed")

        document_imported.connect(explode, dispatch_uid="test.explode")
        try:
            job = create_import_job(
                [DocumentInput(name="boom.md", content=card.format(name="Boom"), repo_id_hint="boom-org/Boom"),
                 DocumentInput(name="ok.md", content=card.format(name="Ok"), repo_id_hint="ok-org/Ok")],
                via="api", enqueue=False)
            job = run_import_job(job.pk)
        finally:
            document_imported.disconnect(dispatch_uid="test.explode")
        boom, ok = job.items.get(name="boom.md"), job.items.get(name="ok.md")
        assert boom.status == ItemStatus.QUARANTINED and "RuntimeError" in boom.error
        assert (boom.document_id, boom.model_id) == (None, None)
        assert not SourceDocument.objects.filter(origin="boom.md").exists()
        assert not LLMModel.objects.filter(repo_id__startswith="boom-org/").exists()
        assert ok.status == ItemStatus.IMPORTED
        edge = LineageEdge.objects.get(child=ok.model)
        assert edge.parent.repo_id == parent and edge.parent.is_stub
        assert job.status == "done" and job.failed_count == 1

    def test_record_failure_rolls_the_document_back(self) -> None:
        def record(outcome: imports.ImportOutcome) -> None:
            raise RuntimeError("bookkeeping failed")

        cache = LookupCache()
        with pytest.raises(RuntimeError):
            import_document(generated_card(5, org="rec-org"), origin="rec.md", cache=cache, record=record)
        assert not SourceDocument.objects.filter(origin="rec.md").exists()
        assert not LLMModel.objects.filter(repo_id__startswith="rec-org/").exists()
        assert cache.models == {} and cache.organizations == {}

    def test_record_sees_the_outcome_inside_the_transaction(self) -> None:
        seen: list[tuple[str, bool]] = []

        def record(outcome: imports.ImportOutcome) -> None:
            # The document row is visible here: same transaction, not yet committed for others.
            seen.append((outcome.status, SourceDocument.objects.filter(pk=outcome.document.pk).exists()))

        import_document(generated_card(6, org="rec-org"), origin="r1.md", record=record)
        import_document(generated_card(6, org="rec-org"), origin="r2.md", record=record)
        assert seen == [(ItemStatus.IMPORTED, True), (ItemStatus.UNCHANGED, True)]


class TestClaim:
    def test_claims_in_order_once_each(self) -> None:
        job = _job(3)
        claimed = [imports._claim_next_item(job) for _ in range(4)]
        assert [c.position for c in claimed[:3]] == [0, 1, 2] and claimed[3] is None
        for item in claimed[:3]:
            assert (item.status, item.attempts, item.job_id) == (ItemStatus.RUNNING, 1, job.pk)
            assert item.started_at is not None and item.content.startswith("---")
        assert set(ImportItem.objects.filter(job=job).values_list("status", flat=True)) == {ItemStatus.RUNNING}


class TestUpsert:
    def test_updates_existing_rows_and_inserts_new_ones_with_history(self) -> None:
        child = LLMModel.objects.create(repo_id="u/child", name="child")
        old_parent = LLMModel.objects.create(repo_id="u/old", name="old")
        new_parent = LLMModel.objects.create(repo_id="u/new", name="new")
        LineageEdge.objects.create(child=child, parent=old_parent, kind=EdgeKind.FINETUNE, confidence=0.2)
        rows = {(old_parent.pk, EdgeKind.FINETUNE): {"confidence": 0.8, "evidence": "again"},
                (new_parent.pk, EdgeKind.MERGE): {"confidence": 0.5, "evidence": "new"}}
        imports._upsert(LineageEdge, {"child": child}, rows, ("parent_id", "kind"), fresh=False)
        edges = {(e.parent.repo_id, e.kind): (e.confidence, e.evidence) for e in LineageEdge.objects.filter(child=child)}
        assert edges == {("u/old", "finetune"): (0.8, "again"), ("u/new", "merge"): (0.5, "new")}
        updated = LineageEdge.objects.get(child=child, parent=old_parent)
        assert [h.history_type for h in updated.history.order_by("history_date")] == ["+", "~"]
        assert LineageEdge.objects.get(child=child, parent=new_parent).history.count() == 1


class TestNewVersionThroughTheJob:
    def test_changed_card_updates_the_model_once_with_a_history_row(self) -> None:
        card = generated_card(7, org="h-org")
        run_import_job(create_import_job([DocumentInput(name="h.md", content=card)], via="api", enqueue=False).pk)
        changed = card.replace("license: apache-2.0", "license: mit")
        job = run_import_job(create_import_job([DocumentInput(name="h.md", content=changed)], via="api",
                                               enqueue=False).pk)
        item = job.items.get()
        assert item.status == ItemStatus.UPDATED
        model = item.model
        model.refresh_from_db()
        assert model.license == "mit"
        assert [(h.history_type, h.license) for h in model.history.order_by("history_date")] == [
            ("+", "apache-2.0"), ("~", "mit")]
        # The new version's facts replaced the old one's: one run, one fine-tune/merge edge set.
        assert EvalRun.objects.filter(model=model).count() == 1
        assert EvalRun.objects.get(model=model).source_document_id == item.document_id
        assert item.document.previous.status == "superseded"


class TestUnchangedBeforeParsing:
    def test_stored_text_is_not_parsed_again(self, monkeypatch) -> None:
        card = generated_card(8, org="u-org")
        first = import_document(card, origin="u.md")

        def refuse(*args: Any, **kwargs: Any) -> None:
            raise AssertionError("parsed again")

        monkeypatch.setattr("catalog.cards.parse_document", refuse)
        again = import_document(card.encode(), origin="u-again.md")
        assert (again.status, again.document.pk, again.model.pk) == (
            ItemStatus.UNCHANGED, first.document.pk, first.model.pk)

    def test_undecodable_bytes_still_get_the_parsers_reason(self) -> None:
        with pytest.raises(imports.ImportFailed) as info:
            import_document(b"\xff\xfe\x00garbage\x00\x01\x02", origin="bad.bin")
        assert info.value.reason
