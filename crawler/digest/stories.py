"""One digest entry per story: reports of one event in other outlets or languages fold under its first report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sqlalchemy.orm import Session

from crawler.digest.data import Carrier, DigestItem
from storage import story_repo


def _as_carrier(item: DigestItem) -> Carrier:
    return Carrier(article_id=item.article_id, outlet=item.outlet, outlet_title=item.outlet_title, url=item.url,
                   title=item.title, language=item.language, first_seen=item.first_seen)


def fold_stories(session: Session, items: list[DigestItem], titles: Mapping[str, str]) -> list[DigestItem]:
    """Items of one story become one, headed by the earliest report (the fuller one on a tie), listing the
    others with their own link and language under "also in" — with the story's reports that are not items of
    this digest (a Wikipedia article on the event, a report of another day)."""
    stories = story_repo.stories_of(session, [item.article_id for item in items])
    shown = {item.article_id for item in items} | {c.article_id for item in items for c in item.also_in}
    elsewhere: dict[int, list[Carrier]] = {}
    for story_id, article in story_repo.members_of(session, sorted(set(stories.values()))):
        if article.id not in shown:
            elsewhere.setdefault(story_id, []).append(Carrier(
                article_id=article.id, outlet=article.outlet, outlet_title=titles.get(article.outlet, article.outlet),
                url=article.url, title=article.title or article.url, language=article.language, first_seen=article.first_seen,
            ))
    members: dict[int, list[DigestItem]] = {}
    for item in items:
        members.setdefault(stories.get(item.article_id, -item.article_id), []).append(item)
    folded = []
    placed: set[int] = set()
    for item in items:
        key = stories.get(item.article_id, -item.article_id)
        if key in placed:
            continue
        placed.add(key)
        group = members[key]
        if len(group) == 1 and not elsewhere.get(key):
            folded.append(item)
            continue
        head = min(group, key=lambda i: (i.sort_time, i.status != "full", -len(i.snippet), i.article_id))
        carriers = list(head.also_in)
        for other in sorted(group, key=lambda i: i.sort_time):
            if other is not head:
                carriers += [_as_carrier(other), *other.also_in]
        carriers += elsewhere.get(key, [])
        folded.append(replace(head, also_in=tuple(carriers)))
    return folded
