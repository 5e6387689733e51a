"""A known article that later answers 404 is marked taken down (with a version saying so), over real HTTP."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from storage.db import make_engine, make_session_factory
from storage.models import Article
from storage.repo import utcnow
from tests.fetch.test_http_crawl import FIXTURES, _config, _crawl


def test_404_on_a_known_article_marks_it_taken_down(tmp_path: Path, local_site) -> None:  # type: ignore[no-untyped-def]
    site = local_site
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Turkey reportedly nabs Iran cell</title>'
        f"<link>{site.base}/articles/1</link><pubDate>Thu, 23 Jun 2022 15:59:24 +0300</pubDate></item></channel></rss>"
    )
    site.add("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    site.add("/feed.xml", feed, content_type="application/rss+xml")
    article = site.add("/articles/1", (FIXTURES / "outlets/ynetnews/article_byv0vcw55.html").read_bytes())
    config = _config(tmp_path, site.base)
    assert _crawl(config).returncode == 0
    sessions = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'cw.db'}"))
    with sessions.begin() as session:  # the article is young but was last checked hours ago: due for a recheck
        session.execute(update(Article).values(last_checked=utcnow() - timedelta(hours=7)))
    article.status = 404
    result = _crawl(config)
    assert result.returncode == 0, result.stderr[-2000:]
    assert site.hits["/articles/1"] == 2
    with sessions() as session:
        stored = session.query(Article).one()
        assert stored.taken_down_at is not None
        assert stored.versions[-1].kind == "takedown" and "404" in stored.versions[-1].change_summary["summary"]
        assert stored.text  # the last good text is kept for the analyst
