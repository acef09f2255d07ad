"""Catalog pages: every page type renders real data; search, filters, facets, pagination,
permissions, CSRF and query counts hold; bad input never gives a 500."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import loader
from django.test import Client
from django.urls import reverse

from catalog.models import DocumentStatus, EdgeKind, ImportJob, ItemStatus, LineageEdge, LLMModel
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
from catalog.tests.pages import facets, home_stats, license_summary, model_names, pager, result_count

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "cards" / "seeds"
INLINE_HANDLER = re.compile(rb"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def assert_csp_clean(content: bytes) -> None:
    """No inline script and no inline event handler: the CSP would block them."""
    for tag in re.findall(rb"<script\b[^>]*>", content):
        assert b" src=" in tag or b'type="application/json"' in tag, tag
    assert not INLINE_HANDLER.search(content), INLINE_HANDLER.search(content)


# ---------------------------------------------------------------------------
# A small, fully known catalog built with factories


@pytest.fixture
def catalog(db) -> dict[str, LLMModel]:
    base = LLMModelFactory(repo_id="mistralai/Mistral-7B-v0.1", family="mistral", license="apache-2.0",
                           total_params_b=7.2, downloads=900_000, result_count=6)
    mixtral = MoEModelFactory(repo_id="mistralai/Mixtral-8x7B-v0.1", license="apache-2.0", downloads=800_000,
                              result_count=12)
    hermes = LLMModelFactory(repo_id="NousResearch/Hermes-2-Pro-Mistral-7B", family="mistral", license="apache-2.0",
                             total_params_b=7.2, downloads=50_000, tags=["text-generation", "function-calling"],
                             summary="Hermes 2 Pro, a function-calling fine-tune.")
    llama = LLMModelFactory(repo_id="meta-llama/Llama-2-70b-hf", family="llama", license="llama2",
                            total_params_b=69.0, downloads=400_000, result_count=6, context_length=4096)
    merge = LLMModelFactory(repo_id="mlabonne/NeuralHermes-Merge-7B", family="mistral", license="cc-by-nc-4.0",
                            total_params_b=7.2, downloads=1_000)
    tiny = LLMModelFactory(repo_id="acme/Tiny-1B", family="llama", license="mit", total_params_b=1.1, downloads=10)
    stub = StubModelFactory(repo_id="someone/Referenced-Only")
    LineageEdgeFactory(child=hermes, parent=base, kind=EdgeKind.FINETUNE)
    LineageEdgeFactory(child=merge, parent=hermes, kind=EdgeKind.MERGE, params={"method": "slerp", "weight": 0.5})
    LineageEdgeFactory(child=merge, parent=base, kind=EdgeKind.MERGE, params={"method": "slerp", "role": "base"})
    MergeRecipeFactory(model=merge, base_model=base, method="slerp",
                       parsed_config={"merge_method": "slerp", "base_model": base.repo_id,
                                      "models": [{"model": "Hermes-2-Pro-Mistral-7B", "parameters": {"weight": 0.5}}]})
    QuantizedVariantFactory(model=hermes, format="GGUF", level="Q4_K_M", repo_id="TheBloke/Hermes-GGUF")
    QuantizedVariantFactory(model=hermes, format="AWQ", level="4bit", repo_id="TheBloke/Hermes-AWQ")
    gguf_child = StubModelFactory(repo_id="TheBloke/Llama-2-70B-GGUF")
    LineageEdgeFactory(child=gguf_child, parent=llama, kind=EdgeKind.QUANTIZED, params={"format": "GGUF"})
    return {"base": base, "mixtral": mixtral, "hermes": hermes, "llama": llama, "merge": merge, "tiny": tiny,
            "stub": stub}


# ---------------------------------------------------------------------------
# Every page type


def test_every_page_type_renders_with_seed_data(client, seeded) -> None:
    model = LLMModel.objects.get(repo_id="rombodawg/Open_Gpt4_8x7B_v0.2")
    document = model.documents.first()
    job = ImportJobFactory()
    ImportItemFactory(job=job, model=model, document=document)
    urls = [
        "/", "/models/", "/models/?q=hermes", model.get_absolute_url(), reverse("catalog:lineage", args=[model.repo_id]),
        "/models/NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO/", document.get_absolute_url(), "/imports/",
        job.get_absolute_url(),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert_csp_clean(response.content)
        assert b'href="#main"' in response.content  # skip link from the base layout


def test_base_layout_navigation(client, db) -> None:
    html = client.get("/models/").content.decode()
    for label, href in [("Catalog", "/models/"), ("Leaderboards", "/leaderboards/"), ("Hardware", "/hardware/"),
                        ("Compare", "/compare/"), ("What can I run?", "/hardware/what-can-i-run/"),
                        ("Import", "/imports/new/"), ("API docs", "/api/docs/"), ("Admin", "/admin/")]:
        assert f'href="{href}"' in html and label in html, label
    assert 'aria-current="page">Catalog' in html
    assert 'role="search"' in html and "data-theme-toggle" in html
    assert "js/theme.js" in html and "js/app.js" in html


def test_home_shows_counts_chart_recent_imports_and_panels(client, catalog) -> None:
    job = ImportJobFactory(label="three cards")
    response = client.get("/")
    stats = home_stats(response)
    assert stats["models with their own document"] == 6  # the stub and the GGUF stub are "known by reference"
    assert stats["more known by reference"] == 2
    html = response.content.decode()
    assert 'data-figure="chart-home-sizes"' in html and 'id="chart-home-sizes"' in html
    figure = json.loads(re.search(r'<script id="chart-home-sizes" type="application/json">(.*?)</script>', html,
                                  re.S).group(1))
    dense = next(t for t in figure["data"] if t["name"] == "dense")
    assert sum(dense["y"]) == 5 and "vendor/plotly.min.js" in html
    assert job.get_absolute_url() in html
    assert catalog["hermes"].get_absolute_url() in html


def test_home_summary_counts_every_model_once_and_sizes_at_both_bucket_ends(catalog, django_assert_num_queries) -> None:
    from catalog import selectors

    LLMModelFactory(repo_id="acme/Nine-9B", total_params_b=9.0, result_count=4)  # on the 3–9B / 9–20B boundary
    LLMModelFactory(repo_id="acme/Unsized", total_params_b=None)
    StubModelFactory(repo_id="acme/Stub-9B", total_params_b=9.0)  # stubs are counted, never charted
    with django_assert_num_queries(4):  # one grouped scan + organisations, documents, edges
        counts, sizes = selectors.home_summary()
    assert counts["models"] == 8 and counts["referenced"] == 3
    assert counts["results"] == 6 + 12 + 6 + 4 and counts["edges"] == LineageEdge.objects.count()
    rows = {label: (dense, moe) for label, dense, moe in sizes}
    assert rows["3–9B"] == (4, 0) and rows["9–20B"] == (1, 0) and rows["up to 3B"] == (1, 0)
    assert rows["40–80B"] == (1, 1) and rows["size not stated"] == (1, 0)
    assert sum(moe for _label, _dense, moe in sizes) == 1


def test_model_page_shows_facts_lineage_recipe_variants_sources_card_and_panels(client, seeded) -> None:
    html = client.get("/models/rombodawg/Open_Gpt4_8x7B_v0.2/").content.decode()
    assert "cc-by-4.0" in html and "smelborp/MixtralOrochi8x7B" in html
    assert 'data-testid="recipe-table"' in html and "weight: 0.7" in html and "density: 0.5" in html
    recipe = html.split('data-testid="recipe-table"', 1)[1].split("</table>", 1)[0]
    # Short names in the recipe link to the ancestors they name.
    assert '<a href="/models/smelborp/MixtralOrochi8x7B/">MixtralOrochi8x7B</a>' in recipe
    assert '<a href="/models/jondurbin/bagel-dpo-8x7b-v0.2/">bagel-dpo-8x7b-v0.2</a>' in recipe
    assert "merge_method: ties" in html  # raw YAML kept as written
    assert "rombodawg/Open_Gpt4_8x7B_v0.2_q8_0_gguf" in html
    assert "seeds/" in html  # source documents listed and linked
    assert 'id="scores"' in html and 'id="hardware"' in html  # panels from evals and hardware
    assert "73.59" in html and "verified" in html and "Q4_K_M" in html
    assert 'class="plotly-chart"' in html


def test_model_page_prompt_template_in_pre_and_card_html(client, catalog) -> None:
    html = client.get(catalog["hermes"].get_absolute_url()).content.decode()
    assert '<pre id="prompt-template"><code>&lt;|im_start|&gt;user' in html
    assert "<strong>test</strong>" in html  # sanitized card HTML rendered as HTML
    assert "TheBloke/Hermes-GGUF" in html and "TheBloke/Hermes-AWQ" in html
    assert "mlabonne/NeuralHermes-Merge-7B" in html  # a derived model
    assert "mistralai/Mistral-7B-v0.1" in html  # its parent


def test_card_headings_are_demoted_below_the_page_title(client, db) -> None:
    model = LLMModelFactory(card_html="<h1>Card title</h1><p>x</p><h2>Usage</h2>")
    html = client.get(model.get_absolute_url()).content.decode()
    assert "<h3>Card title</h3>" in html and "<h4>Usage</h4>" in html
    assert html.count("<h1") == 1


def test_model_lookup_is_case_insensitive_with_a_canonical_redirect(client, catalog) -> None:
    response = client.get("/models/mistralai/mistral-7b-v0.1/")
    assert response.status_code == 301 and response["Location"] == "/models/mistralai/Mistral-7B-v0.1/"


@pytest.mark.parametrize("url", ["/models/nobody/nothing/", "/models/nobody/nothing/lineage/", "/documents/999999/",
                                 "/imports/999999/", "/imports/999999/status.json", "/no/such/page/"])
def test_unknown_things_are_404_in_site_style(client, db, url) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert b"Open LLM Catalog" in response.content or url.endswith(".json")


def test_500_page_renders_without_a_request_context() -> None:
    html = loader.get_template("500.html").render({})
    assert "Something went wrong" in html and "/static/css/app.css" in html


def test_document_page_escapes_raw_text_and_links_versions(client, catalog) -> None:
    old = SourceDocumentFactory(model=catalog["tiny"], raw_text="# v1 <script>alert(1)</script>",
                                status=DocumentStatus.SUPERSEDED, warnings=["Front matter re-indented."])
    new = SourceDocumentFactory(model=catalog["tiny"], raw_text="# v2", previous=old,
                                parsed_facts={"model": {"license": "mit"}})
    html = client.get(old.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Front matter re-indented." in html and new.get_absolute_url() in html
    html = client.get(new.get_absolute_url()).content.decode()
    assert old.get_absolute_url() in html and "&quot;license&quot;: &quot;mit&quot;" in html


# ---------------------------------------------------------------------------
# Search, filters, sorting, facets


def test_search_ranks_full_text_and_finds_typos(client, catalog) -> None:
    assert model_names(client.get("/models/", {"q": "hermes"}))[:2] == [
        "NousResearch/Hermes-2-Pro-Mistral-7B", "mlabonne/NeuralHermes-Merge-7B"]
    assert "NousResearch/Hermes-2-Pro-Mistral-7B" in model_names(client.get("/models/", {"q": "function-calling"}))
    assert "mistralai/Mixtral-8x7B-v0.1" in model_names(client.get("/models/", {"q": "mixtrall"}))  # trigram
    assert model_names(client.get("/models/", {"q": "zzzz-nothing"})) == []


def test_search_substrings_escape_wildcards_and_fall_back_to_trigrams_only_without_hits(
        client, catalog, django_assert_max_num_queries) -> None:
    # A fragment inside a word is found through the repo-id substring arm (ILIKE on the trigram index).
    assert "mlabonne/NeuralHermes-Merge-7B" in model_names(client.get("/models/", {"q": "ralherm"}))
    # LIKE wildcards in the text are literal: "%" and "_" match nothing here.
    assert model_names(client.get("/models/", {"q": "%"})) == []
    assert model_names(client.get("/models/", {"q": "_"})) == []
    # With exact hits, the typo arm stays off: "mixtral" lists Mixtral, not every near-spelling.
    assert model_names(client.get("/models/", {"q": "mixtral"})) == ["mistralai/Mixtral-8x7B-v0.1"]
    # The exact probe, the facets and the page; a typo fallback adds the query for its ids.
    for text, queries in (("hermes", 3), ("mixtrall", 4)):
        with django_assert_max_num_queries(queries):
            response = client.get("/models/", {"q": text})
        assert result_count(response) == len(model_names(response)) > 0


@pytest.mark.parametrize("params, expected", [
    ({"family": "llama"}, {"meta-llama/Llama-2-70b-hf", "acme/Tiny-1B"}),
    ({"is_moe": "true"}, {"mistralai/Mixtral-8x7B-v0.1"}),
    ({"merged": "true"}, {"mlabonne/NeuralHermes-Merge-7B"}),
    ({"merge_method": "SLERP"}, {"mlabonne/NeuralHermes-Merge-7B"}),
    ({"license": "apache-2.0", "params_max": "10"}, {"mistralai/Mistral-7B-v0.1", "NousResearch/Hermes-2-Pro-Mistral-7B"}),
    ({"params_min": "40"}, {"mistralai/Mixtral-8x7B-v0.1", "meta-llama/Llama-2-70b-hf"}),
    ({"quant_format": "GGUF"}, {"NousResearch/Hermes-2-Pro-Mistral-7B", "meta-llama/Llama-2-70b-hf"}),
    ({"has_evals": "true"}, {"mistralai/Mistral-7B-v0.1", "mistralai/Mixtral-8x7B-v0.1", "meta-llama/Llama-2-70b-hf"}),
    ({"tag": "function-calling"}, {"NousResearch/Hermes-2-Pro-Mistral-7B"}),
    ({"organization": "MistralAI"}, {"mistralai/Mistral-7B-v0.1", "mistralai/Mixtral-8x7B-v0.1"}),
])
def test_filters_return_the_right_models(client, catalog, params, expected) -> None:
    response = client.get("/models/", params)
    assert response.status_code == 200
    assert set(model_names(response)) == expected


def test_stubs_are_hidden_unless_asked_for(client, catalog) -> None:
    assert "someone/Referenced-Only" not in model_names(client.get("/models/"))
    assert "someone/Referenced-Only" in model_names(client.get("/models/", {"include_stubs": "true"}))


def test_sorts(client, catalog) -> None:
    assert model_names(client.get("/models/"))[0] == "mistralai/Mistral-7B-v0.1"  # most downloaded
    assert model_names(client.get("/models/", {"sort": "-params"}))[0] == "meta-llama/Llama-2-70b-hf"
    assert model_names(client.get("/models/", {"sort": "params"}))[0] == "acme/Tiny-1B"
    assert model_names(client.get("/models/", {"sort": "-results"}))[0] == "mistralai/Mixtral-8x7B-v0.1"
    names = model_names(client.get("/models/", {"sort": "name"}))
    assert names == sorted(names)


def test_facet_counts_are_right(client, catalog) -> None:
    response = client.get("/models/")
    assert result_count(response) == 6
    shown = facets(response)
    assert shown["Family"] == {"mistral": 3, "llama": 2, "mixtral": 1}
    assert shown["Architecture"] == {"Mixture of experts": 1, "Dense": 5}
    assert shown["Benchmark results"] == {"Has benchmark results": 3, "No results yet": 3}
    assert shown["License"] == {"apache-2.0": 3, "llama2": 1, "cc-by-nc-4.0": 1, "mit": 1}
    assert shown["Merge method"] == {"slerp": 1}
    assert shown["Quantized as"] == {"GGUF": 2, "AWQ": 1}
    # Sizes without models are left out of the list.
    assert shown["Total parameters"] == {"up to 3B": 1, "3–9B": 3, "40–80B": 2}
    # Facets follow the filters: within the llama family only.
    llama = facets(client.get("/models/", {"family": "llama"}))
    assert llama["License"] == {"llama2": 1, "mit": 1} and llama["Quantized as"] == {"GGUF": 1}


def test_every_facet_link_shows_as_many_models_as_it_counts(client, catalog) -> None:
    html = client.get("/models/").content.decode()
    facets_html = html.split('class="facets"', 1)[1].split("</aside>", 1)[0]
    links = re.findall(r'<a href="(\?[^"]*)"[^>]*>[^<]*</a><span class="count">([\d,]+)</span>', facets_html)
    assert len(links) >= 15
    for href, count in links:
        response = client.get("/models/" + href.replace("&amp;", "&"))
        assert result_count(response) == len(model_names(response)) == int(count.replace(",", "")), href


def test_facet_and_chip_links_keep_other_filters_and_never_repeat_a_parameter(client, catalog) -> None:
    html = client.get("/models/", {"family": "mistral", "q": "hermes", "page": "1"}).content.decode()
    link = re.search(r'href="(\?[^"]*license=apache-2.0[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "q=hermes" in link and "family=mistral" in link and "page=" not in link
    family_link = re.search(r'href="(\?[^"]*)" aria-current="true">mistral<', html).group(1)
    assert "family=" not in family_link  # clicking the active facet removes it
    assert 'aria-label="Remove filter Family mistral"' in html


def test_bad_input_is_reported_not_a_500(client, catalog) -> None:
    response = client.get("/models/", {"params_min": "lots", "sort": "nonsense", "is_moe": "maybe",
                                       "quant_format": "ZIP", "family": "llama", "page": "99999999999999999999"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a number" in html and "Select a valid choice" in html
    # The valid filter still applies; the bad ones are ignored, and the page number is clamped.
    assert set(model_names(response)) == {"meta-llama/Llama-2-70b-hf", "acme/Tiny-1B"}
    assert client.get("/models/", {"page": "abc"}).status_code == 200
    assert client.get("/models/", {"q": "x" * 5000}).status_code == 200
    assert client.get("/models/", {"params_min": "-3"}).status_code == 200


def test_pagination_keeps_the_query_and_caps_the_count(client, catalog, monkeypatch) -> None:
    from catalog import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "MAX_PAGES", 2)
    response = client.get("/models/", {"sort": "name"})
    assert pager(response) == (1, 2)
    assert model_names(response) == ["NousResearch/Hermes-2-Pro-Mistral-7B", "acme/Tiny-1B"]
    html = response.content.decode()
    assert "6 models match; the first 4 are listed" in html
    assert 'href="?sort=name&amp;page=2"' in html
    last = client.get("/models/", {"sort": "name", "page": "50"})
    # A page past the cap shows the last one.
    assert pager(last) == (2, 2) and model_names(last) == ["meta-llama/Llama-2-70b-hf", "mistralai/Mistral-7B-v0.1"]


# ---------------------------------------------------------------------------
# Lineage explorer


def test_lineage_page_graph_and_license_table(client, catalog) -> None:
    response = client.get(reverse("catalog:lineage", args=[catalog["merge"].repo_id]))
    html = response.content.decode()
    figure = json.loads(re.search(r'<script id="chart-lineage" type="application/json">(.*?)</script>', html,
                                  re.S).group(1))
    legend = {t["name"] for t in figure["data"] if t.get("showlegend") is not False}
    assert "merge (slerp)" in legend and "fine-tune" in legend
    hover = json.dumps(figure["data"][-1]["customdata"])
    assert "cc-by-nc-4.0" in hover and "apache-2.0" in hover  # node hover shows the license
    assert 'data-testid="license-table"' in html and "cc-by-nc-4.0" in html
    assert license_summary(response) == {"apache-2.0": 2, "cc-by-nc-4.0": 1}


def test_lineage_is_bounded_in_depth_and_nodes(catalog) -> None:
    from catalog import selectors

    chain = [LLMModelFactory(repo_id=f"chain/gen-{i}") for i in range(6)]
    for child, parent in zip(chain[1:], chain):
        LineageEdgeFactory(child=child, parent=parent)
    graph = selectors.lineage(chain[5], up=3, down=3)
    assert sorted(graph.depth.values()) == [-3, -2, -1, 0]
    hub = LLMModelFactory(repo_id="hub/base")
    for i in range(30):
        LineageEdgeFactory(child=LLMModelFactory(repo_id=f"hub/ft-{i}"), parent=hub)
    capped = selectors.lineage(hub, max_nodes=10)
    assert len(capped.nodes) == 10 and capped.truncated


def test_lineage_layout_is_pure_and_layered() -> None:
    code = ("import sys; import catalog.lineage as l; "
            "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'imports django'; "
            "n=[l.Node(1,'a/root',0,is_root=True), l.Node(2,'a/p1',-1), l.Node(3,'a/p2',-1), l.Node(4,'a/c',1)]; "
            "e=[l.Edge(2,1,'merge','ties'), l.Edge(3,1,'merge','ties'), l.Edge(1,4,'quantized')]; "
            "pos=l.layout(n,e); assert pos[1]==(0.0,0.0) and pos[2][0]==-1.0 and pos[4][0]==1.0; "
            "assert sorted(p[1] for k,p in pos.items() if k in (2,3))==[-0.5,0.5]; "
            "import json; f=json.loads(l.figure(n,e,title='t')); "
            "assert {'merge (ties)','quantization'} <= {t.get('name') for t in f['data']}")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


# ---------------------------------------------------------------------------
# Imports


def test_import_page_requires_login_and_permission(client, reader_user, curator) -> None:
    response = client.get(reverse("catalog:import-create"), follow=True)
    assert response.redirect_chain[0][0] == "/accounts/login/?next=/imports/new/"
    assert "sign in with a curator account" in response.content.decode()
    client.force_login(reader_user)
    forbidden = client.get(reverse("catalog:import-create"))
    assert forbidden.status_code == 403 and b"may read the catalog but not import" in forbidden.content
    assert client.post(reverse("catalog:import-create"), {"text": "# x"}).status_code == 403
    assert ImportJob.objects.count() == 0
    client.force_login(curator)
    page = client.get(reverse("catalog:import-create"))
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content


def test_a_curator_who_is_not_staff_signs_in_on_the_site(client, curator) -> None:
    curator.set_password("curator-pass-456")
    curator.save()
    response = client.post("/accounts/login/", {"username": "curator2", "password": "curator-pass-456",
                                                "next": "/imports/new/"})
    assert response.status_code == 302 and response["Location"] == "/imports/new/"
    page = client.get("/imports/new/")
    assert page.status_code == 200 and b"Sign out" in page.content
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/imports/new/").status_code == 302


def test_csrf_is_enforced_on_the_import_form(curator) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    assert client.post(reverse("catalog:import-create"), {"text": "# x"}).status_code == 403
    assert ImportJob.objects.count() == 0


def test_paste_import_runs_and_reports_progress(client, curator, django_capture_on_commit_callbacks) -> None:
    client.force_login(curator)
    card = next(SEEDS.glob("003_*.txt")).read_text()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("catalog:import-create"), {"text": card})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.via == ImportJob.Via.PASTE and job.created_by == curator
    status = client.get(reverse("catalog:import-status", args=[job.pk])).json()
    assert status["status"] == "done" and status["succeeded"] == 1 and status["percent"] == 100
    assert status["finished"] is True and status["items"][0]["status"] == ItemStatus.IMPORTED
    assert status["items"][0]["model"] == "orangetin/OpenHermes-Mixtral-8x7B"
    assert status["items"][0]["model_url"] == "/models/orangetin/OpenHermes-Mixtral-8x7B/"
    page = client.get(job.get_absolute_url()).content.decode()
    assert "/models/orangetin/OpenHermes-Mixtral-8x7B/" in page and 'data-finished="true"' in page


def test_upload_import_with_a_failing_document(client, curator, django_capture_on_commit_callbacks) -> None:
    client.force_login(curator)
    card = next(SEEDS.glob("000_*.txt")).read_bytes()
    files = [SimpleUploadedFile("good.md", card, "text/markdown"),
             SimpleUploadedFile("empty.md", b"   \n", "text/markdown")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("catalog:import-create"), {"files": files})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.via == ImportJob.Via.UPLOAD and job.total == 2
    status = client.get(reverse("catalog:import-status", args=[job.pk])).json()
    outcomes = {item["name"]: item for item in status["items"]}
    assert outcomes["good.md"]["status"] == "imported" and outcomes["empty.md"]["status"] == "failed"
    assert outcomes["empty.md"]["error"]
    page = client.get(job.get_absolute_url()).content.decode()
    assert outcomes["empty.md"]["error"][:30] in page.replace("&#x27;", "'").replace("&quot;", '"')


def test_import_form_errors(client, curator, settings) -> None:
    client.force_login(curator)
    empty = client.post(reverse("catalog:import-create"), {})
    assert empty.status_code == 400 and b"Choose at least one file or paste a document" in empty.content
    bad_repo = client.post(reverse("catalog:import-create"), {"text": "# x", "repo_id": "no spaces allowed"})
    assert bad_repo.status_code == 400 and b"organization/name" in bad_repo.content
    settings.MAX_BATCH_BYTES = 150
    heavy = client.post(reverse("catalog:import-create"),
                        {"files": [SimpleUploadedFile(f"{i}.md", b"# x\n" * 20) for i in range(2)]})
    assert heavy.status_code == 400 and "The files add up to 160 bytes" in heavy.content.decode()
    assert ImportJob.objects.count() == 0


def test_import_list_and_status_of_a_running_job(client, db) -> None:
    job = ImportJobFactory(status="running", total=3, processed=1, succeeded=1)
    ImportItemFactory(job=job, position=0, status=ItemStatus.IMPORTED)
    ImportItemFactory(job=job, position=1, status=ItemStatus.RUNNING)
    ImportItemFactory(job=job, position=2, status=ItemStatus.PENDING)
    assert job.get_absolute_url() in client.get("/imports/").content.decode()
    status = client.get(reverse("catalog:import-status", args=[job.pk]))
    assert status["Cache-Control"].startswith("max-age=0")
    data = status.json()
    assert data["finished"] is False and data["percent"] == 33 and len(data["items"]) == 3
    html = client.get(job.get_absolute_url()).content.decode()
    assert 'data-finished="false"' in html and "data-job-status=" in html


def test_card_html_is_sanitized(client, db) -> None:
    from catalog.services.imports import import_document

    card = ("---\nlicense: mit\n---\n# Evil\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n"
            "<a href=\"javascript:alert(1)\">click</a>\n")
    model = import_document(card, repo_id_hint="evil/card").model
    assert "<script" not in model.card_html and "onerror" not in model.card_html
    response = client.get(model.get_absolute_url())
    assert_csp_clean(response.content)
    assert b"javascript:" not in response.content


# ---------------------------------------------------------------------------
# Query counts: constant, whatever the number of rows


def _grow(n: int) -> None:
    for i in range(n):
        m = LLMModelFactory(repo_id=f"bulk{i % 5}/Model-{i}", family=["mistral", "llama"][i % 2])
        QuantizedVariantFactory(model=m)
        MergeRecipeFactory(model=m, base_model=None, method=["ties", "slerp"][i % 2])


def test_catalog_list_query_count_does_not_grow(client, catalog, django_assert_num_queries) -> None:
    # One query for the facets and the total, one for the page of rows (and a search's exact-or-typo probe).
    with django_assert_num_queries(3):
        client.get("/models/", {"q": "mistral", "has_evals": "true"})
    _grow(60)
    with django_assert_num_queries(2):
        response = client.get("/models/")
    assert len(model_names(response)) == 40
    with django_assert_num_queries(2):
        client.get("/models/", {"family": "mistral", "quant_format": "GGUF", "sort": "-params", "page": "2"})


def test_model_page_query_count_does_not_grow(client, catalog, django_assert_num_queries) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    model = catalog["base"]
    # Merged from the start, so both pages look for a merge uplift (only merged models have one).
    LineageEdgeFactory(child=model, parent=LLMModelFactory(repo_id="parents/first"), kind=EdgeKind.MERGE)
    with CaptureQueriesContext(connection) as small:
        assert client.get(model.get_absolute_url()).status_code == 200
    # The model with its recipes, variants, documents and edges (JSON columns); the scores panel's
    # runs (with results and claim checks), then its scores, flags and uplift; the hardware panel's
    # quantizations and GPUs.
    assert len(small) == 5, [q["sql"][:80] for q in small]
    for i in range(25):
        child = LLMModelFactory(repo_id=f"kids/child-{i}")
        LineageEdgeFactory(child=child, parent=model, kind=[EdgeKind.FINETUNE, EdgeKind.ADAPTER][i % 2])
        LineageEdgeFactory(child=model, parent=LLMModelFactory(repo_id=f"parents/p-{i}"), kind=EdgeKind.MERGE)
        SourceDocumentFactory(model=model)
        QuantizedVariantFactory(model=model, level=f"Q{i}")
    with django_assert_num_queries(len(small)):
        assert client.get(model.get_absolute_url()).status_code == 200
    with CaptureQueriesContext(connection) as lineage_small:
        client.get(reverse("catalog:lineage", args=[model.repo_id]))
    assert len(lineage_small) <= 10


def test_seeded_page_query_bounds(client, seeded, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(2):
        client.get("/models/")
    with django_assert_max_num_queries(5):  # includes the scores and hardware panels of other apps
        client.get("/models/mlabonne/Beyonder-4x7B-v2/")
    with django_assert_max_num_queries(10):
        client.get("/models/mlabonne/Beyonder-4x7B-v2/lineage/")
    with django_assert_max_num_queries(8):
        client.get("/imports/")


@pytest.mark.parametrize("repo_id", ["org/model", "a b/c#d?e%f", "ü/名前", "x/y:z@~!$&'()*+,;=", "a//b", "8675309000271828/x"])
def test_model_url_is_what_reverse_gives(repo_id: str) -> None:
    from django.urls import reverse

    from catalog.models import model_url

    assert model_url(repo_id) == reverse("catalog:model-detail", kwargs={"repo_id": repo_id})


@pytest.mark.parametrize(("viewname", "kwarg", "value"), [
    ("hardware:gpu-detail", "slug", "nvidia-geforce-rtx-4090"), ("evals:leaderboard-detail", "slug", "open-llm-v1"),
    ("catalog:document-detail", "pk", 12345), ("catalog:import-detail", "pk", 7),
])
def test_slot_url_is_what_reverse_gives(viewname: str, kwarg: str, value: object) -> None:
    from django.urls import NoReverseMatch, reverse

    from config.reversing import slot_url

    assert slot_url(viewname, kwarg, value) == reverse(viewname, kwargs={kwarg: value})
    with pytest.raises(NoReverseMatch):
        slot_url(viewname, kwarg, "")
