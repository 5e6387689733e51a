"""Build, render, write, record and (optionally) send one digest: what `coverwatch digest` and the daemon run.

Files are written atomically (temp file + rename) and only when their content changed, so a killed run leaves
no half-written digest and a re-run leaves identical files untouched.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from crawler.config import ConfigError, Settings
from crawler.digest import format as fmt
from crawler.digest import mailer, store
from crawler.digest.data import DigestData
from crawler.digest.query import build_digest
from crawler.digest.render_atom import render_atom
from crawler.digest.render_html import render_html
from crawler.digest.render_markdown import render_markdown
from crawler.digest.render_text import render_text

log = logging.getLogger(__name__)

RENDERERS: dict[str, tuple[Callable[[DigestData], str], str]] = {
    "html": (render_html, ".html"),
    "markdown": (render_markdown, ".md"),
    "text": (render_text, ".txt"),
    "atom": (render_atom, ".atom"),
}
FORMATS = tuple(RENDERERS)


@dataclass(frozen=True)
class DigestOutcome:
    data: DigestData
    paths: dict[str, Path]  # format -> file written (or left unchanged)
    record: store.DigestRecord
    sent: str  # "not requested" | "sent" | "already sent"
    refused: tuple[str, ...] = ()
    notice: str = "off"  # the Apprise notice (crawler/notify): "off" | "sent" | "already sent" | "failed: …"


def file_stem(data: DigestData) -> str:
    if data.since:
        return f"digest-since-{data.start:%Y%m%dT%H%MZ}-{data.end:%Y%m%dT%H%MZ}"
    return f"digest-{data.day}"


def current_umask() -> int:
    """The process umask, read without changing it (os.umask sets it, racing other threads); 0o022 if unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def write_if_changed(path: Path, content: str) -> bool:
    """Atomically replace `path` with `content` unless it already holds exactly that; True when written."""
    encoded = content.encode("utf-8")
    if path.exists() and path.read_bytes() == encoded:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(encoded)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file 0600; a digest is for the team to read: the mode a plain open() would give.
        os.chmod(temp, 0o666 & ~current_umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return True


def render(data: DigestData, formats: Sequence[str]) -> dict[str, str]:
    unknown = [name for name in formats if name not in RENDERERS]
    if unknown:
        raise ValueError(f"unknown digest format(s) {', '.join(unknown)}: choose from {', '.join(FORMATS)}")
    return {name: RENDERERS[name][0](data) for name in formats}


def write_digest(data: DigestData, rendered: dict[str, str], output_dir: Path) -> dict[str, Path]:
    paths = {}
    for name, content in rendered.items():
        path = output_dir / (file_stem(data) + RENDERERS[name][1])
        write_if_changed(path, content)
        paths[name] = path
    return paths


def send_digest(
    sessions: sessionmaker[Session], settings: Settings, record: store.DigestRecord, data: DigestData, now: datetime | None = None
) -> tuple[str, tuple[str, ...]]:
    """Send the digest email unless this digest was already sent. Claim first, send, release on failure."""
    email = settings.digest.email
    message = mailer.build_message(
        email, subject=fmt.subject(data), text=render_text(data), html=render_html(data),
        message_id=mailer.message_id_for(data.window_key, data.content_hash, email.sender),
    )
    with sessions.begin() as session:
        claimed_at = store.claim_send(session, record.id, now)
    if claimed_at is None:
        log.info("digest %s already sent; not sending again", data.day)
        return "already sent", ()
    try:
        refused = mailer.send_message(email, message)
    except mailer.MailError:
        # The server did not take the message: release the claim so the next run retries. Anything else
        # (an interrupt mid-conversation) keeps the claim: a lost digest is better than a duplicate.
        with sessions.begin() as session:
            store.release_send(session, record.id, claimed_at)
        raise
    log.info("digest %s sent to %d recipients", data.day, len(email.recipients) - len(refused))
    return "sent", tuple(refused)


def produce_digest(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    day: date | None = None,
    since: datetime | None = None,
    formats: Sequence[str] | None = None,
    send: bool = False,
    output_dir: Path | None = None,
    now: datetime | None = None,
) -> DigestOutcome:
    """The whole digest job. `send` mails it (once per digest, ever) through settings.digest.email."""
    now = now or datetime.now(timezone.utc)
    if send and not settings.digest.email.enabled:
        raise mailer.MailError("digest.email.enabled is false: enable it (and set recipients) to send the digest")
    with sessions() as session:
        data = build_digest(session, settings, day=day, since=since, now=now)
    rendered = render(data, list(formats or settings.digest.formats))
    paths = write_digest(data, rendered, output_dir or Path(settings.digest.output_dir))
    with sessions.begin() as session:
        record = store.record_digest(session, data, {name: str(path) for name, path in paths.items()}, now)
    sent, refused = ("not requested", ())
    if send:
        sent, refused = send_digest(sessions, settings, record, data, now)
    notice = announce_digest(settings, sessions, data, paths, now)
    return DigestOutcome(data=data, paths=paths, record=record, sent=sent, refused=refused, notice=notice)


def announce_digest(settings: Settings, sessions: sessionmaker[Session], data: DigestData, paths: dict[str, Path], now: datetime) -> str:
    """Tell the team's chat that a finished day's digest is ready: once per digest window, ever.

    A day still in progress (or a --since digest) is a look, not the day's digest, so it announces nothing.
    """
    from crawler.notify.channel import announce_once

    if not settings.notify.digest_notice or data.since or not data.complete:
        return "off"
    title = fmt.subject(data)
    lines = [f"{len(data.items)} stories from {len({item.outlet for item in data.items})} outlets"]
    if data.health:
        lines.append(f"{len(data.health)} sources with problems: " + ", ".join(problem.source for problem in data.health))
    lines += [f"{name}: {path}" for name, path in paths.items()]
    try:
        return announce_once(settings.notify, sessions, kind="digest_notice", key=f"digest:{data.window_key}", title=title, body="\n".join(lines), now=now)
    except ConfigError as error:  # an unusable Apprise URL must not cost the digest that was written
        log.error("digest notice not sent: %s", error)
        return f"failed: {error}"
