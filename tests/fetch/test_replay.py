"""Offline replay: the unchanged spiders answered from a WARC archive through Scrapy's normal machinery."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from crawler.fetch.archive import WarcIndex, write_warc
from storage.db import make_engine, make_session_factory
from storage.models import Article, CrawlRun, Failure

REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    env = {"COVERWATCH_DB_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)


def test_replay_stores_the_captured_ynetnews_article(tmp_path: Path, demo_archive: Path) -> None:
    db = tmp_path / "replay.db"
    result = _run(["crawl", "ynetnews", "--replay", str(demo_archive)], db)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "crawl summary" in result.stdout
    sessions = make_session_factory(make_engine(f"sqlite:///{db}"))
    with sessions() as session:
        article = session.scalars(select(Article).where(Article.outlet == "ynetnews")).one()
        run = session.scalars(select(CrawlRun)).one()
    assert article.url == "https://www.ynetnews.com/article/byv0vcw55"  # utm_* and #rssom dropped
    assert article.title == "Turkey reportedly nabs Iran cell plotting to harm Israelis"
    assert article.published_at is not None and article.published_at.date().isoformat() == "2022-06-23"
    assert article.language == "en" and article.status == "full" and len(article.text) > 1000
    assert article.discovered_via == ["rss"]
    assert run.outcome == "finished" and run.new_articles == 1 and run.stats.get("replay/hit", 0) >= 2


def test_url_missing_from_the_archive_is_a_counted_failure(tmp_path: Path) -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Recorded</title><link>https://www.ynetnews.com/article/recorded1</link></item>"
        "<item><title>Never recorded</title><link>https://www.ynetnews.com/article/missing1</link></item>"
        "</channel></rss>"
    ).encode()
    article = (REPO / "tests/fixtures/outlets/ynetnews/article_byv0vcw55.html").read_bytes()
    archive = tmp_path / "archive"
    responses = [(f"https://www.ynetnews.com/Integration/StoryRss{n}.xml", 200, [("Content-Type", "application/rss+xml")], feed) for n in (3082, 1854, 2)]
    responses.append(("https://www.ynetnews.com/article/recorded1", 200, [("Content-Type", "text/html; charset=utf-8")], article))
    write_warc(archive / "a.warc.gz", responses)
    assert len(WarcIndex.load([archive])) == 4
    db = tmp_path / "replay.db"
    result = _run(["crawl", "ynetnews", "--replay", str(archive)], db)
    assert result.returncode == 0, result.stderr[-3000:]
    sessions = make_session_factory(make_engine(f"sqlite:///{db}"))
    with sessions() as session:
        failures = list(session.scalars(select(Failure)))
        run = session.scalars(select(CrawlRun)).one()
        stored = {a.url: a.status for a in session.scalars(select(Article))}
    assert [f.reason for f in failures] == ["not_in_archive"]
    assert failures[0].url == "https://www.ynetnews.com/article/missing1"
    assert run.outcome == "partial" and run.stats["replay/missing"] == 1
    # The recorded page declares rel=canonical .../byv0vcw55 on its own site: that is the article's identity.
    assert stored["https://www.ynetnews.com/article/byv0vcw55"] == "full"
    assert stored["https://www.ynetnews.com/article/missing1"] == "metadata_only"  # the feed's title is kept, marked


def test_replay_of_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = _run(["crawl", "ynetnews", "--replay", str(tmp_path / "nope")], tmp_path / "x.db")
    assert result.returncode == 2
    assert "--replay" in result.stderr and "Traceback" not in result.stderr


def test_archive_is_loaded_once_per_process_until_it_changes(tmp_path: Path) -> None:
    """Every spider of a replayed run shares one loaded archive; a rewritten archive is read again."""
    import os

    archive = tmp_path / "archive"
    page = [("https://www.ynetnews.com/article/one", 200, [("Content-Type", "text/html")], b"<html>one</html>")]
    write_warc(archive / "a.warc.gz", page)
    first = WarcIndex.shared([archive])
    assert WarcIndex.shared([archive]) is first and len(first) == 1
    write_warc(archive / "a.warc.gz", page + [("https://www.ynetnews.com/article/two", 200, [], b"two")])
    stat = (archive / "a.warc.gz").stat()
    os.utime(archive / "a.warc.gz", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a later version of the file
    again = WarcIndex.shared([archive])
    assert again is not first and again.lookup("GET", "https://www.ynetnews.com/article/two") is not None
