"""Stories in the store (SQLite and PostgreSQL): linking through the index, evidence, split/merge persisting,
a story marked reviewed marks its reports, and the digest showing one entry per story."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from crawler.stories.lexicon import default_lexicon
from storage import repo, story_repo
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Article

STORY_SET = Path(__file__).resolve().parents[2] / "bench" / "data" / "stories" / "story_groups.jsonl"


def _real(story_id: str) -> dict:
    rows = [json.loads(line) for line in STORY_SET.read_text(encoding="utf-8").splitlines()]
    return next(row for row in rows if row["id"] == story_id)


def _store(session, row: dict, outlet: str) -> int:  # type: ignore[no-untyped-def]
    published = datetime.fromisoformat(row["published_at"])
    record = repo.ArticleRecord(url_key=row["id"], url=f"https://{outlet}.example/{row['id']}", outlet=outlet,
                                title=row["title"] or row["text"][:80], text=row["text"], language=row["lang"],
                                published_at=published, relevance_score=0.9, relevant=True)
    article_id = repo.store_article(session, record).article_id
    story_repo.link_article(session, article_id, language=row["lang"], title=record.title, text=row["text"],
                            published=published, url=record.url, lexicon=default_lexicon())
    return article_id


def test_link_split_merge_and_review_persist(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        toi = _store(session, _real("l-toi-en"), "timesofisrael")
        wiki = _store(session, _real("l-wiki-ar"), "wikipedia")
        other = _store(session, _real("x-toi-two-hostages-en"), "timesofisrael")
    with sessions() as session:
        assert story_repo.story_of(session, wiki) == toi == story_repo.story_of(session, toi)
        assert story_repo.story_of(session, other) == other
        reports = story_repo.story_reports(session, toi)
        assert [r.article.id for r in reports] == [toi, wiki]
        assert story_repo.story_size(session, toi) == 2 and story_repo.story_size(session, other) == 1
        assert "lavrov" in reports[1].evidence["actors"]
    with sessions.begin() as session:
        assert story_repo.mark_story(session, toi, "reviewed") == 2
    with sessions.begin() as session:
        story_repo.split_article(session, wiki)
    with sessions.begin() as session:
        story_repo.merge_stories(session, toi, other)
    with sessions() as session:
        statuses = dict(session.execute(select(Article.id, Article.review_status)).all())
        assert statuses[toi] == statuses[wiki] == "reviewed" and statuses[other] == "new"
        assert story_repo.story_of(session, wiki) == wiki
        assert story_repo.story_of(session, other) == toi
        assert all(r.pinned for r in story_repo.story_reports(session, toi))
    engine.dispose()


def test_candidates_come_from_the_index_on_nearby_days(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    row = _real("l-toi-en")
    with sessions.begin() as session:
        first = _store(session, row, "timesofisrael")
        # The same words a month later: never a candidate, so a story of its own.
        later = dict(row, id="later", published_at=(datetime.fromisoformat(row["published_at"]) + timedelta(days=30)).isoformat())
        second = _store(session, later, "palestinechronicle")
    with sessions() as session:
        source = story_repo.StoredCandidates(session)
        day = datetime.fromisoformat(row["published_at"]).astimezone(timezone.utc).date()
        found = source.candidates(["a:lavrov"], [day], 10)
        assert [c.features.id for c in found] == [str(first)]
        assert story_repo.story_of(session, second) == second
    engine.dispose()
