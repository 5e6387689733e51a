"""The notification ledger: one row per announcement that must go out once ever (storage.models.Notification)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage import repo
from storage.models import Notification


def claim(session: Session, kind: str, key: str, title: str, now: datetime) -> int | None:
    """Insert the key; its id when this caller now owns the send, None when it was claimed (or sent) before."""
    values = {"kind": kind, "key": key, "title": title, "claimed_at": now, "sent_at": None}
    new_id = repo.insert_ignore(session, Notification.__table__, values, ["key"])
    return int(new_id) if new_id is not None else None


def mark_sent(session: Session, notification_id: int, now: datetime) -> None:
    session.execute(update(Notification).where(Notification.id == notification_id).values(sent_at=now))


def release(session: Session, notification_id: int) -> None:
    """Give a failed send back, so the next run tries again."""
    session.execute(delete(Notification).where(Notification.id == notification_id))


def sent_keys(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(session.scalars(select(Notification.key).where(Notification.key.in_(keys))))
