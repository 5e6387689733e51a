"""One digest entry per story: reports of one event in other outlets or languages fold under its first report."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from crawler.digest.data import Carrier, DigestItem
from storage import story_repo


def _as_carrier(item: DigestItem) -> Carrier:
    return Carrier(article_id=item.article_id, outlet=item.outlet, outlet_title=item.outlet_title, url=item.url,
                   title=item.title, language=item.language, first_seen=item.first_seen)


def fold_stories(session: Session, items: list[DigestItem]) -> list[DigestItem]:
    """Items of one story become one, headed by the earliest report (the fuller one on a tie), listing the
    others with their own link and language under "also in"."""
    stories = story_repo.stories_of(session, [item.article_id for item in items])
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
        if len(group) == 1:
            folded.append(item)
            continue
        head = min(group, key=lambda i: (i.sort_time, i.status != "full", -len(i.snippet), i.article_id))
        carriers = list(head.also_in)
        for other in sorted(group, key=lambda i: i.sort_time):
            if other is not head:
                carriers += [_as_carrier(other), *other.also_in]
        folded.append(replace(head, also_in=tuple(carriers)))
    return folded
