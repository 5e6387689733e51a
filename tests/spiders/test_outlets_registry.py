"""One test over the whole outlet registry: every outlet, built-in or config-only, proves its fixtures.

For each outlet of `all_outlets(load_settings("coverwatch.toml"))` the folder tests/fixtures/outlets/<fixture_dir or
name>/ must hold a README.md (provenance) and an expected.json naming:
- listings: a recorded listing answer (feed, sitemap, API JSON, section page), the outlet source that requests it
  (by URL), and what parsing it must give: at least one lead matching the outlet's article pattern (unless
  `min_leads` says otherwise), given titles decoded correctly, follow-up requests (`children`);
- articles: a recorded article page (or publication PDF), extracted with crawler.extract.article.extract_document under
  the outlet's own hints and language: title, date (UTC day) and language exact, body by must-contain and
  must-not-contain snippets. An article page must be one the outlet's listings lead to (or, with `followed_from`,
  the PDF the outlet's `pdf_link_xpath` finds on that page);
- blocked_article: a refusal page and the block reason it must produce.
An outlet whose spider is not NewsSpider (Wikipedia) needs its fixture folder; its own tests check the content.
A declared outlet without fixtures fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from crawler.discover.blocking import detect_block
from crawler.config import load_settings
from crawler.extract.article import ExtractionHints, extract_document
from crawler.textnorm import fold_whitespace
from crawler.dedup.urls import canonical_url, url_key
from spiders.outlet import Outlet
from spiders.registry import all_outlets
from spiders.sources import ListingRequest, RSSFeed

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
OUTLET_FIXTURES = FIXTURES / "outlets"
NEWS_SPIDER = "spiders.base.NewsSpider"
REGISTRY = all_outlets(load_settings(REPO / "coverwatch.toml", environ={}))


def fixture_dir(outlet: Outlet) -> Path:
    return OUTLET_FIXTURES / (outlet.fixture_dir or outlet.name)


def _charset(content_type: str) -> str | None:
    if "charset=" not in content_type.lower():
        return None
    return content_type.lower().split("charset=", 1)[1].split(";")[0].strip() or None


def _source_for(outlet: Outlet, url: str) -> Any:
    for source in outlet.sources:
        if any(request.url == url for request in source.listing_requests()):
            return source
    requested = [request.url for source in outlet.sources for request in source.listing_requests()]
    raise AssertionError(f"{outlet.name}: no source of the outlet requests {url}; it requests {requested}")


def _key(url: str) -> str:
    return url_key(canonical_url(url))


def _check_listing(outlet: Outlet, folder: Path, spec: dict[str, Any]) -> set[str]:
    source = _source_for(outlet, spec["source_url"])
    body = (folder / spec["file"]).read_bytes()
    result = source.parse(body, spec.get("response_url") or spec["source_url"], _charset(spec.get("content_type", "")))
    articles = [lead for lead in result.leads if outlet.is_article_url(lead.url)]
    minimum = spec.get("min_leads", 1)
    assert len(articles) >= minimum, (
        f"{outlet.name}: {spec['file']} gave {len(articles)} article leads (of {len(result.leads)}), expected >= {minimum}"
    )
    titles = {lead.title for lead in result.leads}
    for title in spec.get("titles", []):
        assert title in titles, f"{outlet.name}: {spec['file']}: title {title!r} not among {sorted(t or '' for t in titles)}"
    children = [f"{c.method} {c.url}" if isinstance(c, ListingRequest) else f"GET {c}" for c in result.children]
    for child in spec.get("children", []):
        assert child in children, f"{outlet.name}: {spec['file']}: follow-up {child!r} not among {children}"
    return {_key(lead.url) for lead in result.leads}


def _check_article(outlet: Outlet, folder: Path, spec: dict[str, Any], listed: set[str]) -> None:
    name, label = outlet.name, spec["file"]
    data = (folder / spec["file"]).read_bytes()
    if "followed_from" in spec:
        assert outlet.pdf_link_xpath, f"{name}: {label} is followed from a page, but the outlet declares no pdf_link_xpath"
        page_url = next(a["url"] for a in _expected(outlet)["articles"] if a["file"] == spec["followed_from"])
        tree = lxml_html.fromstring((folder / spec["followed_from"]).read_bytes(), base_url=page_url)
        tree.make_links_absolute(page_url)
        links = [str(href) for href in tree.xpath(outlet.pdf_link_xpath)]
        assert spec["url"] in links, f"{name}: pdf_link_xpath finds {links} on {spec['followed_from']}, not {spec['url']}"
    else:
        assert _key(spec["url"]) in listed, f"{name}: {label} ({spec['url']}) is not a lead of any of the outlet's listings"
        assert outlet.is_article_url(spec["url"]), f"{name}: {spec['url']} does not match the outlet's article pattern"
    hints = ExtractionHints(**outlet.extraction_hints) if outlet.extraction_hints else None
    article = extract_document(data, spec["url"], content_type=spec.get("content_type"), hints=hints, declared_language=outlet.language)
    if "title" in spec:
        assert article.title == spec["title"], f"{name}: {label}: title {article.title!r}"
    if "date" in spec:
        value = article.published.value
        assert value is not None, f"{name}: {label}: no publication date found"
        assert value.date().isoformat() == spec["date"], f"{name}: {label}: date {value.isoformat()} ({article.published.source})"
    if "language" in spec:
        assert article.language == spec["language"], f"{name}: {label}: language {article.language!r}"
    text = fold_whitespace(article.text)
    assert text, f"{name}: {label}: empty body ({article.extraction_method}; {article.warnings})"
    for snippet in spec.get("must_contain", []):
        assert fold_whitespace(snippet) in text, f"{name}: {label}: body lacks {snippet!r}"
    for snippet in spec.get("must_not_contain", []):
        assert fold_whitespace(snippet) not in text, f"{name}: {label}: body contains page chrome {snippet!r}"


def _expected(outlet: Outlet) -> dict[str, Any]:
    return json.loads((fixture_dir(outlet) / "expected.json").read_text(encoding="utf-8"))


def check_outlet_fixtures(outlet: Outlet) -> None:
    """Raise AssertionError, naming the outlet and the problem, unless its fixtures prove it works."""
    folder = fixture_dir(outlet)
    if outlet.spider != NEWS_SPIDER:
        # Its own spider class and tests (e.g. tests/discover/test_wikipedia.py); here: fixtures exist at all.
        candidates = [folder, FIXTURES / (outlet.fixture_dir or outlet.name)]
        assert any(c.is_dir() and any(p.is_file() for p in c.rglob("*")) for c in candidates), (
            f"{outlet.name}: no fixture folder ({' or '.join(str(c.relative_to(REPO)) for c in candidates)})"
        )
        return
    assert folder.is_dir(), f"{outlet.name}: no fixture folder {folder.relative_to(REPO)}"
    assert (folder / "README.md").is_file(), f"{outlet.name}: {folder.relative_to(REPO)} has no README.md (provenance)"
    assert (folder / "expected.json").is_file(), f"{outlet.name}: {folder.relative_to(REPO)} has no expected.json"
    expected = _expected(outlet)
    assert expected.get("listings"), f"{outlet.name}: expected.json names no listing fixture"
    listed: set[str] = set()
    for spec in expected["listings"]:
        listed |= _check_listing(outlet, folder, spec)
    articles = expected.get("articles", [])
    if not articles:
        assert not outlet.fetch_articles and expected.get("metadata_only"), (
            f"{outlet.name}: expected.json names no article fixture (only metadata-only outlets may do without)"
        )
    for spec in articles:
        _check_article(outlet, folder, spec, listed)
    blocked = expected.get("blocked_article")
    if blocked:
        body = (folder / blocked["file"]).read_bytes()
        assert detect_block(blocked["status"], body, "text/html; charset=utf-8") == blocked["reason"]


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_outlet_fixtures(name: str) -> None:
    check_outlet_fixtures(REGISTRY[name])


def test_the_registry_holds_every_outlet_the_issue_names() -> None:
    named = {
        "inss", "ynet", "ynetnews", "tass_com", "tass_ru", "reuters", "alaalem", "alkhanadeq", "google_news", "gdelt",
        "timesofisrael", "moscowtimes", "meduza_ru", "meduza_en", "aljazeera_en", "aljazeera_ar", "ria", "un_press",
    }
    assert named <= set(REGISTRY)
    assert all(REGISTRY[name].enabled for name in named)


def test_an_outlet_without_fixtures_fails_the_check() -> None:
    ghost = Outlet(name="ghost", title="Ghost", language="en", domains=("ghost.example",), sources=(RSSFeed("https://ghost.example/feed"),))
    with pytest.raises(AssertionError, match="no fixture folder"):
        check_outlet_fixtures(ghost)


def test_a_wrong_expectation_fails_the_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check is not vacuous: a copy of real fixtures with one wrong snippet fails it."""
    import shutil

    source = fixture_dir(REGISTRY["tass_com"])
    copy = tmp_path / "tass_com"
    shutil.copytree(source, copy)
    expected = json.loads((copy / "expected.json").read_text(encoding="utf-8"))
    expected["articles"][0]["must_not_contain"].append("Lavrov")
    (copy / "expected.json").write_text(json.dumps(expected), encoding="utf-8")
    monkeypatch.setitem(globals(), "OUTLET_FIXTURES", tmp_path)  # fixture_dir() reads it at call time
    with pytest.raises(AssertionError, match="page chrome 'Lavrov'"):
        check_outlet_fixtures(REGISTRY["tass_com"])
