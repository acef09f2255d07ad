"""Hardware API: GPUs (the GPU page's FilterSet) and their writes, quantization formats, the fit
estimate with every parameter validated, the "what can I run?" finder and fit jobs."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from catalog.tests.factories import LLMModelFactory, MoEModelFactory
from catalog.tests.test_api import queries, walk
from config.tests.api_factories import make_user, token_client
from hardware.filters import GPUFilter
from hardware.models import GPU, FitJob, QuantizationFormat
from hardware.services.fit import compute_requirements, estimate

pytestmark = pytest.mark.django_db

MIXTRAL = "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO"


def fields(response) -> list[str]:
    assert response.status_code == 400, response.content
    return [f["field"] for f in response.json()["error"]["fields"]]


# ---------------------------------------------------------------------------
# GPUs and formats


@pytest.mark.parametrize("query", [{}, {"vendor": "amd"}, {"memory_min": "40", "sort": "-bandwidth"},
                                   {"q": "rtx", "price_max": "1000"}, {"memory_kind": "unified"}])
def test_gpu_list_uses_the_gpu_pages_filterset(query: dict) -> None:
    expected = list(GPUFilter(query, queryset=GPU.objects.all()).qs.values_list("slug", flat=True))
    body = APIClient().get("/api/gpus/", query).json()
    assert [g["slug"] for g in body] == expected and expected


def test_gpu_detail_and_the_models_it_runs() -> None:
    small = LLMModelFactory(repo_id="acme/Small-7B", total_params_b=7.2, downloads=10)
    MoEModelFactory(repo_id="acme/Big-MoE", total_params_b=140.6, active_params_b=39.0, downloads=99)
    compute_requirements([small.pk, LLMModelFactory._meta.model.objects.get(repo_id="acme/Big-MoE").pk])
    gpu = APIClient().get("/api/gpus/nvidia-geforce-rtx-4090/").json()
    assert gpu["memory_gb"] == 24 and gpu["url"] == "/api/gpus/nvidia-geforce-rtx-4090/"
    runs = walk(APIClient(), "/api/gpus/nvidia-geforce-rtx-4090/models/", {"context": 4096})
    assert [(r["model"], r["context"]) for r in runs] == [("acme/Small-7B", 4096)]
    assert runs[0]["total_gb"] <= 24 and runs[0]["tokens_per_s"] > 0
    assert APIClient().get("/api/gpus/nvidia-h200-sxm/models/").json()["results"][0]["model"] == "acme/Big-MoE"
    bad = APIClient().get("/api/gpus/nvidia-geforce-rtx-4090/models/", {"context": 5000})
    assert fields(bad) == ["context"]
    assert APIClient().get("/api/gpus/no-such-gpu/").status_code == 404


def test_quantization_formats() -> None:
    formats = APIClient().get("/api/quantization-formats/").json()
    assert {"Q4_K_M", "AWQ-4bit", "EXL2-4.0", "FP16"} <= {f["name"] for f in formats}
    exl2 = APIClient().get("/api/quantization-formats/EXL2-4.0/").json()
    assert exl2["bits_per_weight"] == pytest.approx(4.0, abs=0.2)


@pytest.fixture
def curator() -> APIClient:
    return token_client(make_user("curator", "hardware.add_gpu", "hardware.change_gpu"))


def test_gpu_writes_validate_and_name_the_field(curator) -> None:
    good = {"slug": "acme-x1", "name": "Acme X1", "vendor": "nvidia", "memory_gb": 48, "bandwidth_gbs": 960}
    for body, field in [({**good, "memory_gb": -4}, "memory_gb"), ({**good, "memory_gb": 0}, "memory_gb"),
                        ({**good, "bandwidth_gbs": "fast"}, "bandwidth_gbs"), ({**good, "vendor": "acme"}, "vendor"),
                        ({**good, "slug": "nvidia-l4"}, "slug"), ({**good, "slug": "not a slug"}, "slug"),
                        ({**good, "memory_kind": "magic"}, "memory_kind"), ({**good, "release_year": 1800}, "release_year"),
                        ({k: v for k, v in good.items() if k != "name"}, "name")]:
        assert fields(curator.post("/api/gpus/", body, format="json")) == [field], body
    assert not GPU.objects.filter(slug="acme-x1").exists()
    created = curator.post("/api/gpus/", {**good, "memory_kind": "unified"}, format="json")
    assert created.status_code == 201
    assert created.json()["usable_memory_gb"] < 48  # a unified-memory device shares its memory
    assert fields(curator.patch("/api/gpus/acme-x1/", {"slug": "acme-x2"}, format="json")) == ["slug"]
    assert fields(curator.patch("/api/gpus/acme-x1/", {"memory_gb": -1}, format="json")) == ["memory_gb"]
    assert curator.patch("/api/gpus/acme-x1/", {"launch_price_usd": 4999}, format="json").json()[
        "launch_price_usd"] == 4999


# ---------------------------------------------------------------------------
# Fit


def test_fit_estimate_is_the_services_answer(seeded) -> None:
    params = {"model": MIXTRAL, "gpu": "amd-radeon-pro-v710", "quant": "Q4_K_M", "context": 32768}
    body = APIClient().get("/api/fit/", params).json()
    model = LLMModelFactory._meta.model.objects.get(repo_id=MIXTRAL)
    expected = estimate(model, quant=QuantizationFormat.objects.get(name="Q4_K_M"),
                        gpu=GPU.objects.get(slug="amd-radeon-pro-v710"), context=32768)
    assert body == json.loads(json.dumps(expected))  # the view adds nothing and drops nothing
    assert body["verdict"] in ("fits", "fits_reduced_context", "needs_more_gpus", "does_not_fit")
    assert body["assumptions"] and body["model"] == MIXTRAL
    two = APIClient().get("/api/fit/", {**params, "n_gpus": 2}).json()
    assert two["available_gb"] == pytest.approx(2 * body["available_gb"])
    custom = APIClient().get("/api/fit/", {"model": MIXTRAL, "memory_gb": 192, "bandwidth_gbs": 800,
                                           "quant": "q8_0"}).json()
    assert custom["verdict"] == "fits" and custom["quant"] == "Q8_0"


def test_fit_validates_every_parameter(seeded) -> None:
    client = APIClient()
    ok = {"model": MIXTRAL, "gpu": "nvidia-l4"}
    for change, field in [
        ({"model": None}, "model"),
        ({"gpu": None}, "gpu"),
        ({"gpu": "nope"}, "gpu"),
        ({"gpu": None, "memory_gb": 24}, "gpu"),
        ({"gpu": None, "memory_gb": -1, "bandwidth_gbs": 500}, "memory_gb"),
        ({"gpu": None, "memory_gb": 24, "bandwidth_gbs": "lots"}, "bandwidth_gbs"),
        ({"quant": "Q99"}, "quant"),
        ({"context": 0}, "context"),
        ({"context": "long"}, "context"),
        ({"context": 10 ** 9}, "context"),
        ({"n_gpus": 0}, "n_gpus"),
        ({"n_gpus": 9}, "n_gpus"),
        ({"n_gpus": "two"}, "n_gpus"),
        ({"kv_dtype": "int1"}, "kv_dtype"),
    ]:
        params = {k: v for k, v in {**ok, **change}.items() if v is not None}
        assert fields(client.get("/api/fit/", params)) == [field], change
    unknown = client.get("/api/fit/", {**ok, "model": "acme/nothing"})
    assert unknown.status_code == 404 and "acme/nothing" in unknown.json()["error"]["message"]
    LLMModelFactory(repo_id="acme/Sizeless", total_params_b=None)
    sizeless = client.get("/api/fit/", {**ok, "model": "acme/Sizeless"})
    assert fields(sizeless) == ["model"] and "parameter count" in sizeless.json()["error"]["message"]


# ---------------------------------------------------------------------------
# Recommend


def test_recommend_ranks_by_score_and_respects_the_budget(seeded) -> None:
    client = APIClient()
    h100 = client.get("/api/recommend/", {"gpu": "nvidia-h100-sxm", "context": 8192}).json()
    scores = [r["score"] for r in h100["results"]]
    assert h100["results"] and scores == sorted(scores, reverse=True)
    assert all(r["memory_needed_gb"] <= h100["memory_gb"] for r in h100["results"])
    assert h100["results"][0]["model_url"].startswith("/api/models/")
    two = client.get("/api/recommend/", [("gpu", "nvidia-l4"), ("gpu", "nvidia-l4")]).json()
    one = client.get("/api/recommend/", {"gpu": "nvidia-l4"}).json()
    assert two["memory_gb"] == pytest.approx(2 * one["memory_gb"])
    assert len(two["results"]) >= len(one["results"])
    assert client.get("/api/recommend/", {"memory_gb": 4, "bandwidth_gbs": 100}).json()["results"] == []
    fast = client.get("/api/recommend/", {"memory_gb": 400, "bandwidth_gbs": 800, "min_tokens_per_s": 1000}).json()
    assert fast["results"] == []
    licensed = client.get("/api/recommend/", {"memory_gb": 400, "bandwidth_gbs": 3000, "license": "apache-2.0"}).json()
    assert licensed["results"] and {r["license"] for r in licensed["results"]} == {"apache-2.0"}


def test_recommend_validates_every_parameter(seeded) -> None:
    client = APIClient()
    for params, field in [({}, "gpu"), ({"gpu": "nope"}, "gpu"), ({"memory_gb": 24}, "gpu"),
                          ({"memory_gb": "x", "bandwidth_gbs": 100}, "memory_gb"),
                          ({"gpu": "nvidia-l4", "context": 65536}, "context"),
                          ({"gpu": "nvidia-l4", "leaderboard": "vibes"}, "leaderboard"),
                          ({"gpu": "nvidia-l4", "limit": 0}, "limit"),
                          ({"gpu": "nvidia-l4", "min_tokens_per_s": -1}, "min_tokens_per_s"),
                          ([("gpu", "nvidia-l4")] * 9, "gpu")]:
        assert fields(client.get("/api/recommend/", params)) == [field], params


# ---------------------------------------------------------------------------
# Fit jobs


def test_fit_job_request_recomputes_the_matrix(django_capture_on_commit_callbacks) -> None:
    model = LLMModelFactory(total_params_b=7.2)
    staff = token_client(make_user("boss", superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post("/api/fit-jobs/", {"model_ids": [model.pk]}, format="json")
    assert response.status_code == 202 and response["Location"] == f"/api/fit-jobs/{response.json()['id']}/"
    job = APIClient().get(response["Location"]).json()
    assert job["status"] == "done" and job["rows_written"] > 0 and job["model_ids"] == [model.pk]
    assert fields(staff.post("/api/fit-jobs/", {"model_ids": "all"}, format="json")) == ["model_ids"]
    assert FitJob.objects.count() == 1


def test_hardware_reads_take_a_constant_number_of_queries() -> None:
    client = APIClient()
    counts = []
    for n in (2, 15):
        compute_requirements([LLMModelFactory(total_params_b=7.0 + i).pk for i in range(n)])
        counts.append([queries(client, "/api/gpus/"), queries(client, "/api/quantization-formats/"),
                       queries(client, "/api/gpus/nvidia-h100-sxm/models/", {"page_size": 100}),
                       queries(client, "/api/recommend/", {"memory_gb": 80, "bandwidth_gbs": 2000})])
    assert counts[0] == counts[1] and max(counts[1]) <= 4, counts
