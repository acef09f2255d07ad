"""Catalog API: models (the catalog page's FilterSet, sorts, keyset paging), detail and lineage,
documents, organisations, lineage-edge and model writes, and imports end to end."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from catalog.filters import LLMModelFilter
from catalog.models import EdgeKind, ImportJob, LLMModel
from catalog.tests.factories import (
    ImportItemFactory,
    ImportJobFactory,
    LineageEdgeFactory,
    LLMModelFactory,
    MergeRecipeFactory,
    MoEModelFactory,
    QuantizedVariantFactory,
    SourceDocumentFactory,
    StubModelFactory,
)
from config.tests.api_factories import make_user, token_client
from evals.models import ScoringJob
from hardware.models import FitJob

pytestmark = pytest.mark.django_db


def walk(client: APIClient, url: str, params: dict | None = None) -> list[dict]:
    """Every row of a cursor-paged list, following ``next``."""
    rows, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        rows += body["results"]
        if not body["next"]:
            return rows
        response = client.get(body["next"])


def walk_back(client: APIClient, url: str, params: dict) -> list[dict]:
    """Every row, reached by going to the last page and then following ``previous``."""
    body = client.get(url, params).json()
    while body["next"]:
        body = client.get(body["next"]).json()
    rows = body["results"]
    while body["previous"]:
        body = client.get(body["previous"]).json()
        rows = body["results"] + rows
    return rows


def queries(client: APIClient, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


# ---------------------------------------------------------------------------
# Model list: the same FilterSet as the HTML catalog


FILTER_QUERIES = [
    {}, {"is_moe": "true"}, {"is_moe": "false"}, {"family": "mistral"}, {"params_min": "20"},
    {"params_max": "30", "params_min": "1"}, {"merged": "true"}, {"merged": "false"}, {"license": "apache-2.0"},
    {"q": "mixtral"}, {"q": "hermes", "is_moe": "true"}, {"include_stubs": "true"}, {"quant_format": "GGUF"},
    {"has_evals": "true"}, {"organization": "mlabonne"}, {"merge_method": "ties"}, {"sort": "-params"},
    {"sort": "name", "include_stubs": "true"}, {"context_min": "16000"},
]


def test_model_list_matches_the_catalog_filterset(seeded) -> None:
    # One test over many query strings: the seeded catalog is imported once.
    for query in FILTER_QUERIES:
        expected = LLMModelFilter(query, queryset=LLMModel.objects.all()).qs
        rows = walk(APIClient(), "/api/models/", {**query, "page_size": 3})
        assert sorted(r["repo_id"] for r in rows) == sorted(expected.values_list("repo_id", flat=True)), query
        assert len(rows) == len({r["repo_id"] for r in rows}), query  # no row twice across pages
        if query.get("sort") == "name":
            assert [r["repo_id"] for r in rows] == list(expected.values_list("repo_id", flat=True))


def test_model_list_rows() -> None:
    model = MoEModelFactory(repo_id="acme/Moe-8x7B", downloads=5)
    row = APIClient().get("/api/models/").json()["results"][0]
    assert row["repo_id"] == "acme/Moe-8x7B" and row["url"] == "/api/models/acme/Moe-8x7B/"
    assert row["is_moe"] is True and row["total_params_b"] == model.total_params_b
    assert row["active_params_b"] == model.active_params_b and row["license"] == "apache-2.0"


def test_model_list_rejects_bad_filters_naming_the_field() -> None:
    for params, field in [({"params_min": "lots"}, "params_min"), ({"sort": "bogus"}, "sort"),
                          ({"quant_format": "ZIP"}, "quant_format"),
                          ({"params_min": "-3"}, "params_min")]:
        response = APIClient().get("/api/models/", params)
        assert response.status_code == 400, params
        assert [f["field"] for f in response.json()["error"]["fields"]] == [field]


def _expected(models: list[LLMModel], key: str, descending: bool) -> list[str]:
    """Python's view of the order: NULLs last either way, ties by repo id."""
    present = sorted((m for m in models if getattr(m, key) is not None), key=lambda m: m.repo_id)
    present.sort(key=lambda m: getattr(m, key), reverse=descending)
    missing = sorted((m for m in models if getattr(m, key) is None), key=lambda m: m.repo_id)
    return [m.repo_id for m in present + missing]


