"""The review UI and the HTML digest in a real browser: Debian's chromium driven by Playwright, never a download.

The app runs for real (uvicorn in a thread, 127.0.0.1, a free port) over a temp SQLite seeded with real texts.
Without /usr/bin/chromium these tests FAIL in CI (CI set) and skip, saying why, on a developer machine.
Screenshots go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.config import Settings
from crawler.digest.run import produce_digest
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Article
from tests.digest_seed import DAY, NOW, PREFIXED_ARABIC, PREFIXED_HEBREW, XSS_TITLE, seed_store
from tests.localsite import free_port

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
STARTUP_TIMEOUT_S = 20


def _unavailable() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"playwright for Python not importable: {error}"
    return None


def _require_browser() -> None:
    reason = _unavailable()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    print(f"skipping browser tests: {reason}")
    pytest.skip(reason)


@dataclass
class Live:
    base: str
    sessions: Any
    ids: dict[str, int]
    settings: Settings


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    _require_browser()
    import uvicorn

    from crawler.web import create_app

    root = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{root / 'coverwatch.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    ids = seed_store(sessions)
    settings = Settings.model_validate(
        {"storage": {"url": url}, "topic": {"threshold": 0.5}, "digest": {"output_dir": str(root / "digests")}}
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="coverwatch-ui", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the review UI did not start")
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", sessions, ids, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture(scope="module")
def browser(live: Live) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    tab = context.new_page()
    tab.dialogs = []  # type: ignore[attr-defined]
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    try:
        yield tab
    finally:
        context.close()


def _row_ids(page: Any) -> set[int]:
    return {int(value) for value in page.eval_on_selector_all("li.row", "rows => rows.map(r => r.dataset.articleId)")}


def _search(page: Any, query: str) -> None:
    page.fill("header form.search input[name=q]", query)
    with page.expect_navigation():
        page.press("header form.search input[name=q]", "Enter")


def test_queue_filter_search_open_and_mark_reviewed(live: Live, page: Any) -> None:
    ids = live.ids
    page.goto(live.base + "/")
    assert page.title().startswith("Review queue")
    rows = _row_ids(page)
    assert {ids[k] for k in ("ynet", "inss", "alaalem", "khanadeq", "tass", "kommersant", "xss")} <= rows
    ynet_row = page.locator(f'li.row[data-article-id="{ids["ynet"]}"] .body')
    assert ynet_row.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.locator(f'li.row[data-article-id="{ids["tass"]}"] .body').evaluate("e => getComputedStyle(e).direction") == "ltr"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-queue.png"), full_page=True)

    # A filter: only Arabic.
    page.select_option("form#filters select[name=language]", "ar")
    with page.expect_navigation():
        page.click("form#filters #apply")
    assert "language=ar" in page.url
    arabic = _row_ids(page)
    assert {ids["alaalem"], ids["khanadeq"]} <= arabic and ids["ynet"] not in arabic and ids["tass"] not in arabic

    # Search a Hebrew and an Arabic word that the texts carry only with a prefix.
    for (word, key) in (PREFIXED_HEBREW, PREFIXED_ARABIC):
        _search(page, word)
        found = _row_ids(page)
        assert ids[key] in found, word
        highlighted = page.eval_on_selector_all(f'li.row[data-article-id="{ids[key]}"] mark', "ms => ms.map(m => m.textContent)")
        assert word in highlighted, (word, highlighted)

    # Open the article and mark it reviewed: persisted in the database.
    _search(page, PREFIXED_HEBREW[0])
    with page.expect_navigation():
        page.click(f'li.row[data-article-id="{ids["ynet"]}"] a.title')
    assert page.inner_text("h1.article-title") == "הפגישה של פוטין עם שורדי השבי"
    assert page.locator("#article").evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.locator("a.original").get_attribute("href") == "https://www.ynet.co.il/news/article/seed001"
    with page.expect_navigation():
        page.click("#article form button.act-reviewed")
    assert page.locator("#article").get_attribute("data-review-status") == "reviewed"
    with live.sessions() as session:
        assert session.get(Article, ids["ynet"]).review_status == "reviewed"  # type: ignore[union-attr]
    page.screenshot(path=str(ARTIFACTS / "article-reviewed.png"), full_page=True)


def test_stored_script_and_onerror_payloads_never_run(live: Live, page: Any) -> None:
    ids = live.ids
    for path in ("/", f"/article/{ids['xss']}", "/search?q=Putin", "/health", "/?outlet=xss-test"):
        page.goto(live.base + path)
        page.wait_for_load_state("load")
        assert page.evaluate("() => typeof window.__xss") == "undefined", path
        assert page.evaluate("() => document.querySelectorAll('script, [onerror], [onload], svg').length") == 0, path
    page.goto(live.base + f"/article/{ids['xss']}")
    assert page.inner_text("h1.article-title") == XSS_TITLE  # shown as text, exactly as stored
    assert "not a web link" in page.inner_text("#article")  # the javascript: URL is not clickable
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_html_digest_directions_per_item_and_screenshot(live: Live, page: Any) -> None:
    outcome = produce_digest(live.settings, live.sessions, day=DAY, now=NOW, formats=["html"])
    path = outcome.paths["html"]
    page.goto(path.resolve().as_uri())
    # file:// has no Content-Security-Policy: this checks the digest's own escaping.
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.evaluate("() => document.querySelectorAll('script, [onerror], [onload], svg').length") == 0
    directions = page.eval_on_selector_all(
        ".item[data-lang]", "items => items.map(i => [i.dataset.lang, getComputedStyle(i).direction, getComputedStyle(i).textAlign])"
    )
    languages = {lang for lang, _, _ in directions}
    assert {"he", "ar", "en", "ru"} <= languages
    for lang, computed, align in directions:
        expected = "rtl" if lang in ("he", "ar") else "ltr"
        assert computed == expected, (lang, computed)
        assert align == ("right" if expected == "rtl" else "left"), (lang, align)
    # Titles are isolated: a Hebrew title's <bdi> resolves to rtl inside its item, English ones to ltr.
    title_dirs = {
        tuple(pair)
        for pair in page.eval_on_selector_all(
            ".item[data-lang] h3 bdi", "bs => bs.map(b => [b.closest('.item').dataset.lang, getComputedStyle(b).direction])"
        )
    }
    assert ("he", "rtl") in title_dirs and ("en", "ltr") in title_dirs
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"digest-{outcome.data.day}.png"), full_page=True)
    assert (ARTIFACTS / f"digest-{outcome.data.day}.png").stat().st_size > 10_000
    assert page.dialogs == []  # type: ignore[attr-defined]
