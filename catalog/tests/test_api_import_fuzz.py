"""Fuzzing POST /api/imports/: any bytes as a document are either refused with a 400 naming the
field, or accepted (202) and then imported or failed/quarantined with a reason -- never a 500,
never an exception escaping the worker."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings, strategies as st
from rest_framework.test import APIClient

from catalog.models import ImportItem, ItemStatus
from config.tests.api_factories import make_user, token_client

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FINISHED = {ItemStatus.IMPORTED, ItemStatus.UPDATED, ItemStatus.UNCHANGED, ItemStatus.FAILED, ItemStatus.QUARANTINED}

# Bytes that look enough like documents to reach deep into the parser, mixed with pure noise.
fragments = st.sampled_from([
    b"---\n", b"license: mit\n", b"base_model: a/b\n", b"model-index:\n- name: x\n  results:\n",
    b"| Task | Value |\n|---|---|\n| ARC | 71.2 |\n", b"```yaml\nmerge_method: ties\n```\n", b"\xef\xbb\xbf",
    b"\x00", b"\xff\xfe", b"{\"results\": {\"arc\": {\"acc\": 0.5}}}", b"# Title\n", b"  - ", b"\t", b"\r\n",
])
documents = st.one_of(st.binary(max_size=2000), st.lists(st.one_of(fragments, st.binary(max_size=40)),
                                                         max_size=30).map(b"".join))


@pytest.fixture
def importer() -> APIClient:
    return token_client(make_user("importer", "catalog.add_sourcedocument"))


def _check_job(client: APIClient, response) -> None:
    assert response.status_code in (202, 400), response.content[:500]
    if response.status_code == 400:
        error = response.json()["error"]
        assert error["fields"] and all(f["field"] and f["message"] for f in error["fields"])
        return
    job = client.get(response["Location"]).json()
    assert job["status"] in ("done", "failed") and job["processed"] == job["total"]
    for item in job["items"]:
        assert item["status"] in FINISHED
        if item["status"] in (ItemStatus.FAILED, ItemStatus.QUARANTINED):
            assert item["error"].strip(), item  # every failure says why
        else:
            assert item["model"]


@FUZZ
@given(content=documents, repo_id=st.sampled_from(["", "fuzz/model", "not a repo"]))
def test_any_uploaded_bytes_are_imported_or_failed_with_a_reason(importer, content: bytes, repo_id: str,
                                                                django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = importer.post("/api/imports/", {"files": [SimpleUploadedFile("fuzz.md", content)],
                                                   "repo_id": repo_id}, format="multipart")
    if repo_id == "not a repo":
        assert response.status_code == 400
        assert "repo_id" in {f["field"] for f in response.json()["error"]["fields"]}
    if not content:
        assert response.status_code == 400  # an empty file is refused by the upload form
    _check_job(importer, response)


@FUZZ
@given(text=st.text(st.characters(codec=None), max_size=1500))
def test_any_json_text_is_imported_refused_or_failed_with_a_reason(importer, text: str,
                                                                  django_capture_on_commit_callbacks) -> None:
    # Any code points, lone surrogates and NULs included (JSON can carry "\ud800" and "\u0000").
    with django_capture_on_commit_callbacks(execute=True):
        response = importer.post("/api/imports/", {"documents": [{"name": text[:50] or "x", "content": text,
                                                                  "repo_id": "fuzz/json"}]}, format="json")
    _check_job(importer, response)


def test_the_fuzz_reaches_the_parser(importer, django_capture_on_commit_callbacks) -> None:
    """Guards the fuzz tests against passing vacuously: both outcomes occur for generated input."""
    with django_capture_on_commit_callbacks(execute=True):
        importer.post("/api/imports/", {"files": [SimpleUploadedFile("a.md", b"---\nlicense: mit\n---\n# A\n"),
                                                  SimpleUploadedFile("b.md", b"\xff\xfe\x00garbage")],
                                        "repo_id": "fuzz/model"}, format="multipart")
    statuses = set(ImportItem.objects.values_list("status", flat=True))
    assert ItemStatus.IMPORTED in statuses and ItemStatus.FAILED in statuses
