"""The digest's change sections: edits and take-downs of articles shown before, and Wikipedia revisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from crawler.digest.data import ChangeNote, WikiChange
from crawler.digest.reads import HEAVY_COLUMNS, is_wiki, within_window
from crawler.digest.snippet import direction
from crawler.digest.window import Window
from storage.models import Article, ArticleVersion, Digest
from storage.wiki_repo import FIRST_SIGHT


def changes(session: Session, window: Window, threshold: float, titles: Mapping[str, str]) -> tuple[ChangeNote, ...]:
    """Edits and take-downs, in this window, of articles an earlier digest showed (or would have)."""
    # The window's versions first, through their time index; their articles then by primary key. (Left to
    # the planner, `first_seen < window.start` can read the whole store through ix_articles_first_seen.)
    in_window = list(
        session.scalars(
            select(ArticleVersion.id).where(ArticleVersion.kind.in_(("edit", "takedown")), within_window(ArticleVersion.fetched_at, window))
        )
    )
    if not in_window:
        return ()  # most windows: then the earlier digests' article lists are not read either
    rows = session.execute(
        select(ArticleVersion, Article)
        .join(Article, Article.id == ArticleVersion.article_id)
        .options(*HEAVY_COLUMNS, defer(ArticleVersion.text))
        .where(
            ArticleVersion.id.in_(in_window),
            Article.first_seen < window.start,
            ~is_wiki(),
        )
        .order_by(ArticleVersion.fetched_at.desc(), ArticleVersion.id.desc())
    ).all()
    # Which of the few edited articles an earlier digest showed is decided here, not by binding every id the
    # digests of a year listed into the query.
    def relevant(article: Article) -> bool:
        return article.relevance_score is not None and article.relevance_score >= threshold

    shown_before = _shown_before(session, window, {article.id for _, article in rows if not relevant(article)})
    notes = []
    for version, article in rows:
        if not relevant(article) and article.id not in shown_before:
            continue
        title = version.title or article.title or article.url
        summary = (version.change_summary or {}).get("summary") or ("taken down" if version.kind == "takedown" else "edited")
        notes.append(
            ChangeNote(
                article_id=article.id, title=title, url=article.url, outlet=article.outlet,
                outlet_title=titles.get(article.outlet, article.outlet), language=article.language,
                direction=direction(article.language, title), kind=version.kind, at=version.fetched_at, summary=str(summary),
            )
        )
    return tuple(notes)


def _shown_before(session: Session, window: Window, wanted: set[int]) -> set[int]:
    """Those of `wanted` that a digest of another window listed."""
    found: set[int] = set()
    if not wanted:
        return found
    for ids in session.scalars(select(Digest.article_ids).where(Digest.window != window.key)):
        found.update(i for i in ids or [] if isinstance(i, int) and i in wanted)
    return found


def describe_wiki_change(lang: str, change_summary: Mapping[str, Any], user: str | None, comment: str | None = None) -> str:
    """"ar: +2 paragraphs, edited by X (“comment”)": crawler.discover.wikipedia's wording when that module exists, else our own."""
    text = None
    try:
        from crawler.discover.wikipedia import describe_change
    except ImportError:
        describe_change = None  # type: ignore[assignment]
    if describe_change is not None:
        try:
            text = str(describe_change(lang, dict(change_summary), user))
        except (KeyError, TypeError, ValueError, AttributeError):
            text = None
    if text is None:
        text = _fallback_wiki_description(lang, change_summary, user)
    return f"{text} (“{comment.strip()}”)" if comment and comment.strip() else text


def _fallback_wiki_description(lang: str, change_summary: Mapping[str, Any], user: str | None) -> str:
    parts = []
    for key, sign, noun in (("paragraphs_added", "+", "paragraph"), ("paragraphs_removed", "−", "paragraph"),
                            ("sentences_added", "+", "sentence"), ("sentences_removed", "−", "sentence")):
        value = change_summary.get(key)
        count = len(value) if isinstance(value, list) else value
        if isinstance(count, int) and count:
            parts.append(f"{sign}{count} {noun}{'s' if count != 1 else ''}")
    if not parts and change_summary.get("summary"):
        parts.append(str(change_summary["summary"]))
    delta = change_summary.get("size_delta")
    if not parts and isinstance(delta, int):
        parts.append(f"minor edit ({delta:+,} bytes)")
    return f"{lang}: {', '.join(parts) or 'edited'}, edited by {user or 'a hidden editor'}"


def wiki_changes(session: Session, window: Window) -> tuple[WikiChange, ...]:
    """Revisions of watched Wikipedia pages learned in the window (and related pages found in it).

    Windowed on when coverwatch stored them, not on the revision time: every revision then appears in exactly
    one digest even after downtime (a watcher that was off for a day catches up into the next digest).
    """
    rows = session.execute(
        select(ArticleVersion, Article)
        .join(Article, Article.id == ArticleVersion.article_id)
        .options(*HEAVY_COLUMNS, defer(ArticleVersion.text))
        .where(ArticleVersion.kind.in_(("revision", "first")), is_wiki(), within_window(ArticleVersion.fetched_at, window))
    )
    changes = []
    for version, article in rows:
        if (version.change_summary or {}).get(FIRST_SIGHT):
            continue  # the history fetched at a watcher's first sight of a page is its baseline, not a change
        lang = article.wiki_lang or article.language or "?"
        title = version.title or article.title or article.url
        if version.kind == "first":
            description = f"{lang}: new related article found"
        else:
            description = describe_wiki_change(lang, version.change_summary or {}, version.revision_user, version.revision_comment)
        changes.append(
            WikiChange(
                article_id=article.id, lang=lang, title=title, url=article.url, direction=direction(lang, title),
                at=version.revision_timestamp or version.fetched_at, user=version.revision_user or "", description=description,
                revision_id=version.revision_id,
            )
        )
    changes.sort(key=lambda change: (change.at, change.article_id, change.revision_id or 0), reverse=True)
    return tuple(changes)
