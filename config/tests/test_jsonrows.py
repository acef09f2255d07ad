"""config.jsonrows: rows carried as JSON come back as the instances a plain query would load."""

from __future__ import annotations

import pytest
from django.db.models import OuterRef

from catalog.models import LineageEdge, LLMModel, MergeRecipe, SourceDocument
from catalog.tests.factories import (
    LineageEdgeFactory,
    LLMModelFactory,
    MergeRecipeFactory,
    SourceDocumentFactory,
)
from config.jsonrows import instances, json_rows, set_prefetched

pytestmark = pytest.mark.django_db


def test_rows_round_trip_every_field_type_and_their_order() -> None:
    model = LLMModelFactory()
    older = SourceDocumentFactory(model=model)
    newer = SourceDocumentFactory(model=model)
    column = json_rows(SourceDocument.objects.filter(model=OuterRef("pk")).order_by("-pk"))
    rows = LLMModel.objects.filter(pk=model.pk).values_list(column, flat=True).get()
    documents = instances(SourceDocument, rows)
    assert [d.pk for d in documents] == [newer.pk, older.pk]
    expected = SourceDocument.objects.get(pk=newer.pk)
    for field in SourceDocument._meta.concrete_fields:
        # Dates, JSON, choices, integers: equal to what the ORM loads, of the same type.
        assert getattr(documents[0], field.attname) == getattr(expected, field.attname), field.name
        assert type(getattr(documents[0], field.attname)) is type(getattr(expected, field.attname)), field.name
    assert not documents[0]._state.adding


def test_listed_fields_only_and_related_rows_attached_or_none() -> None:
    parent, child = LLMModelFactory(repo_id="org/parent"), LLMModelFactory(repo_id="org/child")
    LineageEdgeFactory(parent=parent, child=child)
    with_base = MergeRecipeFactory(model=child, base_model=parent)
    without_base = MergeRecipeFactory(model=child, base_model=None, step=1)
    column = json_rows(MergeRecipe.objects.filter(model=OuterRef("pk")).order_by("pk"), ["id", "method", "base_model"],
                       {"base_model": ["repo_id"]})
    rows = LLMModel.objects.filter(pk=child.pk).values_list(column, flat=True).get()
    first, second = instances(MergeRecipe, rows)
    assert (first.pk, first.method, first.base_model.repo_id) == (with_base.pk, with_base.method, "org/parent")
    assert first.base_model.pk == parent.pk and "raw_config" in first.get_deferred_fields()
    assert second.pk == without_base.pk and second.base_model is None


def test_set_prefetched_answers_all_without_a_query(django_assert_num_queries) -> None:
    model = LLMModelFactory()
    edge = LineageEdgeFactory(child=model)
    with django_assert_num_queries(0):
        set_prefetched(model, "parent_edges", [edge])
        assert list(model.parent_edges.all()) == [edge]
    assert isinstance(model.parent_edges.all()[0], LineageEdge)
