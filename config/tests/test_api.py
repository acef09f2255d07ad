"""The REST API contract: reads, writes with permissions, validation, errors, caching, exports."""

from __future__ import annotations

import base64

import pytest
from rest_framework.test import APIClient

from catalog.models import ImportJob, LineageEdge, LLMModel
from conftest import token_for
from evals.models import Result, Score
from hardware.models import GPU

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


def test_models_list_filters_like_the_html_list(api, seeded) -> None:
    body = api.get("/api/models/", {"is_moe": "true", "family": "mistral"}).json()
    repos = {m["repo_id"] for m in body["results"]}
    assert "mlabonne/Beyonder-4x7B-v2" in repos and "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO" in repos
    assert all(m["is_moe"] for m in body["results"])
    assert "next" in body and "previous" in body  # cursor pagination


def test_model_detail_by_repo_id_with_lineage(api, seeded) -> None:
    body = api.get("/api/models/rombodawg/Open_Gpt4_8x7B_v0.2/").json()
    assert body["license"] == "cc-by-4.0" and body["organization"] == "rombodawg"
    assert {p["parent"] for p in body["parents"]} == {"mistralai/Mixtral-8x7B-Instruct-v0.1",
                                                      "jondurbin/bagel-dpo-8x7b-v0.2", "smelborp/MixtralOrochi8x7B"}
    assert body["merge_recipes"][0]["method"] == "ties"
    lineage = api.get("/api/models/rombodawg/Open_Gpt4_8x7B_v0.2/lineage/").json()
    assert lineage["children"][0]["kind"] == "quantized"


def test_404_uses_the_error_body(api, db) -> None:
    response = api.get("/api/models/nobody/nothing/")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404 and response.json()["error"]["code"] == "not_found"


def test_leaderboard_rows_filters_and_verification(api, seeded) -> None:
    rows = api.get("/api/leaderboards/open-llm-v1/").json()["results"]
    assert [r["model"] for r in rows] == ["abacusai/Smaug-Mixtral-v0.1", "rombodawg/Open_Gpt4_8x7B_v0.2",
                                          "mlabonne/Beyonder-4x7B-v2", "orangetin/OpenHermes-Mixtral-8x7B"]
    assert rows[1]["verification"] == "verified" and rows[1]["reported_average"] == 73.59
    assert rows[2]["flag_count"] == 1  # TruthfulQA 60.68 vs 60.86
    verified = api.get("/api/leaderboards/open-llm-v1/", {"verified_only": "true", "hide_flagged": "true"}).json()
    assert "mlabonne/Beyonder-4x7B-v2" not in {r["model"] for r in verified["results"]}
    bad = api.get("/api/leaderboards/open-llm-v1/", {"params_min": "lots"})
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "params_min"


def test_leaderboard_csv_export(api, seeded) -> None:
    for response in (api.get("/api/leaderboards/open-llm-v1/export.csv"),
                     api.get("/api/leaderboards/open-llm-v1/", {"format": "csv"})):
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        lines = response.content.decode().splitlines()
        assert lines[0].startswith("rank,model,average,arc,hellaswag")
        assert lines[2].startswith("2,rombodawg/Open_Gpt4_8x7B_v0.2,73.5933")


