"""Catalog search: which models match (exact arm or typo arm), in which order, with which facets,
and in how many queries -- for the HTML page and the API alike."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity
from django.db.models import F, Q
from django.test import Client
from rest_framework.test import APIClient

from catalog import selectors
from catalog.models import EdgeKind, LLMModel, QuantFormat
from catalog.querysets import ContainsIgnoringCase
from catalog.tests.factories import (
    LineageEdgeFactory,
    LLMModelFactory,
    MergeRecipeFactory,
    QuantizedVariantFactory,
)
from catalog.tests.pages import model_names as names
from catalog.tests.pages import result_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus() -> list[LLMModel]:
    models = [
        LLMModelFactory(repo_id="acme/Hermes-Mistral-7B", family="mistral", license="apache-2.0"),
        LLMModelFactory(repo_id="acme/Hermes-Mistral-7B-DPO", family="mistral", license="mit"),
        LLMModelFactory(repo_id="nous/Hermes-2-Mistral-Instruct-v0.2-extra-long-name", family="mistral", is_moe=True),
        LLMModelFactory(repo_id="other/Mistral-Merge-Hermes", family="mistral", license="mit", total_params_b=13.0),
        LLMModelFactory(repo_id="solo/Qwen2-Merge-7B", family="qwen2", license="other"),
        LLMModelFactory(repo_id="solo/Qwen2-Chat-7B", family="qwen2", license="other"),
        LLMModelFactory(repo_id="meta/Llama-3-8B", family="llama", license="llama3"),
    ]
    MergeRecipeFactory(model=models[3], base_model=None, method="SLERP")
    MergeRecipeFactory(model=models[4], base_model=None, method="ties")
    QuantizedVariantFactory(model=models[0], format=QuantFormat.GGUF)
    QuantizedVariantFactory(model=models[1], format=QuantFormat.AWQ)
    quantized = LLMModelFactory(repo_id="bloke/Hermes-Mistral-7B-GPTQ", family="mistral")
    LineageEdgeFactory(child=quantized, parent=models[1], kind=EdgeKind.QUANTIZED, params={"format": "GPTQ"})
    return models


def expected_order(text: str, matched: list[str]) -> list[str]:
    """The documented relevance order, computed independently: rank, then repo-id similarity, then repo id."""
    query = SearchQuery(text, search_type="websearch", config="simple")
    rows = (LLMModel.objects.filter(repo_id__in=matched)
            .annotate(r=SearchRank(F("search_vector"), query), s=TrigramSimilarity("repo_id", text))
            .values_list("repo_id", "r", "s"))
    return [repo for repo, _r, _s in sorted(rows, key=lambda row: (-row[1], -row[2], row[0]))]


def test_exact_search_matches_every_word_in_relevance_then_similarity_order(client: Client, corpus) -> None:
    response = client.get("/models/", {"q": "hermes mistral"})
    found = names(response)
    assert set(found) == {"acme/Hermes-Mistral-7B", "acme/Hermes-Mistral-7B-DPO", "other/Mistral-Merge-Hermes",
                          "nous/Hermes-2-Mistral-Instruct-v0.2-extra-long-name", "bloke/Hermes-Mistral-7B-GPTQ"}
    assert found == expected_order("hermes mistral", found)
    assert result_count(response) == 5


def test_typo_arm_runs_only_without_exact_hits_and_ignores_other_filters_to_decide(client: Client, corpus) -> None:
    # "qwen2 mrege" matches no word exactly: the trigram arm finds the near repo ids.
    typo = names(client.get("/models/", {"q": "qwen2 mrege"}))
    assert "solo/Qwen2-Merge-7B" in typo and "meta/Llama-3-8B" not in typo
    assert typo == expected_order("qwen2 mrege", typo)
    assert set(typo) == set(LLMModel.objects.filter(repo_id__trigram_similar="qwen2 mrege", is_stub=False)
                            .values_list("repo_id", flat=True))
    # The decision looks at the whole catalog: with a family filter that excludes the exact hits,
    # "qwen2" still takes the exact arm (and finds nothing in llama), never the typo arm.
    assert names(client.get("/models/", {"q": "qwen2", "family": "llama"})) == []
    # Filters still apply to typo matches.
    assert names(client.get("/models/", {"q": "qwen2 mrege", "family": "llama"})) == []


@pytest.mark.parametrize("text, typo", [("hermes mistral", False), ("qwen2 mrege", True), ("mistral", False)])
def test_search_takes_three_queries_on_the_page_and_two_in_the_api_one_more_for_a_typo(
        client: Client, corpus, text: str, typo: bool, django_assert_num_queries) -> None:
    # The exact probe (and, without exact hits, the typo ids), the facets, the page.
    with django_assert_num_queries(3 + typo):
        response = client.get("/models/", {"q": text})
    assert result_count(response) == len(names(response)) > 0
    # The probe (typo ids) and the page.
    with django_assert_num_queries(2 + typo):
        body = APIClient().get("/api/models/", {"q": text, "page_size": 50}).json()
    assert [r["repo_id"] for r in body["results"]] != []


def test_api_search_pages_by_rank_then_repo_id(corpus) -> None:
    body = APIClient().get("/api/models/", {"q": "hermes mistral", "page_size": 50}).json()
    query = SearchQuery("hermes mistral", search_type="websearch", config="simple")
    ranked = (LLMModel.objects.filter(search_vector=query, is_stub=False)
              .annotate(r=SearchRank(F("search_vector"), query)).order_by("-r", "repo_id", "pk")
              .values_list("repo_id", flat=True))
    assert [r["repo_id"] for r in body["results"]] == list(ranked)
    typo = APIClient().get("/api/models/", {"q": "qwen2 mrege"}).json()
    assert "solo/Qwen2-Merge-7B" in [r["repo_id"] for r in typo["results"]]


@pytest.mark.parametrize("text", ["hermes mistral", "mistral", "qwen2 mrege"])
def test_search_facets_equal_the_facets_of_the_same_models_filtered_by_id(corpus, text: str) -> None:
    # The same models reached through the search predicate or through their ids: same counts.
    searched = LLMModel.objects.filter(is_stub=False).search(text)
    ids = list(searched.values_list("pk", flat=True))
    assert ids
    by_search = selectors.facets(searched)
    by_ids = selectors.facets(LLMModel.objects.filter(pk__in=ids))
    assert by_search.total == by_ids.total == len(ids)
    assert by_search.groups == by_ids.groups
    if text == "hermes mistral":
        assert by_search["merge_method"] == [("slerp", 1)]
        assert by_search["quant_format"] == [("AWQ", 1), ("GGUF", 1), ("GPTQ", 1)]


def test_api_list_rows_are_exactly_what_the_list_serializer_gives(corpus) -> None:
    import orjson

    from catalog.api.serializers import ModelListSerializer

    corpus[0].release_date = None
    corpus[0].active_params_b = 3.5
    corpus[0].save()
    for params in ({"page_size": 50}, {"q": "hermes mistral", "page_size": 50}, {"q": "qwen2 mrege"}):
        rows = APIClient().get("/api/models/", params).json()["results"]
        assert rows
        models = {m.repo_id: m for m in LLMModel.objects.filter(repo_id__in=[r["repo_id"] for r in rows])}
        expected = [orjson.loads(orjson.dumps(ModelListSerializer(models[r["repo_id"]]).data)) for r in rows]
        assert rows == expected
    assert any(r["release_date"] is None for r in APIClient().get("/api/models/", {"page_size": 50}).json()["results"])


def test_api_list_rejects_a_bad_filter_naming_the_field(corpus) -> None:
    response = APIClient().get("/api/models/", {"q": "mistral", "params_min": "lots"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"][0]["field"] == "params_min"


def test_api_list_order_is_the_expression_index_order(corpus) -> None:
    """llmmodel_api_downloads_idx (migration 0008) spells out the cursor paginator's NULL-sentinel
    expressions; if either side changes, the index silently stops serving /api/models/. With
    sorting and sequential scans priced out, only a matching index can give that order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        rows = APIClient().get("/api/models/", {"page_size": 3}).json()["results"]
    assert [r["repo_id"] for r in rows] == list(
        LLMModel.objects.filter(is_stub=False).order_by(F("downloads").desc(nulls_last=True), "repo_id", "pk")
        .values_list("repo_id", flat=True)[:3])
    (page_sql,) = [q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute(f"EXPLAIN {page_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "llmmodel_api_downloads_idx" in plan and "Sort" not in plan


def test_relevance_rows_page_like_the_single_order_by_at_every_offset(corpus) -> None:
    """RelevanceRows (similarity only for the rank groups a page reaches) slices exactly like the
    queryset ordered by (rank, similarity, repo id) in one ORDER BY, across groups of equal rank."""
    for index in range(12):  # one rank for all of them, told apart by similarity, then repo id
        LLMModelFactory(repo_id=f"tie/Hermes-Mistral-{'x' * (index % 4)}{index}", family="mistral")
    searched = LLMModel.objects.filter(is_stub=False).search("hermes mistral")
    rows = selectors.page_rows(searched)
    assert isinstance(rows, selectors.RelevanceRows)
    expected = list(searched.values_list("repo_id", flat=True))
    assert len(expected) == 17
    for start, stop in ((0, 5), (5, 10), (3, 17), (15, 40), (17, 20)):
        page = rows[start:stop]
        assert [m.repo_id for m in page] == expected[start:stop]
        assert all(m.rank is not None and m.family == "mistral" for m in page)
    # Another sort is a plain queryset again.
    assert not isinstance(selectors.page_rows(searched.order_by("repo_id")), selectors.RelevanceRows)
    assert not isinstance(selectors.page_rows(LLMModel.objects.all()), selectors.RelevanceRows)


@pytest.mark.parametrize("text", ["hermes mistral", "mistral", "Mistral-7B", "merge-7b", "100%", "a_b",
                                  "qwen2 mrege", "nothing-like-it", '"hermes mistral"', "-llama hermes",
                                  "Überm ö 模型", "mistral or zz"])
def test_exact_probe_answers_like_the_orm_exact_predicate(corpus, text: str) -> None:
    """The probe's SQL is the exact arm's predicate written out; the ORM's own predicate agrees."""
    query = SearchQuery(text, search_type="websearch", config="simple")
    exact = Q(search_vector=query)
    substring = " " not in text
    if substring:
        exact |= Q(ContainsIgnoringCase(F("repo_id"), text))
    expected = LLMModel.objects.filter(exact).exists()
    assert LLMModel.objects.all()._exact_exists(text, substring=substring) is expected


def test_filtersets_get_their_own_filters_and_form_fields_bound_to_themselves(corpus) -> None:
    """Filters and form fields are copied shallowly per FilterSet (not deep-copied): each instance
    still has its own objects, and its method filters call that instance's methods."""
    from catalog.filters import LLMModelFilter

    first = LLMModelFilter({"q": "hermes mistral"}, queryset=LLMModel.objects.all())
    second = LLMModelFilter({"q": "llama", "merged": "true"}, queryset=LLMModel.objects.all())
    assert first.is_valid() and second.is_valid()
    for name in ("q", "merged", "quant_format", "sort"):
        assert first.filters[name] is not second.filters[name] is not LLMModelFilter.base_filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
        assert first.form.fields[name] is not second.form.fields[name]
    assert first.filters["q"].filter.method.__self__ is first
    assert second.filters["merged"].filter.method.__self__ is second
    assert not hasattr(LLMModelFilter.base_filters["q"], "parent")
    # Each runs its own filters: the second's merged filter does not leak into the first.
    assert {m.repo_id for m in first.qs} == {"acme/Hermes-Mistral-7B", "acme/Hermes-Mistral-7B-DPO",
                                             "nous/Hermes-2-Mistral-Instruct-v0.2-extra-long-name",
                                             "other/Mistral-Merge-Hermes", "bloke/Hermes-Mistral-7B-GPTQ"}
    assert list(second.qs) == []


def test_quant_format_filter_takes_variants_and_quantized_child_edges(client: Client, corpus) -> None:
    # AWQ only as a variant row, GPTQ only as a quantized child edge; both of the same model.
    for value in ("AWQ", "GPTQ"):
        assert names(client.get("/models/", {"quant_format": value})) == ["acme/Hermes-Mistral-7B-DPO"]
    assert names(client.get("/models/", {"quant_format": "GGUF", "q": "hermes"})) == ["acme/Hermes-Mistral-7B"]
    assert names(client.get("/models/", {"quant_format": "EXL2"})) == []
    rows = APIClient().get("/api/models/", {"quant_format": "GPTQ"}).json()["results"]
    assert [r["repo_id"] for r in rows] == ["acme/Hermes-Mistral-7B-DPO"]