@pytest.mark.parametrize("sort, key, descending", [("-params", "total_params_b", True),
                                                    ("params", "total_params_b", False),
                                                    ("-downloads", "downloads", True),
                                                    ("-release", "release_date", True)])
def test_sorted_pages_are_exact_through_long_runs_of_ties_in_both_directions(sort, key, descending) -> None:
    from datetime import date

    models = [LLMModelFactory(repo_id=f"acme/m{i:02}", total_params_b=[7.0, 13.0, None][i % 3],
                              downloads=[None, 10, 10, None][i % 4],
                              release_date=[None, date(2024, 1, 1)][i % 2]) for i in range(26)]
    expected = _expected(models, key, descending)
    client = APIClient()
    assert [r["repo_id"] for r in walk(client, "/api/models/", {"sort": sort, "page_size": 4})] == expected
    assert [r["repo_id"] for r in walk_back(client, "/api/models/", {"sort": sort, "page_size": 4})] == expected


def test_search_pages_in_relevance_order() -> None:
    for name in ("Mixtral-8x7B", "Mixtral-8x22B", "Mistral-7B", "Llama-3-8B", "Mixtral-Instruct"):
        LLMModelFactory(repo_id=f"acme/{name}")
    unpaged = APIClient().get("/api/models/", {"q": "mixtral", "page_size": 100}).json()["results"]
    paged = walk(APIClient(), "/api/models/", {"q": "mixtral", "page_size": 1})
    assert [r["repo_id"] for r in paged] == [r["repo_id"] for r in unpaged]
    assert {r["repo_id"] for r in paged} >= {"acme/Mixtral-8x7B", "acme/Mixtral-8x22B", "acme/Mixtral-Instruct"}
    assert "acme/Llama-3-8B" not in {r["repo_id"] for r in paged}


# ---------------------------------------------------------------------------
# Model detail and lineage


def test_model_detail_nests_lineage_recipes_variants_and_documents(seeded) -> None:
    body = APIClient().get("/api/models/rombodawg/Open_Gpt4_8x7B_v0.2/").json()
    assert body["repo_id"] == "rombodawg/Open_Gpt4_8x7B_v0.2" and body["organization"] == "rombodawg"
    assert body["license"] == "cc-by-4.0"
    parents = {p["parent"]: p for p in body["parents"]}
    assert {"mistralai/Mixtral-8x7B-Instruct-v0.1", "jondurbin/bagel-dpo-8x7b-v0.2"} <= set(parents)
    assert all(p["child"] == body["repo_id"] and p["kind"] for p in body["parents"])
    assert body["merge_recipes"][0]["method"] == "ties"
    assert any(c["kind"] == "quantized" for c in body["children"])
    document = body["documents"][0]
    assert document["url"] == f"/api/documents/{document['id']}/" and document["kind"] == "model_card"
    assert body["lineage_url"] == "/api/models/rombodawg/Open_Gpt4_8x7B_v0.2/lineage/"
    # Repo ids are case-insensitive, as on the Hub.
    assert APIClient().get("/api/models/ROMBODAWG/open_gpt4_8x7b_v0.2/").json()["id"] == body["id"]


