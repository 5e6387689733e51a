"""Build the digest data from the database: which articles, folded how, and what the digest could not see.

`build_digest` only reads. Everything it returns is plain data (crawler.digest.data), so rendering, hashing
and sending never touch the database, and the same database state always gives the same digest.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.config import Settings
from crawler.digest.changes import changes, wiki_changes
from crawler.digest.data import Carrier, DigestData, DigestGroup, DigestItem
from crawler.digest.health import health
from crawler.digest.reads import HEAVY_COLUMNS, is_wiki, within_window
from crawler.digest.snippet import direction, matched_terms, snippet, title_segments
from crawler.digest.stories import fold_stories
from crawler.digest.window import Window, current_day, day_window, since_window
from storage.models import Article, ArticleVersion, Source

# Used when neither the settings nor the topic profile can say (the profile format's own default).
DEFAULT_THRESHOLD = 0.5
# Near misses are a hint list, not a second digest: the best few are enough to spot a mis-tuned threshold.
NEAR_MISS_LIMIT = 20
# A duplicate chain longer than this is a data error; stop rather than loop.
MAX_DUPLICATE_DEPTH = 8
# Story grouping links two actors; these groups name a side only generically, so a specific actor wins.
GENERIC_GROUPS = frozenset({"russia", "russian_adjective", "moscow", "hamas"})


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def resolve_threshold(settings: Settings) -> float:
    """settings.topic.threshold, else the topic profile's own, else DEFAULT_THRESHOLD."""
    if settings.topic.threshold is not None:
        return settings.topic.threshold
    try:
        from crawler.relevance.assess import load_profile

        return float(load_profile(settings.topic.profile).threshold)
    except (ImportError, OSError, ValueError, AttributeError):
        return DEFAULT_THRESHOLD


def resolve_window(settings: Settings, day: date | None, since: datetime | None, now: datetime) -> Window:
    if since is not None:
        return since_window(since, now, settings.digest)
    return day_window(day or current_day(now, settings.digest), settings.digest)


def build_digest(
    session: Session,
    settings: Settings,
    day: date | None = None,
    since: datetime | None = None,
    now: datetime | None = None,
) -> DigestData:
    """The digest of digest-day `day` (default: the day in progress), or of [since, now) when `since` is given."""
    now = now or utcnow()
    window = resolve_window(settings, day, since, now)
    threshold = resolve_threshold(settings)
    floor = max(0.0, round(threshold - settings.topic.near_miss_margin, 6))
    titles = {source.name: source.title or source.name for source in session.scalars(select(Source))}
    items = fold_stories(session, _items(session, window, threshold, titles), titles)
    shown = {item.article_id for item in items} | {c.article_id for item in items for c in item.also_in}
    health_rows, sources_ok = health(session, settings, window, now)
    return DigestData(
        day=window.day.isoformat(),
        window_key=window.key,
        start=window.start,
        end=window.end,
        timezone=settings.digest.timezone,
        complete=window.complete(now),
        since=window.since,
        threshold=threshold,
        near_miss_floor=floor,
        group_by=settings.digest.group_by,
        groups=_group(items, settings.digest.group_by, titles, _group_labels(settings)),
        changes=changes(session, window, threshold, titles),
        wiki_changes=wiki_changes(session, window),
        near_misses=_near_misses(session, window, threshold, floor, titles, shown),
        health=health_rows,
        sources_ok=sources_ok,
    )


# --- items ------------------------------------------------------------------------------------------------


def _carrier(article: Article, titles: Mapping[str, str]) -> Carrier:
    return Carrier(
        article_id=article.id, outlet=article.outlet, outlet_title=titles.get(article.outlet, article.outlet),
        url=article.url, title=article.title or article.url, language=article.language, first_seen=article.first_seen,
    )


