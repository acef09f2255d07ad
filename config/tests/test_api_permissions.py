"""The permission matrix: every write endpoint against every kind of caller.

Writes need a token or a staff session (with its CSRF token) AND the Django model permission of
what is written. Each case also checks that a refused write changed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest
from rest_framework.test import APIClient

from catalog.models import ImportJob, LineageEdge, LLMModel
from catalog.tests.factories import LineageEdgeFactory, LLMModelFactory
from config.tests.api_factories import EvalRunFactory, ResultFactory, make_user, session_client, token_client
from evals.models import Benchmark, EvalRun, Result, ScoringJob
from hardware.models import GPU, FitJob

pytestmark = pytest.mark.django_db


@dataclass
class Write:
    """One write endpoint: how to set it up, call it, and tell whether it took effect."""

    name: str
    perm: str
    method: str
    setup: Callable[[], dict[str, Any]]  # -> {"url", "body", plus anything effect() needs}
    effect: Callable[[dict[str, Any]], bool]
    ok: int


def _model() -> dict:
    model = LLMModelFactory(family="mistral")
    return {"url": f"/api/models/{model.repo_id}/", "body": {"family": "curated"}, "pk": model.pk}


def _edge_create() -> dict:
    child, parent = LLMModelFactory(), LLMModelFactory()
    return {"url": "/api/lineage-edges/", "body": {"child": child.repo_id, "parent": parent.repo_id,
                                                   "kind": "finetune"}}


def _edge_delete() -> dict:
    edge = LineageEdgeFactory()
    return {"url": f"/api/lineage-edges/{edge.pk}/", "body": None, "pk": edge.pk}


def _benchmark_create() -> dict:
    return {"url": "/api/benchmarks/", "body": {"key": "new-bench", "name": "New", "metric": "acc"}}


def _benchmark_update() -> dict:
    return {"url": "/api/benchmarks/arc/", "body": {"description": "curated"}}


def _run_create() -> dict:
    model = LLMModelFactory()
    return {"url": "/api/runs/", "body": {"model": model.repo_id, "label": "paper table"}, "pk": model.pk}


def _run_delete() -> dict:
    run = EvalRunFactory()
    return {"url": f"/api/runs/{run.pk}/", "body": None, "pk": run.pk}


def _result_create() -> dict:
    run = EvalRunFactory()
    return {"url": "/api/results/", "body": {"run": run.pk, "benchmark": "hellaswag", "value": 80.5}, "pk": run.pk}


def _result_update() -> dict:
    result = ResultFactory(value=50.0)
    return {"url": f"/api/results/{result.pk}/", "body": {"value": 51.25}, "pk": result.pk}


def _result_delete() -> dict:
    result = ResultFactory()
    return {"url": f"/api/results/{result.pk}/", "body": None, "pk": result.pk}


def _gpu_create() -> dict:
    return {"url": "/api/gpus/", "body": {"slug": "test-gpu", "name": "Test GPU", "vendor": "nvidia",
                                          "memory_gb": 24, "bandwidth_gbs": 900}}


def _gpu_update() -> dict:
    gpu = GPU.objects.order_by("slug").first()
    return {"url": f"/api/gpus/{gpu.slug}/", "body": {"launch_price_usd": 1234}, "pk": gpu.pk}


def _import() -> dict:
    return {"url": "/api/imports/", "body": {"content": "---\nlicense: mit\n---\n# Card", "repo_id": "acme/new-model"}}


def _scoring_job() -> dict:
    return {"url": "/api/scoring-jobs/", "body": {"model_ids": []}}


def _fit_job() -> dict:
    return {"url": "/api/fit-jobs/", "body": {"model_ids": []}}


WRITES = [
    Write("model PATCH", "catalog.change_llmmodel", "patch", _model,
          lambda c: LLMModel.objects.get(pk=c["pk"]).family == "curated", 200),
    Write("edge POST", "catalog.add_lineageedge", "post", _edge_create, lambda c: LineageEdge.objects.exists(), 201),
    Write("edge DELETE", "catalog.delete_lineageedge", "delete", _edge_delete,
          lambda c: not LineageEdge.objects.filter(pk=c["pk"]).exists(), 204),
    Write("benchmark POST", "evals.add_benchmark", "post", _benchmark_create,
          lambda c: Benchmark.objects.filter(key="new-bench").exists(), 201),
    Write("benchmark PATCH", "evals.change_benchmark", "patch", _benchmark_update,
          lambda c: Benchmark.objects.get(key="arc").description == "curated", 200),
    Write("run POST", "evals.add_evalrun", "post", _run_create,
          lambda c: EvalRun.objects.filter(model_id=c["pk"]).exists(), 201),
    Write("run DELETE", "evals.delete_evalrun", "delete", _run_delete,
          lambda c: not EvalRun.objects.filter(pk=c["pk"]).exists(), 204),
    Write("result POST", "evals.add_result", "post", _result_create,
          lambda c: Result.objects.filter(run_id=c["pk"], benchmark__key="hellaswag").exists(), 201),
    Write("result PATCH", "evals.change_result", "patch", _result_update,
          lambda c: Result.objects.get(pk=c["pk"]).value == 51.25, 200),
    Write("result DELETE", "evals.delete_result", "delete", _result_delete,
          lambda c: not Result.objects.filter(pk=c["pk"]).exists(), 204),
    Write("GPU POST", "hardware.add_gpu", "post", _gpu_create, lambda c: GPU.objects.filter(slug="test-gpu").exists(),
          201),
    Write("GPU PATCH", "hardware.change_gpu", "patch", _gpu_update,
          lambda c: GPU.objects.get(pk=c["pk"]).launch_price_usd == 1234, 200),
    Write("import POST", "catalog.add_sourcedocument", "post", _import, lambda c: ImportJob.objects.exists(), 202),
    Write("scoring job POST", "evals.add_scoringjob", "post", _scoring_job, lambda c: ScoringJob.objects.exists(),
          202),
    Write("fit job POST", "hardware.add_fitjob", "post", _fit_job, lambda c: FitJob.objects.exists(), 202),
]

# Caller -> the status every write must get from it (None: the endpoint's success status).
CALLERS = {
    "anonymous": 401,
    "reader token": 403,  # signed in, no permissions
    "wrong-permission token": 403,  # a curator, but of something else
    "curator token": None,  # exactly the needed permission
    "curator session": 403,  # the same curator through a browser session: not staff, so no writes
    "staff session": None,  # a superuser's session with the CSRF token
    "staff session without CSRF": 403,
}


def _client(caller: str, perm: str) -> APIClient:
    other = "hardware.add_gpu" if perm != "hardware.add_gpu" else "catalog.add_lineageedge"
    return {
        "anonymous": lambda: APIClient(),
        "reader token": lambda: token_client(make_user("reader")),
        "wrong-permission token": lambda: token_client(make_user("other", other)),
        "curator token": lambda: token_client(make_user("curator", perm)),
        "curator session": lambda: session_client(make_user("curator", perm)),
        "staff session": lambda: session_client(make_user("boss", superuser=True)),
        "staff session without CSRF": lambda: session_client(make_user("boss", superuser=True), csrf=False),
    }[caller]()


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("write", WRITES, ids=[w.name for w in WRITES])
def test_permission_matrix(write: Write, caller: str, django_capture_on_commit_callbacks) -> None:
    case = write.setup()
    client = _client(caller, write.perm)
    with django_capture_on_commit_callbacks(execute=False):  # queued jobs are not the point here
        response = getattr(client, write.method)(case["url"], case["body"], format="json")
    expected = CALLERS[caller] or write.ok
    assert response.status_code == expected, (caller, write.name, response.content[:300])
    if expected >= 400:
        body = response.json()["error"]
        assert body["status"] == expected and body["message"]
        assert not write.effect(case), f"{caller} could {write.name}"
    else:
        assert write.effect(case)


def test_reads_need_no_account() -> None:
    client = APIClient()
    for url in ("/api/models/", "/api/lineage-edges/", "/api/benchmarks/", "/api/results/", "/api/gpus/",
                "/api/scoring-jobs/", "/api/fit-jobs/", "/api/leaderboards/"):
        assert client.get(url).status_code == 200, url


def test_import_jobs_are_visible_to_their_owner_and_staff_only() -> None:
    owner, stranger = make_user("owner"), make_user("stranger")
    mine = ImportJob.objects.create(via=ImportJob.Via.API, created_by=owner, total=0)
    ImportJob.objects.create(via=ImportJob.Via.API, created_by=stranger, total=0)
    assert [j["id"] for j in token_client(owner).get("/api/imports/").json()["results"]] == [mine.pk]
    assert token_client(owner).get(f"/api/imports/{mine.pk}/").status_code == 200
    assert token_client(stranger).get(f"/api/imports/{mine.pk}/").status_code == 404
    assert len(session_client(make_user("boss", superuser=True)).get("/api/imports/").json()["results"]) == 2
    assert APIClient().get("/api/imports/").status_code == 401
    assert APIClient().get(f"/api/imports/{mine.pk}/").status_code == 401
