"""Digests in the database: recorded idempotently, sent at most once, marked reviewed as a whole.

A digest row is keyed by (day, window). Re-recording the same window updates the same row, and its
content_hash changes only when the content does. Sending claims the row first (sent_at set where it was
NULL, one atomic UPDATE), so two processes, or a rerun after SIGKILL, can never send the same digest twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crawler.digest.data import DigestData
from storage import repo
from storage.models import Article, Digest


@dataclass(frozen=True)
class DigestRecord:
    id: int
    day: str
    window: str
    content_hash: str
    changed: bool  # new row, or the content differs from what was recorded before
    sent_at: datetime | None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def record_digest(session: Session, data: DigestData, paths: Mapping[str, str], now: datetime | None = None) -> DigestRecord:
    """Insert or update the digest row for data's window; idempotent for unchanged content."""
    now = now or utcnow()
    content_hash = data.content_hash
    values = {
        "day": data.day, "window": data.window_key, "created_at": now, "content_hash": content_hash,
        "article_ids": data.article_ids, "paths": dict(paths),
    }
    new_id = repo.insert_ignore(session, Digest.__table__, values, ["day", "window"])
    if new_id is not None:
        return DigestRecord(int(new_id), data.day, data.window_key, content_hash, True, None)
    row = session.scalars(
        select(Digest).where(Digest.day == data.day, Digest.window == data.window_key).with_for_update()
    ).one()
    changed = row.content_hash != content_hash
    if changed:
        row.content_hash = content_hash
        row.article_ids = data.article_ids
    merged = {**(row.paths or {}), **paths}
    if merged != (row.paths or {}):
        row.paths = merged
    return DigestRecord(row.id, row.day, row.window, content_hash, changed, row.sent_at)


def claim_send(session: Session, digest_id: int, now: datetime | None = None) -> datetime | None:
    """Mark the digest sent if nobody has; returns the claim time, or None when it was already sent."""
    now = now or utcnow()
    result = session.execute(update(Digest).where(Digest.id == digest_id, Digest.sent_at.is_(None)).values(sent_at=now))
    return now if result.rowcount == 1 else None


def release_send(session: Session, digest_id: int, claimed_at: datetime) -> None:
    """Undo our own claim after a failed send, so a later run may try again."""
    session.execute(update(Digest).where(Digest.id == digest_id, Digest.sent_at == claimed_at).values(sent_at=None))


def mark_digest_reviewed(session: Session, digest_id: int, now: datetime | None = None) -> int:
    """Mark a digest and every new article in it reviewed; returns how many articles changed."""
    digest = session.get(Digest, digest_id)
    if digest is None:
        raise LookupError(f"no digest with id {digest_id}")
    digest.reviewed_at = now or utcnow()
    ids = [int(i) for i in digest.article_ids or [] if isinstance(i, int)]
    if not ids:
        return 0
    result = session.execute(
        update(Article).where(Article.id.in_(ids), Article.review_status == "new").values(review_status="reviewed")
    )
    return int(result.rowcount or 0)


def list_digests(session: Session, limit: int = 60) -> list[Digest]:
    return list(session.scalars(select(Digest).order_by(Digest.day.desc(), Digest.id.desc()).limit(limit)))