def make_item(
    article: Article,
    titles: Mapping[str, str],
    *,
    also_in: Sequence[Carrier] = (),
    copy_of: Carrier | None = None,
    edited: bool = False,
) -> DigestItem:
    """One digest item from one stored article; `edited`: the outlet edited it (see edited_ids)."""
    matches = [match for match in (article.relevance_matches or []) if isinstance(match, Mapping)]
    title = article.title or article.url
    fields = {"title": title, "lead": article.lead or "", "text": article.text or ""}
    return DigestItem(
        article_id=article.id,
        title=title,
        title_segments=title_segments(title, matches),
        url=article.url,
        outlet=article.outlet,
        outlet_title=titles.get(article.outlet, article.outlet),
        language=article.language,
        direction=direction(article.language, title + " " + fields["lead"][:200]),
        published_at=article.published_at,
        published_uncertain=bool(article.published_uncertain),
        published_offset_minutes=article.published_offset_minutes,
        published_date_only=bool(article.published_date_only),
        first_seen=article.first_seen,
        status=article.status,
        score=round(float(article.relevance_score or 0.0), 4),
        snippet=snippet(fields, matches),
        matched_terms=matched_terms(matches),
        explanation=article.relevance_explanation or "",
        also_in=tuple(also_in),
        copy_of=copy_of,
        edited=edited,
        taken_down=article.taken_down_at is not None,
        story=story_key(matches),
    )


def edited_ids(session: Session, articles: Iterable[Article]) -> set[int]:
    """The articles the outlet edited, in one query over the versions of those with more than one (not the
    versions' texts, per article). Only a real edit counts: a lead-only row later completed with its full text
    was not edited by the outlet."""
    candidates = sorted({article.id for article in articles if (article.version_count or 1) > 1})
    if not candidates:
        return set()
    return set(session.scalars(
        select(ArticleVersion.article_id).where(ArticleVersion.article_id.in_(candidates), ArticleVersion.kind == "edit").distinct()
    ))


def _load_originals(session: Session, known: dict[int, Article]) -> None:
    """Add to `known` the originals its duplicates point at outside it: one query per level of the chains."""
    for _ in range(MAX_DUPLICATE_DEPTH):
        missing = sorted({a.duplicate_of_id for a in known.values() if a.duplicate_of_id is not None} - known.keys())
        if not missing:
            return
        loaded = list(session.scalars(select(Article).options(*HEAVY_COLUMNS).where(Article.id.in_(missing))))
        if not loaded:
            return
        known.update((article.id, article) for article in loaded)


def _root(article: Article, known: Mapping[int, Article]) -> Article:
    """Follow duplicate_of_id to the story's original, as far as `known` reaches."""
    current = article
    for _ in range(MAX_DUPLICATE_DEPTH):
        parent_id = current.duplicate_of_id
        if parent_id is None or parent_id == current.id or parent_id not in known:
            return current
        current = known[parent_id]
    return current


def _items(session: Session, window: Window, threshold: float, titles: Mapping[str, str]) -> list[DigestItem]:
    in_window = within_window(Article.first_seen, window)
    candidates = list(
        session.scalars(
            select(Article)
            .options(*HEAVY_COLUMNS)
            .where(in_window, Article.relevance_score >= threshold, ~is_wiki())
            .order_by(Article.id)
        )
    )
    known = {article.id: article for article in candidates}
    _load_originals(session, known)
    clusters: dict[int, dict[int, Article]] = defaultdict(dict)
    roots: dict[int, Article] = {}
    for article in candidates:
        root = _root(article, known)
        roots[root.id] = root
        clusters[root.id][article.id] = article
    # Copies of these stories seen in the window fold in whatever their own score (a wire copy is the same story).
    if roots:
        for copy in session.scalars(
            select(Article).options(*HEAVY_COLUMNS).where(in_window, Article.duplicate_of_id.in_(sorted(roots)))
        ):
            clusters[copy.duplicate_of_id or copy.id].setdefault(copy.id, copy)
    chosen = []
    for root_id, members in clusters.items():
        root = roots[root_id]
        root_in_window = window.start <= root.first_seen < window.end
        if root_in_window:
            members.setdefault(root.id, root)
        relevant = [m for m in members.values() if (m.relevance_score or 0.0) >= threshold]
        if root_in_window and (root.relevance_score or 0.0) >= threshold:
            primary = root
        else:
            primary = min(relevant, key=lambda m: (-(m.relevance_score or 0.0), m.first_seen, m.id))
        others = sorted((m for m in members.values() if m.id != primary.id), key=lambda m: (m.first_seen, m.id))
        chosen.append((primary, others, None if root_in_window else _carrier(root, titles)))
    edited = edited_ids(session, [primary for primary, _, _ in chosen])
    items = [
        make_item(primary, titles, also_in=[_carrier(m, titles) for m in others], copy_of=copy_of, edited=primary.id in edited)
        for primary, others, copy_of in chosen
    ]
    items.sort(key=lambda item: (item.sort_time, item.article_id), reverse=True)
    return items


