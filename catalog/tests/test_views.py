"""Every page type renders real data; filters, facets, permissions and query counts hold."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import ImportJob

pytestmark = pytest.mark.django_db

PAGES = [
    "/", "/models/", "/models/?q=hermes", "/models/mlabonne/Beyonder-4x7B-v2/",
    "/models/mlabonne/Beyonder-4x7B-v2/lineage/", "/models/NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO/",
    "/leaderboards/", "/leaderboards/open-llm-v1/", "/leaderboards/nous/?include_incomplete=true",
    "/compare/?models=mlabonne/Beyonder-4x7B-v2&models=rombodawg/Open_Gpt4_8x7B_v0.2", "/merges/", "/hardware/",
    "/hardware/gpus/nvidia-h100-sxm/", "/hardware/what-can-i-run/?gpus=nvidia-h100-sxm&context=8192", "/imports/",
]


@pytest.mark.parametrize("url", PAGES)
def test_page_renders(client, seeded, url) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    assert b"<script>" not in response.content  # CSP: no inline script anywhere
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_model_page_shows_facts_scores_and_sources(client, seeded) -> None:
    html = client.get("/models/rombodawg/Open_Gpt4_8x7B_v0.2/").content.decode()
    assert "cc-by-4.0" in html and "ties" in html and "smelborp/MixtralOrochi8x7B" in html
    assert "73.59" in html and "verified" in html
    assert "rombodawg/Open_Gpt4_8x7B_v0.2_q8_0_gguf" in html
    assert "Hardware fit" in html and "Q4_K_M" in html
    assert 'class="plotly-chart"' in html


def test_search_and_filters(client, seeded) -> None:
    html = client.get("/models/", {"q": "beyonder"}).content.decode()
    assert "mlabonne/Beyonder-4x7B-v2" in html and "abacusai/Smaug-Mixtral-v0.1" not in html
    merged = client.get("/models/", {"merged": "true"}).content.decode()
    assert "rombodawg/Open_Gpt4_8x7B_v0.2" in merged and "orangetin/OpenHermes-Mixtral-8x7B" not in merged
    big = client.get("/models/", {"params_min": "40"}).content.decode()
    assert "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO" in big and "mlabonne/Beyonder-4x7B-v2" not in big
    bad = client.get("/models/", {"params_min": "lots", "sort": "nonsense"})
    assert bad.status_code == 200 and b"Enter a number" in bad.content


def test_facet_counts(client, seeded) -> None:
    facets = client.get("/models/").context["facets"]
    assert dict(facets["is_moe"]) == {"true": 5, "false": 0}
    assert dict(facets["merge_method"]) == {"ties": 1, "moe": 1}
    assert dict(facets["quant_format"])["GGUF"] == 3


def test_unknown_model_is_404_in_site_style(client, db) -> None:
    response = client.get("/models/nobody/nothing/")
    assert response.status_code == 404
    assert b"Open LLM Catalog" in response.content


def test_query_counts_do_not_grow_with_rows(client, seeded, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(12):
        client.get("/models/")
    with django_assert_max_num_queries(12):
        client.get("/leaderboards/open-llm-v1/")
    with django_assert_max_num_queries(30):
        client.get("/models/mlabonne/Beyonder-4x7B-v2/")


def test_import_page_requires_permission(client, reader_user, staff_user) -> None:
    response = client.get(reverse("catalog:import-create"))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(reader_user)
    assert client.get(reverse("catalog:import-create")).status_code == 403


def test_paste_import_runs_and_shows_progress(client, staff_user, db, django_capture_on_commit_callbacks) -> None:
    client.force_login(staff_user)
    card = next(__import__("conftest").SEEDS.glob("003_*.txt")).read_text()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("catalog:import-create"), {"text": card})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    status = client.get(reverse("catalog:import-status", args=[job.pk])).json()
    assert status["status"] == "done" and status["succeeded"] == 1 and status["percent"] == 100
    page = client.get(job.get_absolute_url()).content.decode()
    assert "orangetin/OpenHermes-Mixtral-8x7B" in page


def test_import_form_errors(client, staff_user, db) -> None:
    client.force_login(staff_user)
    empty = client.post(reverse("catalog:import-create"), {})
    assert empty.status_code == 400 and b"Choose at least one file or paste a document" in empty.content
    bad_repo = client.post(reverse("catalog:import-create"), {"text": "# x", "repo_id": "no spaces allowed"})
    assert bad_repo.status_code == 400 and b"organization/name" in bad_repo.content


def test_csrf_is_enforced_on_the_import_form(staff_user, db) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.post(reverse("catalog:import-create"), {"text": "# x"}).status_code == 403


def test_card_html_is_sanitized(client, db) -> None:
    from catalog.services.imports import import_document

    card = ("---\nlicense: mit\n---\n# Evil\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n"
            "<a href=\"javascript:alert(1)\">click</a>\n")
    model = import_document(card, repo_id_hint="evil/card").model
    assert "<script" not in model.card_html and "onerror" not in model.card_html
    assert "javascript:" not in model.card_html
    html = client.get(model.get_absolute_url()).content.decode()
    assert "alert(1)</script>" not in html
