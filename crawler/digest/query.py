"""Build the digest data from the database: which articles, folded how, and what the digest could not see.

`build_digest` only reads. Everything it returns is plain data (crawler.digest.data), so rendering, hashing
and sending never touch the database, and the same database state always gives the same digest.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, defer

from crawler.config import Settings
from crawler.digest.data import (
    Carrier,
    ChangeNote,
    DigestData,
    DigestGroup,
    DigestItem,
    SourceHealth,
    WikiChange,
)
from crawler.digest.snippet import direction, matched_terms, snippet, title_segments
from crawler.digest.stories import fold_stories
from crawler.digest.window import Window, current_day, day_window, since_window
from storage.models import Article, ArticleVersion, CrawlRun, Digest, Failure, HealthEvent, Source
from storage.wiki_repo import FIRST_SIGHT

# Used when neither the settings nor the topic profile can say (the profile format's own default).
DEFAULT_THRESHOLD = 0.5
# Near misses are a hint list, not a second digest: the best few are enough to spot a mis-tuned threshold.
NEAR_MISS_LIMIT = 20
# Wikipedia pages are stored as articles of this outlet; their revisions get their own section.
WIKIPEDIA_OUTLET = "wikipedia"
# A duplicate chain longer than this is a data error; stop rather than loop.
MAX_DUPLICATE_DEPTH = 8
# Story grouping links two actors; these groups name a side only generically, so a specific actor wins.
GENERIC_GROUPS = frozenset({"russia", "russian_adjective", "moscow", "hamas"})
# Health states (set by the health checks) that mean the source is not being read properly.
FAILING_STATES = frozenset({"failing", "degraded", "error", "failed", "broken"})
OK_STATES = frozenset({"ok", "healthy", "unknown"})
# Run outcomes that mean the run did not complete.
FAILED_OUTCOMES = frozenset({"failed", "interrupted"})
_HEAVY_COLUMNS = (defer(Article.pdf), defer(Article.signature))


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
    health, sources_ok = _health(session, settings, window, now)
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
        changes=_changes(session, window, threshold, titles),
        wiki_changes=_wiki_changes(session, window),
        near_misses=_near_misses(session, window, threshold, floor, titles, shown),
        health=health,
        sources_ok=sources_ok,
    )


# --- items ------------------------------------------------------------------------------------------------


def _in_window(column: Any, window: Window) -> ColumnElement[bool]:
    return (column >= window.start) & (column < window.end)


def _is_wiki() -> ColumnElement[bool]:
    return or_(Article.outlet == WIKIPEDIA_OUTLET, Article.wiki_lang.is_not(None))


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
) -> DigestItem:
    """One digest item from one stored article (also used by the review UI)."""
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
        # Only a real edit counts: a lead-only row later completed with its full text was not edited by the outlet.
        edited=(article.version_count or 1) > 1 and any(version.kind == "edit" for version in article.versions),
        taken_down=article.taken_down_at is not None,
        story=story_key(matches),
    )


def _root(article: Article, known: dict[int, Article], session: Session) -> Article:
    """Follow duplicate_of_id to the story's original (loading originals outside the window on demand)."""
    current = article
    for _ in range(MAX_DUPLICATE_DEPTH):
        parent_id = current.duplicate_of_id
        if parent_id is None or parent_id == current.id:
            return current
        parent = known.get(parent_id) or session.get(Article, parent_id, options=_HEAVY_COLUMNS)
        if parent is None:
            return current
        known[parent_id] = parent
        current = parent
    return current


