"""What a person does in the browser: browse, search, filter, read charts, import a card."""

from __future__ import annotations

import pytest

from catalog.tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("home", "/"), ("catalog", "/models/"), ("model", "/models/mlabonne/Beyonder-4x7B-v2/"),
    ("model-page-catalog", "/models/NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO/"),
    ("lineage", "/models/rombodawg/Open_Gpt4_8x7B_v0.2/lineage/"), ("leaderboards", "/leaderboards/"),
    ("leaderboard", "/leaderboards/open-llm-v1/"), ("nous", "/leaderboards/nous/"),
    ("compare", "/compare/?models=mlabonne/Beyonder-4x7B-v2&models=rombodawg/Open_Gpt4_8x7B_v0.2"),
    ("merges", "/merges/"), ("gpus", "/hardware/"), ("gpu", "/hardware/gpus/nvidia-h100-sxm/"),
    ("finder", "/hardware/what-can-i-run/?gpus=nvidia-h100-sxm&context=8192"), ("api-docs", "/api/docs/"),
]
CHART_PAGES = {"home", "model", "lineage", "leaderboard", "compare", "finder"}


@pytest.mark.parametrize("name, path", PAGES, ids=[p[0] for p in PAGES])
def test_page_loads_cleanly(page, live_server, seeded_live, name, path) -> None:
    response = page.goto(live_server.url + path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    if name in CHART_PAGES:
        page.wait_for_selector(".plotly-chart svg.main-svg", timeout=15_000)
        assert page.locator(".plotly-chart svg.main-svg").count() >= 1
    if name == "api-docs":
        page.wait_for_selector(".swagger-ui", timeout=15_000)
    screenshot(page, name)
    page.watch.assert_clean()


def test_search_filter_and_open_a_model(page, live_server, seeded_live) -> None:
    page.goto(live_server.url + "/")
    page.fill("#site-search", "hermes")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/models/?q=hermes")
    assert page.locator("table.table").get_by_text("orangetin/OpenHermes-Mixtral-8x7B").count() == 1
    page.select_option("select[name=is_moe]", "true")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "is_moe=true" in page.url  # the state is in the URL, so the view can be shared
    page.click("text=orangetin/OpenHermes-Mixtral-8x7B")
    page.wait_for_selector("h1:has-text('orangetin/OpenHermes-Mixtral-8x7B')")
    assert page.locator("#scores").get_by_text("verified").count() >= 1
    page.watch.assert_clean()


def test_theme_toggle_persists(page, live_server, seeded_live) -> None:
    page.goto(live_server.url + "/leaderboards/")
    page.click("[data-theme-toggle]")
    theme = page.evaluate("document.documentElement.getAttribute('data-theme')")
    assert theme in ("dark", "light")
    page.reload()
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") == theme
    screenshot(page, f"leaderboards-{theme}")


def test_upload_a_card_and_watch_it_complete(page, live_server, seeded_live, django_user_model) -> None:
    django_user_model.objects.create_superuser("admin", "admin@example.org", "admin-pass-789")
    page.goto(live_server.url + "/imports/new/")
    page.wait_for_url("**/admin/login/**")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin-pass-789")
    page.click("input[type=submit]")
    page.wait_for_url("**/imports/new/")
    from conftest import SEEDS

    card = next(SEEDS.glob("003_*.txt")).read_text().replace("| 65.27   |", "| 65.30   |")
    page.set_input_files("input[type=file]", files=[{"name": "openhermes-v2.md", "mimeType": "text/markdown",
                                                     "buffer": card.encode()}])
    page.click("form[data-testid=import-form] button[type=submit]")
    page.wait_for_url("**/imports/*/")
    page.wait_for_selector("[data-testid=job-status]:has-text('Done')", timeout=20_000)
    assert page.get_by_text("orangetin/OpenHermes-Mixtral-8x7B").count() >= 1
    screenshot(page, "import-done")
    page.watch.assert_clean()
