"""The worker parses the next group in a thread while the current one is stored: documents parsed
ahead must end exactly as documents parsed in place."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from catalog.cardgen import generated_card
from catalog.models import ItemStatus, LLMModel, SourceDocument
from catalog.services import parse_ahead
from catalog.services.imports import DocumentInput, ImportFailed, create_import_job, import_document, run_import_job
from catalog.services.parse_ahead import AheadItem, ParseAhead, prepare_document

pytestmark = pytest.mark.django_db

ALIAS_BOMB = "---\na: &x [1]\nb: *x\n---\n# t\n"


def _run(docs: list[DocumentInput]):
    return run_import_job(create_import_job(docs, via="api", enqueue=False).pk)


@pytest.fixture
def prepared_origins(monkeypatch) -> list[str]:
    """The origins of the documents the background thread prepared."""
    origins: list[str] = []
    real = parse_ahead.prepare_document

    def spy(content: Any, *, origin: str, repo_id_hint: str) -> Any:
        origins.append(origin)
        return real(content, origin=origin, repo_id_hint=repo_id_hint)

    monkeypatch.setattr(parse_ahead, "prepare_document", spy)
    return origins


def test_documents_parsed_ahead_end_as_parsed_in_place(settings, prepared_origins) -> None:
    settings.IMPORT_BATCH_SIZE = 2
    with pytest.raises(ImportFailed) as alone:
        import_document(ALIAS_BOMB, origin="alone.md")
    card = generated_card(4, org="ahead-org")
    job = _run([
        DocumentInput(name="a.md", content=generated_card(1, org="ahead-org")),
        DocumentInput(name="b.md", content=generated_card(2, org="ahead-org")),
        DocumentInput(name="c.md", content=generated_card(3, org="ahead-org")),
        DocumentInput(name="bomb.md", content=ALIAS_BOMB),
        DocumentInput(name="d.md", content=card),
        DocumentInput(name="nothing.md", content="# no repo id anywhere\n"),
        DocumentInput(name="d-again.md", content=card),  # stored by the group before: a lookup, not a parse
        DocumentInput(name="hinted.md", content="# Hinted\n\nProse.", repo_id_hint="ahead-org/hinted"),
        DocumentInput(name="binary.bin", content=b"\x00\x01\x02\xff binary"),
    ])
    # Everything after the first group was parsed by the thread.
    assert set(prepared_origins) >= {"c.md", "bomb.md", "d.md", "nothing.md", "hinted.md", "binary.bin"}
    assert not {"a.md", "b.md"} & set(prepared_origins)
    status = dict(job.items.values_list("name", "status"))
    assert status == {
        "a.md": "imported", "b.md": "imported", "c.md": "imported", "bomb.md": "failed", "d.md": "imported",
        "nothing.md": "failed", "d-again.md": "unchanged", "hinted.md": "imported", "binary.bin": "failed",
    }
    assert job.items.get(name="bomb.md").error == alone.value.reason
    assert "no repo id" in job.items.get(name="nothing.md").error
    assert job.items.get(name="d-again.md").document_id == job.items.get(name="d.md").document_id
    # Rendered ahead, stored the same: the card's HTML on the model and the document.
    c = job.items.get(name="c.md")
    assert c.document.rendered_html.startswith("<h1>") and c.model.card_html == c.document.rendered_html
    hinted = LLMModel.objects.get(repo_id="ahead-org/hinted")
    assert not hinted.is_stub and "<p>Prose.</p>" in hinted.card_html


def test_a_text_already_stored_is_not_parsed_ahead(settings, prepared_origins) -> None:
    settings.IMPORT_BATCH_SIZE = 2
    stored = generated_card(7, org="stored-org")
    import_document(stored, origin="first.md")
    job = _run([DocumentInput(name=f"{name}.md", content=content) for name, content in [
        ("new-1", generated_card(1, org="stored-org")), ("new-2", generated_card(2, org="stored-org")),
        ("again", stored), ("new-3", generated_card(3, org="stored-org")),
    ]])
    assert prepared_origins == ["new-3.md"]
    assert job.items.get(name="again.md").status == ItemStatus.UNCHANGED
    assert SourceDocument.objects.filter(content_hash=job.items.get(name="again.md").document.content_hash).count() == 1


def test_a_crash_while_parsing_ahead_is_redone_on_the_workers_thread(settings, monkeypatch) -> None:
    from catalog import cards

    settings.IMPORT_BATCH_SIZE = 2
    real = cards.parse_document
    threads: list[str] = []

    def parse(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("a parser bug that only the thread meets")
        return real(*args, **kwargs)

    monkeypatch.setattr(cards, "parse_document", parse)
    job = _run([DocumentInput(name=f"{i}.md", content=generated_card(i, org="crash-org")) for i in range(5)])
    assert (job.status, job.succeeded, job.failed_count) == ("done", 5, 0)
    assert any(name.startswith("import-parse") for name in threads)  # the thread did try
    assert LLMModel.objects.filter(repo_id__startswith="crash-org/", is_stub=False).count() == 5


def test_a_result_is_used_only_for_the_content_it_was_made_from() -> None:
    ahead = ParseAhead()
    try:
        ahead.submit([AheadItem(1, generated_card(1), "one.md", ""), AheadItem(2, "# x", "two.md", "")])
        prepared = ahead.take(1, generated_card(1))
        assert prepared is not None and prepared.parsed is not None and prepared.error is None
        assert prepared == prepare_document(generated_card(1), origin="one.md", repo_id_hint="")
        assert ahead.take(2, "# another text") is None
        assert ahead.take(2, "# x") is None  # taken (and dropped) above
    finally:
        ahead.close()


def test_a_parse_error_found_ahead_is_kept_with_its_reason() -> None:
    prepared = prepare_document(ALIAS_BOMB, origin="bomb.md", repo_id_hint="")
    assert prepared is not None and prepared.parsed is None
    with pytest.raises(ImportFailed) as alone:
        import_document(ALIAS_BOMB, origin="bomb.md")
    assert (prepared.error.code, prepared.error.reason) == (alone.value.code, alone.value.reason)
    with pytest.raises(ImportFailed) as ahead:
        import_document(ALIAS_BOMB, origin="bomb.md", prepared=prepared)
    assert (ahead.value.code, ahead.value.reason) == (alone.value.code, alone.value.reason)
