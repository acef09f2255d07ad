"""``copy_create`` writes the rows ``bulk_create`` writes, through COPY."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from django.db import IntegrityError, connection, transaction

from catalog.models import DocumentKind, LineageEdge, LLMModel, SourceDocument
from catalog.services.copy_insert import copy_create
from catalog.tests.factories import LLMModelFactory, OrganizationFactory, SourceDocumentFactory

pytestmark = pytest.mark.django_db


def _row(model_cls: type, pk: int) -> dict:
    """Every stored column but the pk and the timestamps, as PostgreSQL prints it."""
    columns = [f.column for f in model_cls._meta.concrete_fields
               if f.column not in ("id", "created_at", "updated_at", "imported_at")]
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {", ".join(f"{c!r}::text".replace(chr(39), chr(34)) for c in columns)} '  # noqa: S608
                       f"FROM {model_cls._meta.db_table} WHERE id = %s", [pk])
        return dict(zip(columns, cursor.fetchone()))


def _models(org, tag: str) -> list[LLMModel]:
    return [
        LLMModel(repo_id=f"acme/{tag}-one", name="one", organization=org, is_stub=False, license="mit",
                 context_length=8192, total_params_b=7, active_params_b=None, tags=["a", "b'\"{}\\"], languages=[],
                 release_date=date(2024, 5, 1), card_html="<p>tab\there\nline \\N</p>", summary="é ✓ \U0001f600",
                 num_experts=8, downloads=2 ** 40, params_estimated=True),
        LLMModel(repo_id=f"acme/{tag}-two", name="two", organization=org, is_stub=True,
                 release_date=datetime(2024, 5, 2, 10, 30), updated_at=datetime(2024, 1, 1, tzinfo=timezone.utc)),
    ]


def test_rows_equal_bulk_create_rows_and_ids_follow_the_objects_order() -> None:
    org = OrganizationFactory()
    by_bulk = LLMModel.objects.bulk_create(_models(org, "bulk"))
    by_copy = copy_create(_models(org, "copy"), LLMModel)
    assert [m.pk for m in by_copy] == sorted(m.pk for m in by_copy)
    assert by_copy[0].pk > by_bulk[-1].pk
    for bulk, copied in zip(by_bulk, by_copy):
        expected, got = _row(LLMModel, bulk.pk), _row(LLMModel, copied.pk)
        expected["repo_id"] = expected["repo_id"].replace("bulk", "copy")
        expected["search_vector"] = expected["search_vector"].replace("'bulk'", "'copy'")  # from the repo id
        assert got == expected
        assert got["search_vector"]  # the insert trigger ran for COPY too
        assert copied._state.adding is False and copied._state.db == "default"
    stored = LLMModel.objects.get(pk=by_copy[0].pk)
    assert (stored.tags, stored.total_params_b, stored.summary, stored.downloads) == (
        ["a", "b'\"{}\\"], 7.0, "é ✓ \U0001f600", 2 ** 40)
    assert LLMModel.objects.get(pk=by_copy[1].pk).release_date == date(2024, 5, 2)  # a datetime, read as its date


def test_json_choices_and_foreign_keys_assigned_before_the_parent_was_saved() -> None:
    model = LLMModelFactory()
    facts = {"runs": [{"value": 71.5, "shots": None, "ok": True}], "name": "x"}
    document = SourceDocument(kind=DocumentKind.MODEL_CARD, origin="a.md", content_hash="h" * 64, raw_text="text",
                              size_bytes=4, parsed_facts=facts, warnings=["careful"], model=model)
    copy_create([document], SourceDocument)
    stored = SourceDocument.objects.get(pk=document.pk)
    assert (stored.kind, stored.parsed_facts, stored.warnings, stored.model_id) == (
        "model_card", facts, ["careful"], model.pk)
    parent = LLMModel(repo_id="acme/parent", name="parent")
    edge = LineageEdge(child=model, parent=parent, kind="finetune")
    copy_create([parent], LLMModel)  # saved after the edge was built: its id reaches the edge, as in bulk_create
    copy_create([edge], LineageEdge)
    assert LineageEdge.objects.get(pk=edge.pk).parent_id == parent.pk


def test_an_unsaved_related_object_is_refused_as_bulk_create_refuses_it() -> None:
    edge = LineageEdge(child=LLMModelFactory(), parent=LLMModel(repo_id="acme/unsaved", name="u"), kind="finetune")
    with pytest.raises(ValueError, match="unsaved related object"):
        copy_create([edge], LineageEdge)


def test_a_failed_copy_raises_djangos_error_and_leaves_the_transaction_usable() -> None:
    existing = SourceDocumentFactory()
    duplicate = SourceDocument(kind=DocumentKind.MODEL_CARD, content_hash=existing.content_hash, raw_text="x")
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            copy_create([duplicate], SourceDocument)
    assert SourceDocument.objects.filter(content_hash=existing.content_hash).count() == 1
    assert LLMModelFactory().pk  # the connection still works after the rolled-back savepoint


def test_rows_with_a_pk_of_their_own_go_through_bulk_create() -> None:
    org = OrganizationFactory()
    model = LLMModel(pk=987654, repo_id="acme/fixed", name="fixed", organization=org)
    copy_create([model], LLMModel)
    assert LLMModel.objects.get(repo_id="acme/fixed").pk == 987654