def test_lineage_gives_parents_children_and_the_family_to_a_depth() -> None:
    base, tune, merge, quant = (LLMModelFactory(repo_id=f"acme/{n}") for n in ("base", "tune", "merge", "quant"))
    LineageEdgeFactory(child=tune, parent=base, kind=EdgeKind.FINETUNE, evidence="base_model")
    LineageEdgeFactory(child=merge, parent=tune, kind=EdgeKind.MERGE, params={"weight": 0.5, "density": 0.7})
    LineageEdgeFactory(child=quant, parent=merge, kind=EdgeKind.QUANTIZED, params={"format": "GGUF"})
    client = APIClient()
    one = client.get("/api/models/acme/tune/lineage/").json()
    assert [(e["parent"], e["kind"], e["evidence"]) for e in one["parents"]] == [("acme/base", "finetune", "base_model")]
    assert [(e["child"], e["kind"], e["params"]) for e in one["children"]] == [
        ("acme/merge", "merge", {"weight": 0.5, "density": 0.7})]
    assert [(n["repo_id"], n["depth"]) for n in one["nodes"]] == [("acme/base", -1), ("acme/tune", 0),
                                                                 ("acme/merge", 1)]
    two = client.get("/api/models/acme/tune/lineage/", {"depth": 2}).json()
    assert ("acme/quant", 2) in [(n["repo_id"], n["depth"]) for n in two["nodes"]] and len(two["edges"]) == 3
    bad = client.get("/api/models/acme/tune/lineage/", {"depth": 9})
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "depth"
    assert client.get("/api/models/acme/nothing/lineage/").status_code == 404


# ---------------------------------------------------------------------------
# Documents and organisations


def test_documents_list_is_a_summary_and_detail_has_text_warnings_and_facts() -> None:
    document = SourceDocumentFactory(raw_text="---\nlicense: mit\n---\n# Card", warnings=["odd table"],
                                     parsed_facts={"model": {"license": "mit"}})
    listed = APIClient().get("/api/documents/").json()["results"][0]
    assert listed["id"] == document.pk and listed["warning_count"] == 1 and "raw_text" not in listed
    detail = APIClient().get(listed["url"]).json()
    assert detail["raw_text"] == "---\nlicense: mit\n---\n# Card"
    assert detail["warnings"] == ["odd table"] and detail["parsed_facts"] == {"model": {"license": "mit"}}
    assert detail["model"] == document.model.repo_id
    filtered = APIClient().get("/api/documents/", {"model": document.model.repo_id, "kind": "model_card"})
    assert [d["id"] for d in filtered.json()["results"]] == [document.pk]
    for missing in ("/api/documents/999999/", "/api/documents/abc/"):
        assert APIClient().get(missing).status_code == 404


def test_organizations_by_slug() -> None:
    LLMModelFactory(repo_id="acme/one")
    body = APIClient().get("/api/organizations/acme/").json()
    assert body["slug"] == "acme" and body["models_url"] == "/api/models/?organization=acme"
    assert [o["slug"] for o in walk(APIClient(), "/api/organizations/")] == ["acme"]


# ---------------------------------------------------------------------------
# Writes: models and lineage edges


@pytest.fixture
def curator() -> APIClient:
    return token_client(make_user("curator", "catalog.change_llmmodel", "catalog.add_lineageedge",
                                  "catalog.delete_lineageedge"))


def test_model_patch_validates_and_names_the_field(curator) -> None:
    model = MoEModelFactory(repo_id="acme/Moe", total_params_b=46.7, active_params_b=12.9, num_experts=8,
                            experts_per_token=2)
    url = "/api/models/acme/Moe/"
    for body, field in [({"active_params_b": 50}, "active_params_b"), ({"total_params_b": 10}, "active_params_b"),
                        ({"experts_per_token": 9}, "experts_per_token"), ({"total_params_b": -1}, "total_params_b"),
                        ({"context_length": "long"}, "context_length"), ({"tags": "x"}, "tags"),
                        ({"release_date": "yesterday"}, "release_date")]:
        response = curator.patch(url, body, format="json")
        assert response.status_code == 400, body
        assert [f["field"] for f in response.json()["error"]["fields"]] == [field], body
    model.refresh_from_db()
    assert (model.total_params_b, model.active_params_b, model.experts_per_token) == (46.7, 12.9, 2)


