"""The real spider over real HTTP on 127.0.0.1: robots.txt, conditional GET, retries, bot walls, encodings.

Each crawl runs as `python -m crawler.cli.app crawl` in a subprocess (Scrapy's reactor cannot restart in-process),
exactly as the scheduler runs it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from storage.db import make_engine, make_session_factory
from storage.models import Article, CrawlRun, Failure

FIXTURES = Path(__file__).parent.parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


def _feed(base: str) -> str:
    items = [
        ("Turkey reportedly nabs Iran cell plotting to harm Israelis", "/articles/1?utm_source=rss", "Thu, 23 Jun 2022 15:59:24 +0300"),
        ("Retry me", "/articles/2", "Thu, 23 Jun 2022 16:00:00 +0300"),
        ("Behind a bot wall", "/articles/3", "Thu, 23 Jun 2022 16:01:00 +0300"),
        ("Robots say no", "/private/4", "Thu, 23 Jun 2022 16:02:00 +0300"),
        ("פוטין הודה לחמאס", "/articles/5", "Sun, 16 Feb 2025 09:30:00 +0200"),
    ]
    body = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link><description>Lead of {title}</description><pubDate>{date}</pubDate></item>"
        for title, path, date in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>local</title>{body}</channel></rss>'


def _config(tmp_path: Path, base: str) -> Path:
    config = tmp_path / "coverwatch.toml"
    config.write_text(
        f"""
[storage]
url = "sqlite:///{tmp_path / 'cw.db'}"
[crawl]
download_delay = 0
autothrottle_start_delay = 0
retry_times = 2
[outlets.localnews]
title = "Local test outlet"
language = "en"
article_url_pattern = '/(articles|private)/\\d+'
sources = [{{kind = "rss", url = "{base}/feed.xml"}}]
""",
        encoding="utf-8",
    )
    return config


def _crawl(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "localnews", "--config", str(config)],
        capture_output=True, text=True, cwd=REPO, timeout=180,
    )


def test_real_http_crawl(tmp_path: Path, local_site) -> None:  # type: ignore[no-untyped-def]
    site = local_site
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.add("/feed.xml", _feed(site.base), content_type="application/rss+xml", etag='"feed-v1"')
    site.add("/articles/1", (FIXTURES / "outlets/ynetnews/article_byv0vcw55.html").read_bytes())
    site.add("/articles/2", (FIXTURES / "outlets/ynetnews/article_byv0vcw55.html").read_bytes().replace(b"Turkey reportedly", b"Retried: Turkey reportedly"), statuses=[503])
    site.add("/articles/3", (FIXTURES / "listings/he_israelhayom_antibot_challenge.html").read_bytes(), status=403)
    site.add("/private/4", "<html><body>secret</body></html>")
    site.add("/articles/5", (FIXTURES / "http/he_windows1255_article.html").read_bytes(), content_type="text/html; charset=windows-1255")
    config = _config(tmp_path, site.base)

    first = _crawl(config)
    assert first.returncode == 0, first.stderr[-3000:]
    assert site.hits["/private/4"] == 0, "robots.txt must be obeyed"
    assert site.hits["/articles/2"] == 2, "a 503 must be retried"
    hits_after_first = dict(site.hits)

    sessions = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'cw.db'}"))
    with sessions() as session:
        articles = {a.url: a for a in session.scalars(select(Article))}
        failures = {(f.reason, f.url.rsplit("/", 2)[-2] + "/" + f.url.rsplit("/", 1)[-1]) for f in session.scalars(select(Failure))}
        run = session.scalars(select(CrawlRun)).one()
    by_path = {url.split("127.0.0.1:")[1].split("/", 1)[1]: article for url, article in articles.items()}
    assert by_path["articles/1"].status == "full"
    assert "Turkey" in by_path["articles/1"].title
    assert "utm_source" not in by_path["articles/1"].url  # tracking parameters are not identity
    assert by_path["articles/2"].status == "full" and "Retried" in by_path["articles/2"].text + (by_path["articles/2"].title or "")
    hebrew = by_path["articles/5"]
    assert hebrew.language == "he" and "פוטין" in hebrew.text and "חמאס" in hebrew.text  # decoded from windows-1255
    assert by_path["articles/3"].status == "lead_only"  # the bot wall leaves the feed's title + lead, marked
    assert ("robots_disallowed", "private/4") in failures
    assert any(reason.startswith("blocked") and path == "articles/3" for reason, path in failures)
    assert run.outcome == "partial" and run.blocked >= 1 and run.failures >= 2
    assert run.responses_by_status.get("503") == 1

    second = _crawl(config)
    assert second.returncode == 0, second.stderr[-3000:]
    assert site.hits["/feed.xml"] == hits_after_first["/feed.xml"] + 1
    conditional = [headers for method, path, headers in site.request_log if path == "/feed.xml"][-1]
    assert conditional.get("If-None-Match") == '"feed-v1"'  # revalidated, answered 304
    for path in ("/articles/1", "/articles/2", "/articles/5"):
        assert site.hits[path] == hits_after_first[path], f"{path} fetched twice"
    with sessions() as session:
        runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        assert runs[-1].stats.get("listing/not_modified") == 1
        assert session.query(Article).count() == len(articles)

    # The feed changes (new ETag, full 200 answer): known articles are still not downloaded again.
    site.routes["/feed.xml"].etag = '"feed-v2"'
    third = _crawl(config)
    assert third.returncode == 0, third.stderr[-3000:]
    for path in ("/articles/1", "/articles/2", "/articles/5"):
        assert site.hits[path] == hits_after_first[path], f"{path} fetched again although stored"
    with sessions() as session:
        last = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        assert last.stats.get("articles/known_skipped", 0) >= 3
        assert session.query(Article).count() == len(articles)
