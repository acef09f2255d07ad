"""Headless Chromium (Debian's package) driven by Playwright against pytest-django's live server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 # Containers often give /dev/shm 64 MB, too little for a renderer; QUIC would try UDP.
                 "--disable-dev-shm-usage", "--disable-quic"]

# Playwright's sync API runs an event loop in this thread; the test database is still used
# synchronously from the test body, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        message = "Chromium is not installed: the browser tests cannot run (install Debian's 'chromium')."
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageWatch:
    """Records every request, failure and console error of a page."""

    def __init__(self, page, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def assert_clean(self) -> None:
        external = [u for u in self.requests if not u.startswith(self.origin) and not u.startswith("data:")]
        assert external == [], f"external requests: {external}"
        assert self.failed == [], f"failed requests: {self.failed}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"


@pytest.fixture
def make_page(browser, live_server):
    """Pages in fresh browser contexts (own storage), each watched for requests and console errors."""
    contexts = []

    def make(*, width: int = 1366, height: int = 900, color_scheme: str = "light", **options):
        context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=color_scheme,
                                      **options)
        contexts.append(context)
        page = context.new_page()
        page.watch = PageWatch(page, live_server.url)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(make_page):
    return make_page()


@pytest.fixture
def seeded_live(transactional_db):
    from catalog.services.imports import import_document
    from conftest import SEEDS
    from evals.services.scoring import score_models
    from evals.services.reference import sync_reference_data as sync_benchmarks
    from hardware.services.fit import compute_requirements
    from hardware.services.reference import sync_reference_data as sync_gpus

    # Transactional tests flush every table between tests, reference data from migrations included.
    sync_benchmarks()
    sync_gpus()
    for path in sorted(SEEDS.glob("*.txt")):
        import_document(path.read_bytes(), origin=f"seeds/{path.name}")
    score_models(None)
    compute_requirements(None)


def screenshot(page, name: str) -> None:
    """The whole page, plus the first screen on its own (long pages shrink to nothing when viewed whole)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-top.png"), full_page=False)