def test_leaderboard_queries_constant(api, seeded, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(4):
        api.get("/api/leaderboards/open-llm-v1/")
    with django_assert_max_num_queries(4):
        api.get("/api/leaderboards/nous/", {"include_incomplete": "true", "page_size": "100"})


def test_etag_gives_304(api, seeded) -> None:
    first = api.get("/api/gpus/")
    etag = first["ETag"]
    assert etag.startswith('W/"')
    second = api.get("/api/gpus/", HTTP_IF_NONE_MATCH=etag)
    assert second.status_code == 304 and second.content == b""


def test_fit_endpoint_and_validation(api, seeded) -> None:
    ok = api.get("/api/fit/", {"model": "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO",
                               "gpu": "amd-radeon-pro-v710", "quant": "Q4_K_M", "context": 32768}).json()
    # llama.cpp's Q4_K_M is 4.85 bpw: 28.3 GB of weights alone exceed the 28 GB card.
    assert ok["verdict"] == "needs_more_gpus" and ok["gpus_needed"] == 2
    assert ok["kv_gb"] == pytest.approx(4.295, abs=0.001) and ok["weights_gb"] == pytest.approx(28.31, abs=0.01)
    assert ok["assumptions"]
    two = api.get("/api/fit/", {"model": "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO", "gpu": "amd-radeon-pro-v710",
                                "quant": "Q4_K_M", "context": 32768, "n_gpus": 2}).json()
    assert two["verdict"] == "fits"
    for params, field in [({"model": "a/b", "gpu": "x"}, None), ({"gpu": "x"}, "model"),
                          ({"model": "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO", "gpu": "nope"}, "gpu"),
                          ({"model": "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO", "gpu": "nvidia-l4",
                            "quant": "Q99"}, "quant"),
                          ({"model": "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO", "gpu": "nvidia-l4",
                            "n_gpus": 20}, "n_gpus")]:
        response = api.get("/api/fit/", params)
        assert response.status_code in (400, 404), params
        if field:
            assert response.json()["error"]["fields"][0]["field"] == field


def test_recommend_ranks_by_score(api, seeded) -> None:
    body = api.get("/api/recommend/", {"gpu": ["nvidia-h100-sxm"], "context": 8192}).json()
    models = [r["model"] for r in body["results"]]
    assert models[0] == "abacusai/Smaug-Mixtral-v0.1"  # best v1 score among models that fit 80 GB
    assert all(r["memory_needed_gb"] <= 80 for r in body["results"])
    small = api.get("/api/recommend/", {"memory_gb": 16, "bandwidth_gbs": 500}).json()
    # Only the 24.2B Beyonder fits 16 GB: AWQ-4bit (12.6 GB weights + 1.1 GB KV at 8K + 0.5 GB) is the best
    # quantization that does; Q4_K_M would need 16.2 GB.
    assert [(r["model"], r["quant"]) for r in small["results"]] == [("mlabonne/Beyonder-4x7B-v2", "AWQ-4bit")]
    tiny = api.get("/api/recommend/", {"memory_gb": 8, "bandwidth_gbs": 500}).json()
    assert tiny["results"] == []
    assert api.get("/api/recommend/", {"gpu": ["nope"]}).status_code == 400


def test_import_post_returns_202_and_completes(seeded, curator, django_capture_on_commit_callbacks) -> None:
    api = client_for(curator)
    card = (next(__import__("conftest").SEEDS.glob("003_*.txt"))).read_text().replace("65.27", "65.28")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/imports/", {"documents": [{"name": "003-v2.md", "content": card}]},
                            format="json")
    assert response.status_code == 202
    assert response["Location"] == f"/api/imports/{response.json()['id']}/"
    job = api.get(response["Location"]).json()
    assert job["status"] == "done" and job["items"][0]["status"] == "updated"
    assert job["items"][0]["model"] == "orangetin/OpenHermes-Mixtral-8x7B"


def test_import_rejects_bad_payloads_with_field_errors(curator, db) -> None:
    api = client_for(curator)
    for payload, field in [({}, "documents"), ({"documents": [{"name": "x"}]}, "documents[0].content"),
                           ({"content": "x", "repo_id": "not a repo"}, "repo_id")]:
        response = api.post("/api/imports/", payload, format="json")
        assert response.status_code == 400, payload
        assert response.json()["error"]["fields"][0]["field"] == field
    hostile = api.post("/api/imports/", {"content": "\x00\x01garbage"}, format="json")
    assert hostile.status_code in (202, 400)