def _items(session: Session, window: Window, threshold: float, titles: Mapping[str, str]) -> list[DigestItem]:
    in_window = _in_window(Article.first_seen, window)
    candidates = list(
        session.scalars(
            select(Article)
            .options(*_HEAVY_COLUMNS)
            .where(in_window, Article.relevance_score >= threshold, ~_is_wiki())
            .order_by(Article.id)
        )
    )
    known = {article.id: article for article in candidates}
    clusters: dict[int, dict[int, Article]] = defaultdict(dict)
    roots: dict[int, Article] = {}
    for article in candidates:
        root = _root(article, known, session)
        roots[root.id] = root
        clusters[root.id][article.id] = article
    # Copies of these stories seen in the window fold in whatever their own score (a wire copy is the same story).
    if roots:
        for copy in session.scalars(
            select(Article).options(*_HEAVY_COLUMNS).where(in_window, Article.duplicate_of_id.in_(sorted(roots)))
        ):
            clusters[copy.duplicate_of_id or copy.id].setdefault(copy.id, copy)
    items = []
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
        copy_of = None if root_in_window else _carrier(root, titles)
        items.append(make_item(primary, titles, also_in=[_carrier(m, titles) for m in others], copy_of=copy_of))
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


# --- sections after the items -----------------------------------------------------------------------------


def _changes(session: Session, window: Window, threshold: float, titles: Mapping[str, str]) -> tuple[ChangeNote, ...]:
    """Edits and take-downs, in this window, of articles an earlier digest showed (or would have)."""
    shown_before: set[int] = set()
    for ids in session.scalars(select(Digest.article_ids).where(Digest.window != window.key)):
        shown_before.update(int(i) for i in ids or [] if isinstance(i, int))
    eligible = Article.relevance_score >= threshold
    if shown_before:
        eligible = or_(eligible, Article.id.in_(sorted(shown_before)))
    # The window's versions first, through their time index; their articles then by primary key. (Left to
    # the planner, `first_seen < window.start` can read the whole store through ix_articles_first_seen.)
    in_window = list(
        session.scalars(
            select(ArticleVersion.id).where(ArticleVersion.kind.in_(("edit", "takedown")), _in_window(ArticleVersion.fetched_at, window))
        )
    )
    if not in_window:
        return ()
    rows = session.execute(
        select(ArticleVersion, Article)
        .join(Article, Article.id == ArticleVersion.article_id)
        .options(*_HEAVY_COLUMNS, defer(ArticleVersion.text))
        .where(
            ArticleVersion.id.in_(in_window),
            Article.first_seen < window.start,
            eligible,
            ~_is_wiki(),
        )
        .order_by(ArticleVersion.fetched_at.desc(), ArticleVersion.id.desc())
    )
    notes = []
    for version, article in rows:
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


