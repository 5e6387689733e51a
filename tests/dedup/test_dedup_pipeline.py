"""Dedup and versions through the real pipeline stage (ArticleProcessor) on a real database.

URL variants fold to one row, an edit becomes a version with its summary, a syndicated copy on another outlet is
stored and linked (never lost), and the near-duplicate index (a database table) serves a restarted process.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.discover.feeds import Lead
from crawler.model import DateEvidence, ExtractedArticle
from crawler.fetch.processing import ArticleProcessor
from spiders.registry import all_outlets
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Article, ArticleVersion

FIXTURES = Path(__file__).parent.parent / "fixtures" / "dedup"
ALAALEM = (FIXTURES / "ar_alaalem_did_russia_prepare_hamas.txt").read_text(encoding="utf-8")
YNET = (FIXTURES / "he_ynet_putin_thanks_hamas.txt").read_text(encoding="utf-8")
PUBLISHED = DateEvidence(datetime(2023, 10, 20, 9, 0, tzinfo=timezone.utc), "jsonld")


@pytest.fixture
def setup(make_settings, db_url):  # type: ignore[no-untyped-def]
    settings = make_settings(storage={"url": db_url})
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    yield settings, sessions
    engine.dispose()


def _article(url: str, text: str, title: str = "هل أعدت روسيا حماس للهجوم على إسرائيل؟") -> ExtractedArticle:
    return ExtractedArticle(url=url, title=title, text=text, language="ar", published=PUBLISHED)


def _store(processor: ArticleProcessor, outlet_name: str, url: str, text: str, *, route: str = "rss", title: str | None = None):  # type: ignore[no-untyped-def]
    outlet = all_outlets(processor.settings)[outlet_name]
    article = _article(url, text, title) if title else _article(url, text)
    return processor.store(outlet, Lead(url=url, route=route), article, status="full")


def test_url_variants_fold_to_one_row(setup) -> None:  # type: ignore[no-untyped-def]
    settings, sessions = setup
    processor = ArticleProcessor(settings, sessions)
    urls = [
        "https://alaalem.com/index.php?aa=news&id22=73418&utm_source=rss&utm_medium=feed",
        "http://www.alaalem.com/index.php?id22=73418&aa=news#rssom",
        "https://m.alaalem.com/index.php?aa=news&id22=73418&fbclid=IwAR0abc",
    ]
    results = [_store(processor, "alaalem", url, ALAALEM, route=route) for url, route in zip(urls, ["rss", "sitemap", "google_news"])]
    assert results[0].outcome == "new" and {r.article_id for r in results} == {results[0].article_id}
    with sessions() as session:
        article = session.scalars(select(Article)).one()
    assert set(article.discovered_via) == {"rss", "sitemap", "google_news"}


def test_edit_becomes_a_version_with_summary(setup) -> None:  # type: ignore[no-untyped-def]
    settings, sessions = setup
    processor = ArticleProcessor(settings, sessions)
    url = "https://www.ynet.co.il/news/article/s1ibdii5fe"
    first = _store(processor, "ynet", url, YNET, title="פוטין הודה לחמאס")
    edited = YNET + "\nעדכון: הקרמלין מסר כי הפגישה תוכננה מראש. דובר הקרמלין סירב להגיב על דברי הנשיא."
    second = _store(processor, "ynet", url, edited, title="פוטין הודה לחמאס על השחרור")
    unchanged = _store(processor, "ynet", url, edited + "   ", title="פוטין הודה לחמאס על השחרור")
    assert (first.outcome, second.outcome, unchanged.outcome) == ("new", "updated", "unchanged")
    with sessions() as session:
        versions = list(session.scalars(select(ArticleVersion).order_by(ArticleVersion.version_no)))
    assert [v.kind for v in versions] == ["first", "edit"]
    change = versions[1].change_summary
    assert change["title_changed"] is True
    assert any("הקרמלין מסר" in sentence for sentence in change["sentences_added"])
    assert "title changed" in change["summary"] and "added" in change["summary"]


def test_syndicated_copy_on_another_outlet_is_stored_and_linked(setup) -> None:  # type: ignore[no-untyped-def]
    settings, sessions = setup
    processor = ArticleProcessor(settings, sessions)
    original = _store(processor, "alaalem", "https://alaalem.com/index.php?aa=news&id22=73418", ALAALEM)
    reprint = "نقلا عن موقع العالم\n" + ALAALEM.rsplit("\n", 3)[0] + "\nجميع الحقوق محفوظة لموقع الخنادق"
    copy = _store(processor, "alkhanadeq", "https://www.alkhanadeq.com/post/9999/reprint", reprint)
    assert copy.outcome == "new" and copy.duplicate_kind == "near"
    with sessions() as session:
        stored = session.get(Article, copy.article_id)
        assert stored is not None and stored.duplicate_of_id == original.article_id and stored.outlet == "alkhanadeq"
        assert stored.duplicate_similarity is not None and stored.duplicate_similarity > 0.7
    distinct = _store(processor, "ynet", "https://www.ynet.co.il/news/article/other1", YNET, title="פוטין הודה לחמאס")
    assert distinct.duplicate_kind is None  # same topic, different article


def test_near_duplicate_index_survives_a_restart(setup) -> None:  # type: ignore[no-untyped-def]
    settings, sessions = setup
    original = _store(ArticleProcessor(settings, sessions), "alaalem", "https://alaalem.com/index.php?aa=news&id22=73418", ALAALEM)
    restarted = ArticleProcessor(settings, sessions)  # a new process: the index is the database's table
    with sessions() as session:
        assert str(original.article_id) in restarted.near_index(session)
    copy = _store(restarted, "alkhanadeq", "https://www.alkhanadeq.com/post/1/copy", "المصدر: العالم\n" + ALAALEM)
    assert copy.duplicate_kind == "near"


def test_simultaneous_copies_on_two_writers_yield_one_original(make_settings, pg_url) -> None:  # type: ignore[no-untyped-def]
    """Two crawl nodes storing one story under two URLs at the same moment: one original, one linked copy."""
    import threading

    settings = make_settings(storage={"url": pg_url})
    engine = make_engine(pg_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    writers = [ArticleProcessor(settings, sessions) for _ in range(2)]
    khanadeq = (FIXTURES / "ar_alkhanadeq_will_russia_sacrifice_israel.txt").read_text(encoding="utf-8")
    for round_number, text in enumerate([ALAALEM, YNET, khanadeq]):  # distinct stories, one per round
        barrier = threading.Barrier(2)
        results: list = []  # type: ignore[type-arg]

        def store(index: int) -> None:
            barrier.wait()
            url = f"https://{'alaalem.com' if index == 0 else 'www.alkhanadeq.com'}/story/{round_number}-{index}"
            title = f"هل أعدت روسيا حماس للهجوم؟ ({round_number})"
            results.append(_store(writers[index], "alaalem" if index == 0 else "alkhanadeq", url, text, title=title))

        threads = [threading.Thread(target=store, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(r.duplicate_kind or "original" for r in results) == ["exact", "original"], round_number
    engine.dispose()
