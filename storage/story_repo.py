"""Stories in the store: each article's story and evidence, the (key, day) candidate index, analysts'
splits and merges. The linking decision itself is crawler.stories (pure); this module only reads and writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session, load_only

from crawler.stories.features import StoryFeatures, extract_features, features_from_json, features_to_json
from crawler.stories.lexicon import Lexicon
from crawler.stories.link import DEFAULT_RULES, Candidate, LinkingRules, anchor_days, decide
from storage.models import Article, StoryKey, StoryLink


def _now() -> datetime:
    return datetime.now(timezone.utc)


# Built once: expanding parameters keep SQLAlchemy from compiling a new IN list for every report.
_SHARED = func.count()
_DATED_CANDIDATES = (
    select(StoryKey.article_id, _SHARED)
    .where(StoryKey.key.in_(bindparam("keys", expanding=True)), StoryKey.day.in_(bindparam("days", expanding=True)))
    .group_by(StoryKey.article_id).order_by(_SHARED.desc(), StoryKey.article_id.desc()).limit(bindparam("limit"))
)
_UNDATED_CANDIDATES = (
    select(StoryKey.article_id, _SHARED)
    .where(StoryKey.key.in_(bindparam("keys", expanding=True)), StoryKey.day.is_(None))
    .group_by(StoryKey.article_id).order_by(_SHARED.desc(), StoryKey.article_id.desc()).limit(bindparam("limit"))
)
_CANDIDATE_LINKS = select(StoryLink.article_id, StoryLink.story_id, StoryLink.features).where(
    StoryLink.article_id.in_(bindparam("ids", expanding=True))
)


@dataclass
class StoredCandidates:
    """crawler.stories.link.CandidateSource over the story_keys index: one grouped, indexed query per report."""

    session: Session

    def candidates(self, keys: list[str], days: list[date | None], limit: int) -> list[Candidate]:
        if not keys:
            return []
        dated = [day for day in days if day is not None]
        statement = _DATED_CANDIDATES if dated else _UNDATED_CANDIDATES
        params: dict[str, Any] = {"keys": keys, "limit": limit, **({"days": dated} if dated else {})}
        ids = [article_id for article_id, _ in self.session.execute(statement, params)]
        if not ids:
            return []
        links = {article_id: (story_id, features)
                 for article_id, story_id, features in self.session.execute(_CANDIDATE_LINKS, {"ids": ids})}
        return [Candidate(features_from_json(links[i][1]), str(links[i][0])) for i in ids if i in links]

    def add(self, features: StoryFeatures, story: str, keys: list[str], days: list[date | None]) -> None:
        article_id = int(features.id)
        self.session.add(StoryLink(article_id=article_id, story_id=int(story), features=features_to_json(features),
                                   evidence=None, linked_at=_now(), pinned=False))
        self.session.add_all([StoryKey(key=key[:120], day=day, article_id=article_id)
                              for day in dict.fromkeys(days) for key in dict.fromkeys(keys)])


def link_article(
    session: Session, article_id: int, *, language: str | None, title: str | None, text: str,
    published: datetime | None, url: str | None, lexicon: Lexicon, rules: LinkingRules = DEFAULT_RULES,
) -> int:
    """Give a newly stored article its story (an existing one, or its own) and index it; returns the story id."""
    if session.get(StoryLink, article_id) is not None:
        return session.get(StoryLink, article_id).story_id  # type: ignore[union-attr]
    features = extract_features(str(article_id), language or "", title, text, published, lexicon, url=url)
    source = StoredCandidates(session)
    decision, keys = decide(features, source, lexicon, rules)
    story = int(decision.story) if decision.story is not None else article_id
    source.add(features, str(story), keys, anchor_days(features))
    if decision.evidence is not None:
        session.flush()
        session.execute(update(StoryLink).where(StoryLink.article_id == article_id)
                        .values(evidence=decision.evidence.as_json()))
    return story


def stories_of(session: Session, article_ids: list[int]) -> dict[int, int]:
    """article id -> story id, for the articles that have one."""
    if not article_ids:
        return {}
    rows = session.execute(select(StoryLink.article_id, StoryLink.story_id).where(StoryLink.article_id.in_(article_ids)))
    return {article_id: story_id for article_id, story_id in rows}


@dataclass(frozen=True)
class StoryReport:
    article: Article
    evidence: dict[str, Any] | None
    pinned: bool


def story_reports(session: Session, story_id: int) -> list[StoryReport]:
    """The reports of one story, earliest first, each with the evidence that linked it."""
    rows = session.execute(
        select(Article, StoryLink).join(StoryLink, StoryLink.article_id == Article.id).where(StoryLink.story_id == story_id)
    ).all()
    reports = [StoryReport(article, link.evidence, link.pinned) for article, link in rows]
    return sorted(reports, key=lambda r: (r.article.published_at or r.article.first_seen, r.article.id))


def story_size(session: Session, story_id: int) -> int:
    """How many reports a story has, counted in ix_story_links_story_id (its reports are not loaded)."""
    return int(session.scalar(select(func.count()).select_from(StoryLink).where(StoryLink.story_id == story_id)) or 0)


def story_of(session: Session, article_id: int) -> int | None:
    link = session.get(StoryLink, article_id)
    return link.story_id if link else None


def merge_stories(session: Session, keep: int, other: int) -> int:
    """An analyst's merge: every report of `other` joins `keep`, pinned so no later linking undoes it."""
    if keep == other:
        return 0
    result = session.execute(
        update(StoryLink).where(StoryLink.story_id.in_([keep, other]))
        .values(story_id=keep, pinned=True)
    )
    session.execute(update(StoryLink).where(StoryLink.story_id == keep, StoryLink.evidence.is_(None),
                                            StoryLink.article_id != keep).values(evidence={"analyst": "merged"}))
    return int(result.rowcount or 0)


