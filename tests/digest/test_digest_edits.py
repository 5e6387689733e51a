"""What the digest calls an edit, and language codes normalised at storage time."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from crawler.digest.query import edited_ids
from crawler.discover.feeds import Lead
from crawler.model import DateEvidence, ExtractedArticle
from crawler.fetch.processing import ArticleProcessor
from spiders.registry import all_outlets
from storage import repo
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Article

TEXT = "Lavrov received a Hamas delegation in Moscow on Thursday. The talks covered the hostages held in Gaza."


def _sessions(url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    upgrade(engine)
    return make_session_factory(engine)


def test_completed_text_is_not_an_edit_but_a_changed_text_is(sqlite_url: str) -> None:
    sessions = _sessions(sqlite_url)
    base = dict(url_key="k", url="https://tass.com/world/1", outlet="tass_com", title="Lavrov meets Hamas")
    with sessions.begin() as session:
        repo.store_article(session, repo.ArticleRecord(**base, text="", status="metadata_only"))
    with sessions.begin() as session:
        repo.store_article(session, repo.ArticleRecord(**base, text=TEXT, content_hash="h1"))
    with sessions() as session:
        article = session.scalars(select(Article)).one()
        assert article.version_count == 2 and edited_ids(session, [article]) == set()
    with sessions.begin() as session:
        repo.store_article(session, repo.ArticleRecord(**base, text=TEXT + " Moscow later denied it.", content_hash="h2"))
    with sessions() as session:
        article = session.scalars(select(Article)).one()
        assert edited_ids(session, [article]) == {article.id}


def test_feed_language_codes_are_stored_as_iso_639_1(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings()
    processor = ArticleProcessor(settings, _sessions(settings.storage.url))
    outlet = all_outlets(settings)["google_news"]
    for url, raw, expected in (("https://news.google.com/rss/articles/a", "iw", "he"), ("https://news.google.com/rss/articles/b", "en-US", "en")):
        lead = Lead(url=url, route="google_news", title=f"Hamas and Russia {raw}", language=raw)
        article = ExtractedArticle(url=url, title=lead.title, language=raw, published=DateEvidence(datetime.now(timezone.utc), "feed"))
        stored = processor.store(outlet, lead, article, status="metadata_only")
        with processor.sessions() as session:
            assert session.get(Article, stored.article_id).language == expected  # type: ignore[union-attr]
