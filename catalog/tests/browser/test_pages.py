"""What a person does in the browser: browse, search, filter, read charts, switch themes,
use the enhancements (sorting, copying), import a card and watch its progress.

Every test asserts that the page made no request outside the live server, that no request
failed and that the console stayed free of errors (CSP violations are console errors too).
"""

from __future__ import annotations

import pytest

from catalog.tests.browser.conftest import ARTIFACTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("home", "/"), ("catalog", "/models/"), ("catalog-search", "/models/?q=mixtral&sort=-params"),
    ("model", "/models/mlabonne/Beyonder-4x7B-v2/"),
    ("model-page-catalog", "/models/NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO/"),
    ("model-merge", "/models/rombodawg/Open_Gpt4_8x7B_v0.2/"),
    ("lineage", "/models/rombodawg/Open_Gpt4_8x7B_v0.2/lineage/"),
    ("lineage-moe", "/models/mlabonne/Beyonder-4x7B-v2/lineage/"),
    ("imports", "/imports/"), ("leaderboards", "/leaderboards/"),
    ("leaderboard", "/leaderboards/open-llm-v1/"), ("nous", "/leaderboards/nous/"),
    ("compare", "/compare/?models=mlabonne/Beyonder-4x7B-v2&models=rombodawg/Open_Gpt4_8x7B_v0.2"),
    ("merges", "/merges/"), ("gpus", "/hardware/"), ("gpu", "/hardware/gpus/nvidia-h100-sxm/"),
    ("finder", "/hardware/what-can-i-run/?gpus=nvidia-h100-sxm&context=8192"), ("api-docs", "/api/docs/"),
]
CHART_PAGES = {"home", "model", "model-merge", "lineage", "lineage-moe", "leaderboard", "compare", "finder"}


def wait_for_charts(page) -> None:
    """A Plotly chart is drawn when its div holds Plotly's SVG."""
    page.wait_for_selector(".plotly-chart svg.main-svg", timeout=15_000)
    charts = page.locator(".plotly-chart")
    for index in range(charts.count()):
        charts.nth(index).locator("svg.main-svg").first.wait_for(timeout=15_000)


def assert_accessible_basics(page) -> None:
    """Cheap structural checks: unique ids, one h1, a label for every visible form control."""
    problems = page.evaluate("""() => {
        const out = [];
        const seen = new Set();
        document.querySelectorAll('[id]').forEach(el => {
            if (seen.has(el.id)) out.push('duplicate id ' + el.id);
            seen.add(el.id);
        });
        if (document.querySelectorAll('h1').length !== 1) out.push('h1 count ' + document.querySelectorAll('h1').length);
        document.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(el => {
            const labelled = el.labels && el.labels.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
            if (!labelled) out.push('unlabelled ' + el.outerHTML.slice(0, 80));
        });
        document.querySelectorAll('img:not([alt])').forEach(el => out.push('img without alt ' + el.src));
        return out;
    }""")
    assert problems == []


