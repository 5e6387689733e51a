"""The article reader of the review UI: one article highlighted, its version diffs, and the review and note writes."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.digest.data import Segment
from crawler.digest.snippet import direction, highlight, valid_spans
from crawler.web.queries import HEAVY_COLUMNS, outlet_titles
from storage.models import Article, ArticleVersion

REVIEW_ACTIONS = ("reviewed", "dismissed", "new", "star", "unstar")
# Notes are an analyst's remarks, not documents.
NOTE_MAX_CHARS = 5_000
# A diff longer than this is summarised: the reader wants what changed, not the whole article twice.
DIFF_MAX_LINES = 200


def paragraphs(segments: Sequence[Segment]) -> list[list[Segment]]:
    """Split highlighted text into paragraphs at line breaks, keeping highlights."""
    result: list[list[Segment]] = [[]]
    for segment in segments:
        pieces = segment.text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                result.append([])
            if piece:
                result[-1].append(Segment(piece, segment.hit))
    return [paragraph for paragraph in result if "".join(s.text for s in paragraph).strip()]


@dataclass
class VersionView:
    version: ArticleVersion
    diff: list[tuple[str, str]] = field(default_factory=list)  # (kind: add|del|ctx|hunk, line)
    truncated: bool = False
    title_change: tuple[str, str] | None = None


def _diff(old: str, new: str) -> tuple[list[tuple[str, str]], bool]:
    lines: list[tuple[str, str]] = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "ctx")
        lines.append((kind, line[1:] if kind != "hunk" else "…"))
    return lines[:DIFF_MAX_LINES], len(lines) > DIFF_MAX_LINES


def version_views(versions: Sequence[ArticleVersion]) -> list[VersionView]:
    views = []
    previous: ArticleVersion | None = None
    for version in versions:
        view = VersionView(version)
        if previous is not None and version.kind not in ("takedown",):
            if (previous.title or "") != (version.title or ""):
                view.title_change = (previous.title or "", version.title or "")
            if version.text and previous.text != version.text:
                view.diff, view.truncated = _diff(previous.text or "", version.text)
        if version.kind != "takedown":
            previous = version
        views.append(view)
    return list(reversed(views))


@dataclass
class ArticleView:
    article: Article
    direction: str
    title: tuple[Segment, ...]
    lead: tuple[Segment, ...]
    paragraphs: list[list[Segment]]
    matches: list[Mapping[str, Any]]
    versions: list[VersionView]
    original: Article | None
    carriers: list[Article]
    outlet_titles: dict[str, str]


def article_view(session: Session, article_id: int) -> ArticleView | None:
    article = session.get(Article, article_id, options=HEAVY_COLUMNS)
    if article is None:
        return None
    matches = [m for m in article.relevance_matches or [] if isinstance(m, Mapping)]
    title = article.title or article.url
    fields = {"title": title, "lead": article.lead or "", "text": article.text or ""}
    spans = valid_spans(fields, matches)
    original = session.get(Article, article.duplicate_of_id, options=HEAVY_COLUMNS) if article.duplicate_of_id else None
    root_id = original.id if original is not None else article.id
    carriers = list(
        session.scalars(
            select(Article).options(*HEAVY_COLUMNS).where(Article.duplicate_of_id == root_id, Article.id != article.id).order_by(Article.first_seen)
        )
    )
    versions = list(session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article.id).order_by(ArticleVersion.version_no)))
    return ArticleView(
        article=article,
        direction=direction(article.language, title),
        title=highlight(title, spans.get("title", [])),
        lead=highlight(fields["lead"], spans.get("lead", [])),
        paragraphs=paragraphs(highlight(fields["text"], spans.get("text", []))),
        matches=matches,
        versions=version_views(versions),
        original=original,
        carriers=carriers,
        outlet_titles=outlet_titles(session),
    )


def set_review(session: Session, article_id: int, action: str) -> bool:
    article = session.get(Article, article_id, options=HEAVY_COLUMNS)
    if article is None or action not in REVIEW_ACTIONS:
        return False
    if action == "star":
        article.starred = True
    elif action == "unstar":
        article.starred = False
    else:
        article.review_status = action  # "dismissed" only hides: relevance and everything else stay as they are
    return True


def set_note(session: Session, article_id: int, note: str) -> bool:
    article = session.get(Article, article_id, options=HEAVY_COLUMNS)
    if article is None:
        return False
    article.note = note[:NOTE_MAX_CHARS]
    return True