def split_article(session: Session, article_id: int) -> int | None:
    """An analyst's split: the article leaves its story and heads a story of its own, pinned.

    If it headed a story with other reports, the earliest of those becomes their new head."""
    link = session.get(StoryLink, article_id)
    if link is None:
        return None
    old_story = link.story_id
    link.story_id, link.pinned, link.evidence = article_id, True, {"analyst": "split"}
    if old_story == article_id:
        rest = [r for r in story_reports(session, old_story) if r.article.id != article_id]
        if rest:
            head = rest[0].article.id
            session.execute(update(StoryLink).where(StoryLink.article_id.in_([r.article.id for r in rest]))
                            .values(story_id=head))
    session.flush()
    return article_id


def mark_story(session: Session, story_id: int, status: str) -> int:
    """Set the review status of every report of a story (marking a story reviewed marks its reports)."""
    ids = select(StoryLink.article_id).where(StoryLink.story_id == story_id)
    result = session.execute(update(Article).where(Article.id.in_(ids)).values(review_status=status))
    return int(result.rowcount or 0)


def forget_article(session: Session, article_id: int) -> None:
    session.execute(delete(StoryKey).where(StoryKey.article_id == article_id))
    session.execute(delete(StoryLink).where(StoryLink.article_id == article_id))


def members_of(session: Session, story_ids: list[int]) -> list[tuple[int, Article]]:
    """(story id, article) for every report of the given stories, earliest first.

    Only what names and links a report is loaded (a story can gather reports over months: their texts, PDFs
    and signatures would be read for nothing)."""
    if not story_ids:
        return []
    rows = session.execute(
        select(StoryLink.story_id, Article).join(Article, Article.id == StoryLink.article_id)
        .options(load_only(Article.id, Article.outlet, Article.url, Article.title, Article.language, Article.first_seen))
        .where(StoryLink.story_id.in_(story_ids)).order_by(Article.published_at, Article.id)
    ).all()
    return [(story_id, article) for story_id, article in rows]