WRITES = [
    ("post", "/api/imports/", {"content": "---\nlicense: mit\n---\n# x", "repo_id": "a/b"}, "catalog.add_sourcedocument"),
    ("patch", "/api/models/mlabonne/Beyonder-4x7B-v2/", {"family": "mixtral"}, "catalog.change_llmmodel"),
    ("post", "/api/lineage-edges/", {"child": "mlabonne/Beyonder-4x7B-v2", "parent": "orangetin/OpenHermes-Mixtral-8x7B",
                                     "kind": "merge"}, "catalog.add_lineageedge"),
    ("post", "/api/gpus/", {"slug": "test-gpu", "name": "Test GPU", "vendor": "nvidia", "memory_gb": 24,
                            "bandwidth_gbs": 900}, "hardware.add_gpu"),
    ("post", "/api/scoring-jobs/", {"model_ids": []}, "staff"),
    ("post", "/api/fit-jobs/", {"model_ids": []}, "staff"),
]


@pytest.mark.parametrize("method, url, payload, needs", WRITES, ids=[w[1] + w[0] for w in WRITES])
def test_permission_matrix(seeded, reader_user, curator, staff_user, method, url, payload, needs) -> None:
    anonymous = getattr(APIClient(), method)(url, payload, format="json")
    assert anonymous.status_code in (401, 403)
    reader = getattr(client_for(reader_user), method)(url, payload, format="json")
    assert reader.status_code == 403
    assert reader.json()["error"]["status"] == 403
    expected_ok = {"post": (201, 202), "patch": (200,)}[method]
    curator_response = getattr(client_for(curator), method)(url, payload, format="json")
    if needs == "staff":
        assert curator_response.status_code == 403
    else:
        assert curator_response.status_code in expected_ok, curator_response.content
    session = APIClient()
    session.force_login(staff_user)
    staff_response = getattr(session, method)(url, {**payload, "slug": "test-gpu-2"} if "gpus" in url else payload,
                                              format="json")
    assert staff_response.status_code in (*expected_ok, 400), staff_response.content  # 400: duplicate edge


def test_write_validation_names_the_field(seeded, curator) -> None:
    api = client_for(curator)
    edge = api.post("/api/lineage-edges/", {"child": "mlabonne/Beyonder-4x7B-v2", "parent": "mlabonne/Beyonder-4x7B-v2",
                                            "kind": "merge"}, format="json")
    assert edge.status_code == 400 and edge.json()["error"]["fields"][0]["field"] == "parent"
    model = api.patch("/api/models/mlabonne/Beyonder-4x7B-v2/", {"active_params_b": 99}, format="json")
    assert model.status_code == 400 and model.json()["error"]["fields"][0]["field"] == "active_params_b"
    gpu = api.post("/api/gpus/", {"slug": "neg", "name": "Neg", "vendor": "nvidia", "memory_gb": -4,
                                  "bandwidth_gbs": 100}, format="json")
    assert gpu.status_code == 400 and gpu.json()["error"]["fields"][0]["field"] == "memory_gb"
    assert not GPU.objects.filter(slug="neg").exists()
    assert LLMModel.objects.get(repo_id="mlabonne/Beyonder-4x7B-v2").active_params_b == pytest.approx(12.9)


def test_token_login_and_logout(db, reader_user) -> None:
    api = APIClient()
    basic = base64.b64encode(b"reader:reader-pass-123").decode()
    response = api.post("/api/auth/login/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200
    token = response.json()["token"]
    from knox.models import AuthToken

    stored = AuthToken.objects.get(user=reader_user)
    assert token not in stored.digest and stored.expiry is not None  # stored hashed, expires
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.post("/api/auth/logout/").status_code == 204
    assert api.get("/api/imports/").status_code == 401
    wrong = APIClient().post("/api/auth/login/", HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"reader:x").decode())
    assert wrong.status_code == 401


def test_schema_and_docs_served_locally(api, db) -> None:
    schema = api.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/leaderboards/{slug}/" in schema.content
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower() and b"/static/" in docs.content