@pytest.mark.parametrize("name, path", PAGES, ids=[p[0] for p in PAGES])
def test_page_loads_cleanly(page, live_server, seeded_live, name, path) -> None:
    response = page.goto(live_server.url + path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    if name in CHART_PAGES:
        wait_for_charts(page)
        assert page.locator(".plotly-chart .chart-fallback").count() == 0
    if name == "api-docs":
        page.wait_for_selector(".swagger-ui", timeout=15_000)
    if name != "api-docs":  # Swagger UI's own markup is not ours to judge
        assert_accessible_basics(page)
    screenshot(page, name)
    for section in ("recipe", "variants", "documents"):
        if name.startswith("model") and page.locator(f"#{section}").count():
            page.locator(f"#{section}").screenshot(path=str(ARTIFACTS / f"{name}-{section}.png"))
    page.watch.assert_clean()


def test_document_and_not_found_pages(page, live_server, seeded_live) -> None:
    from catalog.models import SourceDocument

    document = SourceDocument.objects.exclude(warnings=[]).first() or SourceDocument.objects.first()
    page.goto(live_server.url + document.get_absolute_url())
    assert page.locator("#raw-text").inner_text().strip()[:20] == document.raw_text.strip()[:20]
    screenshot(page, "document")
    page.watch.assert_clean()
    response = page.goto(live_server.url + "/models/nobody/nothing/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert page.locator(".site-header").count() == 1
    screenshot(page, "not-found")
    # The 404 response itself is the only "failure", and it is the page, not a sub-request.
    page.watch.requests = [u for u in page.watch.requests if "/models/nobody/" not in u]
    page.watch.console_errors = [e for e in page.watch.console_errors if "404" not in e]
    page.watch.assert_clean()


def test_search_filter_and_open_a_model(page, live_server, seeded_live) -> None:
    page.goto(live_server.url + "/")
    page.fill("#site-search", "hermes")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/models/?q=hermes")
    table = page.locator("[data-testid=model-table]")
    assert table.get_by_text("orangetin/OpenHermes-Mixtral-8x7B").count() == 1
    assert table.get_by_text("abacusai/Smaug-Mixtral-v0.1").count() == 0
    page.select_option("select[name=is_moe]", "true")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "is_moe=true" in page.url and "q=hermes" in page.url  # all state in the URL: shareable
    assert page.locator(".chip").count() == 2
    # A facet link narrows further; the active facet is marked and its chip removes it.
    page.locator(".facets a", has_text="apache-2.0").click()
    page.wait_for_url("**license=apache-2.0**")
    assert page.locator(".facets a[aria-current=true]", has_text="apache-2.0").count() == 1
    rows = page.locator("[data-testid=model-table] tbody tr")
    assert rows.count() == int(page.locator("[data-testid=result-count]").inner_text().split()[0])
    page.locator(".chip a[aria-label^='Remove filter License']").click()
    page.wait_for_load_state("networkidle")
    assert "license=" not in page.url
    page.click("text=orangetin/OpenHermes-Mixtral-8x7B")
    page.wait_for_selector("h1:has-text('orangetin/OpenHermes-Mixtral-8x7B')")
    assert page.locator("#scores").get_by_text("verified").count() >= 1
    page.watch.assert_clean()


def test_bad_filter_values_show_errors(page, live_server, seeded_live) -> None:
    response = page.goto(live_server.url + "/models/?params_min=lots&sort=nope&page=999999")
    assert response.status == 200
    errors = page.locator("[data-testid=filter-errors]")
    assert "Enter a number" in errors.inner_text()
    assert page.locator("[data-testid=model-table] tbody tr").count() == 5
    page.watch.assert_clean()


def test_theme_toggle_persists_and_recolours_charts(page, live_server, seeded_live) -> None:
    page.goto(live_server.url + "/models/rombodawg/Open_Gpt4_8x7B_v0.2/lineage/")
    wait_for_charts(page)
    light_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.click("[data-theme-toggle]")
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") == "dark"
    assert page.get_attribute("[data-theme-toggle]", "aria-pressed") == "true"
    dark_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (light_bg, dark_bg) == ("rgb(246, 247, 249)", "rgb(15, 17, 21)")  # --bg's two palette values
    # The chart was redrawn with light text for the dark background.
    page.wait_for_function(
        "document.querySelector('.plotly-chart')._fullLayout.font.color === '#e6e9ee'", timeout=5_000)
    page.reload()
    wait_for_charts(page)
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") == "dark"
    screenshot(page, "lineage-dark")
    page.goto(live_server.url + "/")
    wait_for_charts(page)
    screenshot(page, "home-dark")
    page.watch.assert_clean()


def test_dark_theme_follows_the_system_preference(make_page, live_server, seeded_live) -> None:
    page = make_page(color_scheme="dark")
    page.goto(live_server.url + "/models/mlabonne/Beyonder-4x7B-v2/")
    wait_for_charts(page)
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") == "auto"
    assert page.evaluate("window.llmTheme()") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(15, 17, 21)"
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(230, 233, 238)"
    screenshot(page, "model-dark-os")
    page.watch.assert_clean()


def test_sortable_table_and_copy_button(make_page, live_server, seeded_live) -> None:
    page = make_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(live_server.url + "/models/mlabonne/Beyonder-4x7B-v2/lineage/")
    table = page.locator("[data-testid=license-table]")
    header = table.locator("th", has_text="Model")
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    names = table.locator("tbody tr td:first-child").all_inner_texts()
    assert names == sorted(names, key=str.lower)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert table.locator("tbody tr td:first-child").all_inner_texts() == sorted(names, key=str.lower, reverse=True)
    page.goto(live_server.url + "/models/mlabonne/Beyonder-4x7B-v2/")
    page.click("[data-copy-target=model-repo-id]")
    page.wait_for_selector("[data-copy-target=model-repo-id].copied")
    assert page.evaluate("navigator.clipboard.readText()") == "mlabonne/Beyonder-4x7B-v2"
    page.watch.assert_clean()


def test_small_screen_menu(make_page, live_server, seeded_live) -> None:
    page = make_page(width=390, height=844)
    page.goto(live_server.url + "/models/")
    nav = page.locator("#site-nav")
    assert not nav.is_visible()
    page.click("[data-menu-toggle]")
    assert nav.is_visible() and page.get_attribute("[data-menu-toggle]", "aria-expanded") == "true"
    screenshot(page, "catalog-mobile-menu")
    page.keyboard.press("Escape")
    assert not nav.is_visible()
    page.goto(live_server.url + "/")
    wait_for_charts(page)
    screenshot(page, "home-mobile")
    page.watch.assert_clean()


def test_skip_link_moves_focus_to_the_content(page, live_server, seeded_live) -> None:
    page.goto(live_server.url + "/models/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.watch.assert_clean()


def login(page, live_server, django_user_model) -> None:
    """Sign in as a curator who is not staff: the site's own sign-in page, not the admin's."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("curator", "curator@example.org", "curator-pass-789")
    user.user_permissions.add(Permission.objects.get(codename="add_sourcedocument"))
    page.goto(live_server.url + "/imports/new/")
    page.wait_for_url("**/accounts/login/**")
    assert "sign in with a curator account" in page.content()
    screenshot(page, "login")
    page.fill("#id_username", "curator")
    page.fill("#id_password", "curator-pass-789")
    page.click("form[data-testid=login-form] button[type=submit]")
    page.wait_for_url("**/imports/new/")


def test_upload_a_card_and_watch_it_complete(page, live_server, seeded_live, django_user_model) -> None:
    from conftest import SEEDS

    login(page, live_server, django_user_model)
    screenshot(page, "import-form")
    card = next(SEEDS.glob("003_*.txt")).read_text().replace("| 65.27   |", "| 65.30   |")
    page.set_input_files("input[type=file]", files=[{"name": "openhermes-v2.md", "mimeType": "text/markdown",
                                                     "buffer": card.encode()}])
    page.click("form[data-testid=import-form] button[type=submit]")
    page.wait_for_url("**/imports/*/")
    page.wait_for_selector("[data-testid=job-status]:has-text('Done')", timeout=20_000)
    items = page.locator("[data-job-items]")
    assert items.get_by_text("Updated (new version)").count() == 1
    assert items.locator("a", has_text="orangetin/OpenHermes-Mixtral-8x7B").count() == 1
    screenshot(page, "import-done")
    page.watch.assert_clean()


def test_job_page_follows_progress_live(page, live_server, seeded_live, django_user_model) -> None:
    """The page is opened while the job is queued; a worker (here: the test) then runs it, and
    the page's polling script turns the badge, counts and rows over without a reload."""
    from catalog.services.imports import DocumentInput, create_import_job, run_import_job
    from conftest import SEEDS

    documents = [DocumentInput(name=p.name, content=p.read_text()) for p in sorted(SEEDS.glob("*.txt"))[:2]]
    documents.append(DocumentInput(name="broken.md", content=""))
    job = create_import_job(documents, via="paste", label="live progress", enqueue=False)
    page.goto(live_server.url + job.get_absolute_url())
    assert page.locator("[data-testid=job-status]").inner_text() == "Queued"
    page.evaluate("window.__sameDocument = true")  # survives only if the page is never reloaded
    run_import_job(job.pk)
    page.wait_for_selector("[data-testid=job-status]:has-text('Done')", timeout=20_000)
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator("[data-count=processed]").inner_text() == "3 / 3"
    assert page.locator("[data-count=failed]").inner_text() == "1"
    assert page.locator("tr[data-item='2'] [data-item-status]").inner_text() == "Failed"
    assert page.locator("tr[data-item='2'] [data-item-details]").inner_text().strip() != ""
    assert page.locator("[data-item-model] a").count() == 2
    screenshot(page, "import-live")
    page.watch.assert_clean()


def test_board_charts_arrive_after_the_table_for_its_filters_and_follow_the_theme(page, live_server,
                                                                                  seeded_live) -> None:
    page.goto(live_server.url + "/leaderboards/open-llm-v1/?params_min=20")
    wait_for_charts(page)
    # One drawn chart per figure the endpoint has data for; placeholders without data are gone.
    expected = page.evaluate("""async () => Object.keys(await (await fetch(
        document.querySelector('[data-figures-url]').getAttribute('data-figures-url'))).json())""")
    assert expected and "top" in expected
    drawn = page.evaluate("""() => [...document.querySelectorAll('.plotly-chart')]
        .map(el => el.getAttribute('data-figure').replace('chart-', ''))""")
    assert drawn == expected
    # The filter reached the charts: every model in the top chart is one of the table's rows.
    top = page.evaluate("document.querySelector('[data-figure=chart-top]').data[0].y")
    rows = page.locator("table.board tbody tr td:nth-child(2) a").all_inner_texts()
    assert top and set(top) <= set(rows)
    page.click("[data-theme-toggle]")
    page.wait_for_function(
        "document.querySelector('[data-figure=chart-top]')._fullLayout.font.color === '#e6e9ee'", timeout=5_000)
    page.watch.assert_clean()