def test_model_patch_updates_facts_and_refits_only_when_size_changes(curator,
                                                                    django_capture_on_commit_callbacks) -> None:
    LLMModelFactory(repo_id="acme/Dense", total_params_b=7.0, params_estimated=True)
    with django_capture_on_commit_callbacks(execute=False):
        response = curator.patch("/api/models/acme/Dense/", {"family": "llama", "repo_id": "evil/rename"},
                                 format="json")
    assert response.status_code == 200 and response.json()["family"] == "llama"
    assert response.json()["repo_id"] == "acme/Dense"  # read-only
    assert not FitJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=False):
        response = curator.patch("/api/models/acme/Dense/", {"total_params_b": 8.03}, format="json")
    body = response.json()
    assert body["total_params_b"] == 8.03 and body["params_estimated"] is False
    assert list(FitJob.objects.values_list("model_ids", flat=True)) == [[body["id"]]]


def test_edge_writes_validate_and_rescore_the_child(curator, django_capture_on_commit_callbacks) -> None:
    child, parent = LLMModelFactory(repo_id="acme/child"), LLMModelFactory(repo_id="acme/parent")
    good = {"child": "acme/child", "parent": "acme/parent", "kind": "merge", "params": {"weight": 0.5},
            "confidence": 0.8, "evidence": "mergekit config"}
    for body, field, code in [
        ({**good, "parent": "acme/child"}, "parent", "self_loop"),
        ({**good, "child": "acme/nobody"}, "child", "does_not_exist"),
        ({**good, "kind": "cousin"}, "kind", "invalid_choice"),
        ({**good, "confidence": 2}, "confidence", "max_value"),
        ({**good, "params": [1, 2]}, "params", "invalid"),
        ({key: v for key, v in good.items() if key != "kind"}, "kind", "required"),
    ]:
        response = curator.post("/api/lineage-edges/", body, format="json")
        assert response.status_code == 400, body
        assert [(f["field"], f["code"]) for f in response.json()["error"]["fields"]] == [(field, code)], body
    with django_capture_on_commit_callbacks(execute=False):
        created = curator.post("/api/lineage-edges/", good, format="json")
    assert created.status_code == 201 and created.json()["params"] == {"weight": 0.5}
    assert list(ScoringJob.objects.values_list("model_ids", flat=True)) == [[child.pk]]
    duplicate = curator.post("/api/lineage-edges/", good, format="json")
    assert duplicate.status_code == 400 and duplicate.json()["error"]["fields"][0]["code"] == "duplicate"
    listed = APIClient().get("/api/lineage-edges/", {"model": "acme/parent", "kind": "merge"}).json()["results"]
    assert [e["id"] for e in listed] == [created.json()["id"]]
    with django_capture_on_commit_callbacks(execute=False):
        assert curator.delete(f"/api/lineage-edges/{created.json()['id']}/").status_code == 204
    assert not parent.child_edges.exists() and ScoringJob.objects.count() == 2


# ---------------------------------------------------------------------------
# Imports


@pytest.fixture
def importer() -> APIClient:
    return token_client(make_user("importer", "catalog.add_sourcedocument"))


CARD = """---
license: apache-2.0
base_model: mistralai/Mistral-7B-v0.1
---
# Acme Tune 7B

A fine-tune of Mistral 7B.
"""


