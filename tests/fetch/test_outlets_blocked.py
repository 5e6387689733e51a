"""Refusals end as *blocked*, never as an empty success: Reuters' DataDome 401, tass.ru's StormWall 403, robots.txt.

The real spiders run through crawler.fetch.runner.run_crawl against the recorded archive (scripts/build_archive.py, the
`demo_archive` fixture) on a temporary SQLite database; each crawl is a subprocess because Scrapy's reactor cannot
restart within one process. The assertions read the failures, crawl_runs and articles tables.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawler.fetch.archive import write_warc
from storage.db import make_engine, make_session_factory
from storage.models import Article, CrawlRun, Failure

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
RUN_CRAWL = """
import json, sys
from pathlib import Path
from crawler.config import load_settings
from crawler.fetch.runner import run_crawl
from spiders.registry import select_outlets
settings = load_settings(sys.argv[1])
reports = run_crawl(settings, select_outlets(settings, sys.argv[3:]), replay=[Path(sys.argv[2])])
print(json.dumps([report.__dict__ for report in reports]))
"""
REUTERS_STORIES = {
    "https://www.reuters.com/world/middle-east/putin-cautions-israel-against-using-tactics-gaza-like-nazi-siege-leningrad-2023-10-13/":
        "Putin cautions Israel against using tactics in Gaza like Nazi siege of Leningrad",
    "https://www.reuters.com/world/russia-calls-international-monitoring-mission-gaza-2023-12-10/":
        "Russia calls for international monitoring mission in Gaza",
    "https://www.reuters.com/world/middle-east/israeli-tank-likely-scenario-fired-machine-gun-reporters-after-deadly-shelling-2024-03-07/":
        "Israeli tank 'likely' fired machine gun at reporters after deadly shelling, report finds",
}


def _crawl(tmp_path: Path, archive: Path, *outlets: str) -> tuple[list[dict[str, Any]], Any]:
    db = tmp_path / "blocked.db"
    config = tmp_path / "coverwatch.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", RUN_CRAWL, str(config), str(archive), *outlets],
        capture_output=True, text=True, cwd=REPO, timeout=240, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    reports = json.loads(result.stdout.strip().splitlines()[-1])
    return reports, make_session_factory(make_engine(f"sqlite:///{db}"))


@pytest.fixture(scope="module")
def walled_run(tmp_path_factory: pytest.TempPathFactory, demo_archive: Path) -> tuple[dict[str, str], Any]:
    """One replayed crawl of the two walled outlets: {source: outcome}, and the database's session factory."""
    reports, sessions = _crawl(tmp_path_factory.mktemp("walled"), demo_archive, "reuters", "tass_ru")
    return {report["source"]: report["outcome"] for report in reports}, sessions


def test_reuters_challenge_is_blocked_with_metadata_only_records(walled_run: tuple[dict[str, str], Any]) -> None:
    outcomes, sessions = walled_run
    with sessions() as session:
        run = session.scalars(select(CrawlRun).where(CrawlRun.source == "reuters")).one()
        failures = list(session.scalars(select(Failure).where(Failure.source == "reuters")))
        articles = list(session.scalars(select(Article).where(Article.outlet == "reuters")))
    assert outcomes["reuters"] == "blocked"
    assert run.outcome == "blocked" and run.blocked == 3 and run.new_articles >= 3
    assert {(f.url, f.reason, f.http_status) for f in failures} == {(url, "blocked:datadome", 401) for url in REUTERS_STORIES}
    by_url = {a.url: a for a in articles}
    for url, title in REUTERS_STORIES.items():
        stored = by_url[url]
        assert (stored.status, stored.title) == ("metadata_only", title) and "news_sitemap" in stored.discovered_via
        assert stored.published_at is not None and not stored.text
    assert not [a for a in articles if a.status == "full"]
    # The site: query's Reuters item is the same story as a sitemap entry: one row, found both ways, under its
    # real URL (the opaque Google News link is kept as an alias). Its TASS item is not Reuters coverage.
    assert not [a for a in articles if a.discovered_via == ["google_news"]]
    both = [a for a in articles if set(a.discovered_via) == {"google_news", "news_sitemap"}]
    assert len(both) == 1 and both[0].url in REUTERS_STORIES
    assert run.stats.get("leads/other_publisher") == 1


def test_tass_ru_403_is_blocked_with_lead_only_articles(walled_run: tuple[dict[str, str], Any]) -> None:
    outcomes, sessions = walled_run
    with sessions() as session:
        run = session.scalars(select(CrawlRun).where(CrawlRun.source == "tass_ru")).one()
        failures = list(session.scalars(select(Failure).where(Failure.source == "tass_ru")))
        articles = {a.url: a for a in session.scalars(select(Article).where(Article.outlet == "tass_ru"))}
    assert outcomes["tass_ru"] == "blocked" and run.blocked == 2
    assert sorted((f.reason, f.http_status) for f in failures) == [("blocked:stormwall", 403)] * 2
    hamas = articles["https://tass.ru/mezhdunarodnaya-panorama/19126095"]
    assert hamas.status == "lead_only" and hamas.title == "Делегация ХАМАС встретилась в Москве с замглавы МИД РФ Богдановым"
    assert hamas.text == "Стороны обсудили ситуацию в секторе Газа" and hamas.language == "ru"
    assert run.stats.get("leads/duplicate") == 1  # the search API found the feed's story again: one row, one request
    assert hamas.relevant is True  # a Russia–Hamas story, even from its feed lead alone
    assert articles["https://tass.ru/moskva/8836033"].status == "lead_only"


def test_robots_disallow_is_blocked_without_requesting_the_pages(tmp_path: Path) -> None:
    """Reuters' current robots.txt may disallow generic crawlers: then no article request is even sent."""
    sitemap_url = "https://www.reuters.com/arc/outboundfeeds/news-sitemap/?outputType=xml"
    # Constructed after research/outlets.md §5: the sitemap allowed, everything else disallowed for `*`.
    robots = b"User-agent: *\nAllow: /arc/outboundfeeds/\nDisallow: /\n"
    empty_rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>empty</title></channel></rss>'
    empty_gdelt = b'{"articles": []}'
    from spiders.registry import builtin_outlets

    reuters = builtin_outlets()["reuters"]
    others = [request.url for source in reuters.sources for request in source.listing_requests() if request.url != sitemap_url]
    responses = [
        ("https://www.reuters.com/robots.txt", 200, [("Content-Type", "text/plain")], robots),
        (sitemap_url, 200, [("Content-Type", "application/xml")], (FIXTURES / "outlets/reuters/news_sitemap.xml").read_bytes()),
        *((url, 200, [("Content-Type", "application/json" if "gdelt" in url else "application/rss+xml")], empty_gdelt if "gdelt" in url else empty_rss) for url in others),
    ]
    archive = tmp_path / "archive"
    write_warc(archive / "robots.warc.gz", responses)  # no article page recorded: a sent request would fail loudly
    reports, sessions = _crawl(tmp_path, archive, "reuters")
    with sessions() as session:
        failures = list(session.scalars(select(Failure)))
        articles = list(session.scalars(select(Article)))
    assert [r["outcome"] for r in reports] == ["blocked"]
    assert {(f.url, f.reason) for f in failures} == {(url, "robots_disallowed") for url in REUTERS_STORIES}
    assert sorted((a.url, a.status) for a in articles) == sorted((url, "metadata_only") for url in REUTERS_STORIES)
