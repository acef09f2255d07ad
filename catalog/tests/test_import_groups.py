"""The worker's grouped import (several items per transaction, new models stored in bulk): every
document still ends as it would alone, and a failing one rolls back alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError

from catalog.cardgen import generated_card
from catalog.models import EdgeKind, ImportItem, ItemStatus, LineageEdge, LLMModel, MergeRecipe, SourceDocument
from catalog.services import bulk_store, imports
from catalog.services.imports import DocumentInput, create_import_job, import_document, run_import_job
from evals.models import EvalRun, Result

pytestmark = pytest.mark.django_db


def _card(name: str, *, base: str = "", license_: str = "mit") -> str:
    front = f"license: {license_}\n" + (f"base_model: {base}\n" if base else "")
    return f"---\n{front}---\n# {name}\n\nA fine-tune.\n"


def _run(docs: list[DocumentInput]):
    return run_import_job(create_import_job(docs, via="api", enqueue=False).pk)


def test_a_mixed_group_ends_as_item_by_item_would(settings) -> None:
    settings.IMPORT_BATCH_SIZE = 50
    existing = import_document(_card("Old", license_="apache-2.0"), origin="old.md", repo_id_hint="g/old").model
    same = generated_card(1, org="g2")
    job = _run([
        DocumentInput(name="a.md", content=generated_card(0, org="g1")),
        DocumentInput(name="old.md", content=_card("Old"), repo_id_hint="g/old"),  # a new version
        DocumentInput(name="child.md", content=_card("Child", base="g/parent"), repo_id_hint="g/child"),
        DocumentInput(name="parent.md", content=_card("Parent"), repo_id_hint="g/parent"),  # named just above
        DocumentInput(name="same-1.md", content=same),
        DocumentInput(name="same-2.md", content=same),  # the same text twice in one group
        DocumentInput(name="nothing.md", content="# no repo id anywhere\n"),
        DocumentInput(name="b.md", content=generated_card(3, org="g1")),
    ])
    status = dict(job.items.values_list("name", "status"))
    assert status == {
        "a.md": "imported", "old.md": "updated", "child.md": "imported", "parent.md": "imported",
        "same-1.md": "imported", "same-2.md": "unchanged", "nothing.md": "failed", "b.md": "imported",
    }
    assert (job.status, job.processed, job.succeeded, job.unchanged, job.failed_count) == ("done", 8, 6, 1, 1)
    assert "no repo id" in job.items.get(name="nothing.md").error
    existing.refresh_from_db()
    assert existing.license == "mit"
    assert [h.history_type for h in existing.history.order_by("history_date")] == ["+", "~"]
    # The child named its parent before the parent's own card came: a stub, then filled in.
    parent = LLMModel.objects.get(repo_id="g/parent")
    assert not parent.is_stub and LineageEdge.objects.get(child__repo_id="g/child").parent == parent
    one, two = job.items.get(name="same-1.md"), job.items.get(name="same-2.md")
    assert (two.document_id, two.model_id) == (one.document_id, one.model_id)
    assert SourceDocument.objects.filter(content_hash=one.document.content_hash).count() == 1
    for name in ("a.md", "b.md", "same-1.md"):
        item = job.items.get(name=name)
        assert item.document.model_id == item.model_id and item.finished_at and item.error == ""
        assert Result.objects.filter(run__source_document=item.document, run__model=item.model).count() == 6
        assert [h.history_type for h in item.model.history.all()] == ["+"]
    merged = job.items.get(name="b.md").model  # card 3: a merge with its recipe
    assert MergeRecipe.objects.get(model=merged).history.count() == 1
    assert LineageEdge.objects.filter(child=merged, kind=EdgeKind.MERGE).count() == 2


def test_a_group_runs_in_one_transaction_with_bulk_statements(settings, django_assert_max_num_queries,
                                                               monkeypatch) -> None:
    settings.IMPORT_BATCH_SIZE = 50
    # No once-a-second progress refresh mid-run: on a loaded machine it would add 3 statements.
    monkeypatch.setattr(imports, "PROGRESS_INTERVAL_SECONDS", 3600.0)
    job = create_import_job([DocumentInput(name=f"c{i}.md", content=generated_card(i, org="bulk-org"))
                             for i in range(30)], via="api", enqueue=False)
    with django_assert_max_num_queries(40):  # item by item this was about 13 statements per card
        job = run_import_job(job.pk)
    assert (job.succeeded, job.failed_count) == (30, 0)
    assert EvalRun.objects.filter(model__repo_id__startswith="bulk-org/").count() == 30


def test_a_database_error_in_the_bulk_store_fails_only_its_document(settings, monkeypatch) -> None:
    settings.IMPORT_BATCH_SIZE = 50
    settings.JOB_MAX_ATTEMPTS = 1
    real = imports._store

    def store(parsed: Any, **kwargs: Any) -> Any:
        if kwargs["origin"] == "bad.md":  # alone, the document hits a constraint
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(parsed, **kwargs)

    def bulk(entries: list[bulk_store.FreshDocument], cache: Any) -> set[int]:
        if any(entry.origin == "bad.md" for entry in entries):
            bulk_real(entries, cache)  # rows written, then the group fails: all must roll back
            raise IntegrityError("duplicate key value violates unique constraint")
        return bulk_real(entries, cache)

    bulk_real = bulk_store.store_fresh
    monkeypatch.setattr(imports, "_store", store)
    monkeypatch.setattr(imports, "store_fresh", bulk)
    job = _run([DocumentInput(name=f"{name}.md", content=generated_card(i, org=f"{name}-org"))
                for i, name in enumerate(["ok1", "bad", "ok2"])])
    bad = job.items.get(name="bad.md")
    assert bad.status == ItemStatus.QUARANTINED and "IntegrityError" in bad.error
    assert (bad.document_id, bad.model_id) == (None, None)
    assert not LLMModel.objects.filter(repo_id__startswith="bad-org/").exists()
    assert not SourceDocument.objects.filter(origin="bad.md").exists()
    assert set(job.items.exclude(name="bad.md").values_list("status", flat=True)) == {ItemStatus.IMPORTED}
    assert LLMModel.objects.filter(repo_id__startswith="ok1-org/").count() == 1
    assert (job.succeeded, job.failed_count) == (2, 1)


def test_a_lost_connection_gives_back_the_attempts_of_items_not_begun(settings, monkeypatch) -> None:
    from django.db import OperationalError

    settings.IMPORT_BATCH_SIZE = 50
    calls: list[str] = []
    real = imports.import_document

    def flaky(content: Any, **kw: Any) -> Any:
        calls.append(kw["origin"])
        if kw["origin"] == "second.md" and calls.count("second.md") == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(content, **kw)

    monkeypatch.setattr(imports, "import_document", flaky)
    monkeypatch.setattr(imports, "connection_lost", lambda exc: isinstance(exc, OperationalError))
    monkeypatch.setattr(imports, "wait_for_database", lambda seconds: None)
    job = _run([DocumentInput(name=f"{name}.md", content=generated_card(i, org="lost-org"))
                for i, name in enumerate(["first", "second", "third"])])
    attempts = dict(job.items.values_list("name", "attempts"))
    # first and second had begun when the connection went (their group rolled back); third had not.
    assert attempts == {"first.md": 2, "second.md": 2, "third.md": 1}
    assert set(job.items.values_list("status", flat=True)) == {ItemStatus.IMPORTED}
    assert LLMModel.objects.filter(repo_id__startswith="lost-org/").count() == 3
    assert ImportItem.objects.filter(job=job, status=ItemStatus.RUNNING).count() == 0


def test_a_text_stored_meanwhile_by_another_worker_fails_the_copy_and_only_its_document(settings,
                                                                                         monkeypatch) -> None:
    """A real constraint error from the COPY of a group (another worker stored one of its texts
    after the group looked them up): the group rolls back and the other documents still import."""
    settings.IMPORT_BATCH_SIZE = 50
    settings.JOB_MAX_ATTEMPTS = 1
    taken = generated_card(1, org="taken-org")
    real_init = imports.ImportBatch.__init__

    def init(self: imports.ImportBatch, cache: Any, digests: Any) -> None:
        real_init(self, cache, digests)
        SourceDocument.objects.create(content_hash=imports.content_hash(taken), raw_text=taken)

    monkeypatch.setattr(imports.ImportBatch, "__init__", init)
    job = _run([DocumentInput(name="ok1.md", content=generated_card(0, org="ok1-org")),
                DocumentInput(name="taken.md", content=taken),
                DocumentInput(name="ok2.md", content=generated_card(2, org="ok2-org"))])
    taken_item = job.items.get(name="taken.md")
    assert taken_item.status == ItemStatus.QUARANTINED and "IntegrityError" in taken_item.error
    assert not LLMModel.objects.filter(repo_id__startswith="taken-org/").exists()
    assert set(job.items.exclude(name="taken.md").values_list("status", flat=True)) == {ItemStatus.IMPORTED}
    for org in ("ok1-org", "ok2-org"):
        model = LLMModel.objects.get(repo_id__startswith=f"{org}/")
        # Stored once: the rolled-back bulk attempt left nothing behind.
        assert model.documents.count() == 1 and EvalRun.objects.filter(model=model).count() == 1
        assert Result.objects.filter(run__model=model).count() == 6