def test_import_json_is_202_then_the_job_completes_and_the_model_is_visible(
        importer, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = importer.post("/api/imports/", {"content": CARD, "repo_id": "acme/Tune-7B"}, format="json")
    assert response.status_code == 202
    location = response["Location"]
    assert location == f"/api/imports/{response.json()['id']}/"
    job = importer.get(location).json()
    assert job["status"] == "done" and (job["processed"], job["total"]) == (1, 1)
    assert job["progress_percent"] == 100 and job["via"] == "api" and job["created_by"] == "importer"
    assert [(i["status"], i["model"]) for i in job["items"]] == [("imported", "acme/Tune-7B")]
    model = APIClient().get("/api/models/acme/Tune-7B/").json()
    assert model["license"] == "apache-2.0"
    assert [p["parent"] for p in model["parents"]] == ["mistralai/Mistral-7B-v0.1"]


def test_import_batch_reports_each_document(importer, django_capture_on_commit_callbacks) -> None:
    documents = [{"name": "good.md", "content": CARD, "repo_id": "acme/Good-7B"},
                 {"name": "anonymous.md", "content": "# A card that never says which model it is\n"},
                 {"name": "again.md", "content": CARD, "repo_id": "acme/Good-7B"}]
    with django_capture_on_commit_callbacks(execute=True):
        response = importer.post("/api/imports/", {"documents": documents, "label": "batch"}, format="json")
    assert response.status_code == 202
    job = importer.get(response["Location"]).json()
    assert job["label"] == "batch" and job["total"] == 3 and job["processed"] == 3
    outcomes = [(i["name"], i["status"]) for i in job["items"]]
    assert outcomes == [("good.md", "imported"), ("anonymous.md", "failed"), ("again.md", "unchanged")]
    assert "repo id" in job["items"][1]["error"] and job["failed_count"] == 1 and job["items_truncated"] is False


def test_import_multipart_files(importer, django_capture_on_commit_callbacks) -> None:
    files = [SimpleUploadedFile("a.md", CARD.encode()), SimpleUploadedFile("b.md", CARD.replace("Acme", "Beta").encode())]
    with django_capture_on_commit_callbacks(execute=True):
        response = importer.post("/api/imports/", {"files": files, "repo_id": "acme/Multi-7B"}, format="multipart")
    assert response.status_code == 202, response.content
    job = importer.get(response["Location"]).json()
    assert [i["name"] for i in job["items"]] == ["a.md", "b.md"] and job["status"] == "done"
    assert job["items"][0]["status"] == "imported" and job["items"][1]["status"] == "updated"


def test_import_refuses_bad_payloads_naming_the_field(importer) -> None:
    for body, field in [
        ({}, "documents"),
        ({"documents": []}, "documents"),
        ({"documents": [{"name": "x"}]}, "documents[0].content"),
        ({"documents": [{"content": ""}]}, "documents[0].content"),
        ({"content": "x", "repo_id": "not a repo"}, "repo_id"),
        ({"documents": [{"content": "x", "repo_id": "a/b/c"}]}, "documents[0].repo_id"),
        ({"content": "x\x00y"}, "content"),
        ({"content": "x", "documents": [{"content": "y"}]}, "content"),
        ({"documents": "x"}, "documents"),
    ]:
        response = importer.post("/api/imports/", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["error"]["fields"][0]["field"] == field, (body, response.json())
    assert not ImportJob.objects.exists()


def test_import_size_and_count_caps(importer, settings) -> None:
    settings.MAX_DOCUMENT_BYTES = 100
    settings.MAX_BATCH_FILES = 2
    big = "é" * 60  # 60 characters, 120 bytes: the cap is on bytes
    cases: list[tuple[dict[str, Any], str, int, str]] = [
        ({"content": big}, "json", 400, "content"),
        ({"documents": [{"content": "x"}] * 3}, "json", 400, "documents"),
        ({"files": [SimpleUploadedFile("big.md", b"x" * 101)]}, "multipart", 413, "files[0]"),
        ({"files": [SimpleUploadedFile(f"{i}.md", b"x") for i in range(3)]}, "multipart", 413, "files"),
    ]
    for body, fmt, status_code, field in cases:
        response = importer.post("/api/imports/", body, format=fmt)
        assert response.status_code == status_code, (field, response.content)
        error = response.json()["error"]
        assert error["fields"][0]["field"] == field and error["fields"][0]["message"]
    settings.MAX_BATCH_FILES = 500
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3  # Django's own multipart cap is reported, not a 500
    many = importer.post("/api/imports/", {"files": [SimpleUploadedFile(f"{i}.md", b"x") for i in range(4)]},
                         format="multipart")
    assert many.status_code == 413 and many.json()["error"]["fields"][0]["field"] == "files"
    settings.MAX_BATCH_BYTES = 150  # each file within its own cap, the batch over the total
    heavy = importer.post("/api/imports/", {"files": [SimpleUploadedFile(f"{i}.md", b"x" * 80) for i in range(2)]},
                          format="multipart")
    assert heavy.status_code == 413
    assert heavy.json()["error"]["fields"][0]["message"] == ("The files add up to 160 bytes; one import takes at "
                                                             "most 150.")
    assert not ImportJob.objects.exists()


def test_oversized_bodies_are_refused_before_they_are_read(client, settings) -> None:
    settings.MAX_REQUEST_BYTES = 1000
    api = client.post("/api/imports/", data=b"x" * 1001, content_type="application/octet-stream")
    assert api.status_code == 413
    assert api.json()["error"]["fields"] == [{"field": "body", "code": "too_large",
                                               "message": "The request body is 1,001 bytes; the limit is 1,000."}]
    page = client.post("/imports/new/", data=b"x" * 1001, content_type="multipart/form-data; boundary=zz")
    assert page.status_code == 413 and "The request body is 1,001 bytes" in page.content.decode()
    assert client.post("/api/imports/", data=b"{}", content_type="application/json").status_code in {401, 403}


# ---------------------------------------------------------------------------
# Query counts stay constant as rows grow


def _family(n: int) -> LLMModel:
    model = LLMModelFactory(repo_id=f"fam{n}/root")
    for i in range(n):
        LineageEdgeFactory(child=model, parent=LLMModelFactory(), kind=EdgeKind.MERGE)
        LineageEdgeFactory(child=LLMModelFactory(), parent=model, kind=EdgeKind.FINETUNE)
        SourceDocumentFactory(model=model)
        QuantizedVariantFactory(model=model, level=f"Q{i}")
    MergeRecipeFactory(model=model)
    return model


def test_catalog_reads_take_a_constant_number_of_queries(django_assert_max_num_queries) -> None:
    client = APIClient()
    small, large = _family(1), _family(12)
    owner = make_user("owner")
    for size in (2, 25):
        job = ImportJobFactory(created_by=owner, total=size)
        for _ in range(size):
            ImportItemFactory(job=job)
    auth = token_client(owner)
    counts = {
        "detail": [queries(client, f"/api/models/{m.repo_id}/") for m in (small, large)],
        "lineage": [queries(client, f"/api/models/{m.repo_id}/lineage/") for m in (small, large)],
        "list": [queries(client, "/api/models/", {"page_size": n}) for n in (2, 40)],
        "edges": [queries(client, "/api/lineage-edges/", {"page_size": n}) for n in (2, 40)],
        "documents": [queries(client, "/api/documents/", {"page_size": n}) for n in (2, 40)],
        "imports": [queries(auth, f"/api/imports/{j.pk}/") for j in ImportJob.objects.order_by("total")],
        "import list": [queries(auth, "/api/imports/", {"page_size": n}) for n in (1, 2)],
    }
    for name, (few, many) in counts.items():
        assert few == many, (name, counts)
    assert counts["detail"][1] <= 7 and counts["list"][1] <= 2 and counts["edges"][1] <= 2
    assert counts["lineage"][1] <= 8 and counts["documents"][1] <= 2
    assert counts["imports"][1] <= 5 and counts["import list"][1] <= 4  # token check and its user included
    with django_assert_max_num_queries(2):
        client.get("/api/models/", {"q": "root", "sort": "-params", "has_evals": "false"})


def test_stubs_are_hidden_unless_asked_for() -> None:
    StubModelFactory(repo_id="acme/only-mentioned")
    assert APIClient().get("/api/models/").json()["results"] == []
    assert [m["repo_id"] for m in APIClient().get("/api/models/", {"include_stubs": "true"}).json()["results"]] == [
        "acme/only-mentioned"]