# --- grouping ---------------------------------------------------------------------------------------------


def _group_labels(settings: Settings) -> dict[str, str]:
    """Topic group id -> a readable name (its first English alias), for story labels."""
    try:
        from crawler.relevance.assess import load_profile

        profile = load_profile(settings.topic.profile)
    except (ImportError, OSError, ValueError, AttributeError):
        return {}
    labels = {}
    groups = getattr(profile, "groups", {})
    for group in groups.values() if isinstance(groups, Mapping) else groups:
        english = [alias.term for alias in getattr(group, "aliases", ()) if getattr(alias, "lang", "") == "en"]
        labels[group.id] = english[0] if english else group.id
    return labels


def story_key(matches: Iterable[Mapping[str, Any]]) -> tuple[str, str]:
    """The pair of actors an article links, e.g. ("lavrov", "haniyeh"): its story, across languages.

    Per side, the most-mentioned specific actor wins over a generic one ("Russia", "Hamas").
    """
    counts: dict[str, Counter[str]] = {"russia": Counter(), "hamas": Counter()}
    for match in matches:
        side, group = match.get("side"), match.get("group")
        if side in counts and isinstance(group, str):
            counts[side][group] += 1
    chosen = []
    for side in ("russia", "hamas"):
        ranked = sorted(counts[side].items(), key=lambda kv: (kv[0] in GENERIC_GROUPS, -kv[1], kv[0]))
        chosen.append(ranked[0][0] if ranked else side)
    return chosen[0], chosen[1]


def _group(items: list[DigestItem], group_by: str, titles: Mapping[str, str], labels: Mapping[str, str]) -> tuple[DigestGroup, ...]:
    """Groups in order of their newest item; items newest first inside each group."""
    buckets: dict[str, list[DigestItem]] = defaultdict(list)
    names: dict[str, str] = {}
    for item in items:
        if group_by == "story":
            pair = item.story
            key = "|".join(pair)
            names[key] = " – ".join(labels.get(part, part.replace("_", " ").title()) for part in pair)
        else:
            key = item.outlet
            names[key] = titles.get(item.outlet, item.outlet)
        buckets[key].append(item)
    ordered = sorted(buckets.items(), key=lambda kv: (kv[1][0].sort_time, kv[1][0].article_id), reverse=True)
    return tuple(DigestGroup(key=key, label=names[key], items=tuple(members)) for key, members in ordered)


# --- near misses --------------------------------------------------------------------------------------------


def _near_misses(
    session: Session, window: Window, threshold: float, floor: float, titles: Mapping[str, str], shown: set[int]
) -> tuple[DigestItem, ...]:
    if floor >= threshold:
        return ()
    rows = session.scalars(
        select(Article)
        .options(*HEAVY_COLUMNS)
        .where(
            within_window(Article.first_seen, window),
            Article.relevance_score >= floor,
            Article.relevance_score < threshold,
            Article.duplicate_of_id.is_(None),
            ~is_wiki(),
        )
        .order_by(Article.relevance_score.desc(), Article.id.desc())
        .limit(NEAR_MISS_LIMIT)
    )
    misses = [article for article in rows if article.id not in shown]
    edited = edited_ids(session, misses)
    return tuple(make_item(article, titles, edited=article.id in edited) for article in misses)