def _wiki_changes(session: Session, window: Window) -> tuple[WikiChange, ...]:
    """Revisions of watched Wikipedia pages learned in the window (and related pages found in it).

    Windowed on when coverwatch stored them, not on the revision time: every revision then appears in exactly
    one digest even after downtime (a watcher that was off for a day catches up into the next digest).
    """
    rows = session.execute(
        select(ArticleVersion, Article)
        .join(Article, Article.id == ArticleVersion.article_id)
        .options(*_HEAVY_COLUMNS, defer(ArticleVersion.text))
        .where(ArticleVersion.kind.in_(("revision", "first")), _is_wiki(), _in_window(ArticleVersion.fetched_at, window))
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


def _near_misses(
    session: Session, window: Window, threshold: float, floor: float, titles: Mapping[str, str], shown: set[int]
) -> tuple[DigestItem, ...]:
    if floor >= threshold:
        return ()
    rows = session.scalars(
        select(Article)
        .options(*_HEAVY_COLUMNS)
        .where(
            _in_window(Article.first_seen, window),
            Article.relevance_score >= floor,
            Article.relevance_score < threshold,
            Article.duplicate_of_id.is_(None),
            ~_is_wiki(),
        )
        .order_by(Article.relevance_score.desc(), Article.id.desc())
        .limit(NEAR_MISS_LIMIT)
    )
    return tuple(make_item(article, titles) for article in rows if article.id not in shown)


# --- coverage health --------------------------------------------------------------------------------------


def _health(session: Session, settings: Settings, window: Window, now: datetime) -> tuple[tuple[SourceHealth, ...], int]:
    """Sources the digest could not fully see (blocked, failing, silent, not crawled, disabled), and how many were fine."""
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    for source, outcome in session.execute(select(CrawlRun.source, CrawlRun.outcome).where(_in_window(CrawlRun.started_at, window))):
        outcomes[source][outcome] += 1
    failures: dict[str, dict[str, int]] = defaultdict(dict)
    for source, reason, count in session.execute(
        select(Failure.source, Failure.reason, func.count()).where(_in_window(Failure.at, window)).group_by(Failure.source, Failure.reason)
    ):
        failures[source][reason] = int(count)
    # Each source's newest article before the window's end: one seek in ix_articles_outlet_first_seen per
    # source, where a max() grouped by outlet would read every article ever stored.
    newest_first_seen = (
        select(Article.first_seen)
        .where(Article.outlet == Source.name, Article.first_seen < window.end)
        .order_by(Article.first_seen.desc())
        .limit(1)
        .scalar_subquery()
    )
    newest = dict(session.execute(select(Source.name, newest_first_seen)).all())
    until = min(window.end, now)
    states = _health_states(session, until)
    silent_after = timedelta(days=settings.health.silent_days_min)
    problems, ok = [], 0
    for source in session.scalars(select(Source).order_by(Source.name)):
        runs = outcomes.get(source.name, Counter())
        failed = failures.get(source.name, {})
        last_new = newest.get(source.name)
        if last_new is not None and last_new.tzinfo is None:
            last_new = last_new.replace(tzinfo=timezone.utc)
        health, reason = states.get(source.name, (source.health, source.health_reason or ""))
        problem = _classify(source.name, source.enabled, health, runs, failed, last_new, until, silent_after)
        if problem is None:
            ok += 1
            continue
        problems.append(
            SourceHealth(
                source=source.name, title=source.title or source.name, problem=problem, health=health,
                reason=reason, runs=sum(runs.values()), outcomes=dict(sorted(runs.items())),
                failures=dict(sorted(failed.items(), key=lambda kv: (-kv[1], kv[0]))), last_new_article_at=last_new,
            )
        )
    order = {"blocked": 0, "failing": 1, "errors": 2, "silent": 3, "not_crawled": 4, "disabled": 5}
    problems.sort(key=lambda row: (order.get(row.problem, 9), row.source))
    return tuple(problems), ok


def _health_states(session: Session, until: datetime) -> dict[str, tuple[str, str]]:
    """Each source's health (state, reason) as it was at `until`, from the health history.

    A digest of a past day then shows that day's health, not today's: re-running it gives the same result.
    Sources without history are absent (the caller uses their current state).
    """
    states: dict[str, tuple[str, str]] = {}
    # Two seeks per source in ix_health_events_source_at, not a read of the whole history.
    for name in session.scalars(select(Source.name)):
        last = session.scalars(
            select(HealthEvent).where(HealthEvent.source == name, HealthEvent.at < until)
            .order_by(HealthEvent.at.desc(), HealthEvent.id.desc()).limit(1)
        ).first()
        if last is not None:
            states[name] = (last.new_state, last.reason or "")
            continue
        following = session.scalars(
            select(HealthEvent).where(HealthEvent.source == name, HealthEvent.at >= until)
            .order_by(HealthEvent.at, HealthEvent.id).limit(1)
        ).first()
        if following is not None:
            states[name] = (following.old_state, "")  # the state it left after the window
    return states


def _classify(
    name: str,
    enabled: bool,
    health: str,
    runs: Counter[str],
    failures: Mapping[str, int],
    last_new: datetime | None,
    until: datetime,
    silent_after: timedelta,
) -> str | None:
    if not enabled:
        return "disabled"
    if health == "blocked" or runs.get("blocked") or any(reason.startswith("blocked") for reason in failures):
        return "blocked"
    if health in FAILING_STATES or any(runs.get(outcome) for outcome in FAILED_OUTCOMES):
        return "failing"
    if health == "silent":
        return "silent"
    if not runs:
        return "not_crawled"
    # The Wikipedia watcher follows a few fixed pages: no new article is its normal state, not silence.
    if name != WIKIPEDIA_OUTLET and (last_new is None or until - last_new > silent_after):
        return "silent"
    if failures:
        return "errors"
    if health not in OK_STATES:
        return "failing"
    return None
