"""Digest email against a real SMTP server (aiosmtpd on 127.0.0.1): received, parsed, checked; never sent twice."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.config import Settings
from crawler.digest import store
from crawler.digest.mailer import MailError
from crawler.digest.run import produce_digest
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Digest
from tests.digest_seed import DAY, NOW, seed_store
from tests.smtp_inbox import free_port

PASSWORD = "s3cret-smtp-password-do-not-log"


@pytest.fixture
def seeded(sqlite_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    seed_store(sessions)
    yield sessions, sqlite_url
    engine.dispose()


def _settings(url: str, tmp_path: Path, port: int, **email_overrides: object) -> Settings:
    return Settings.model_validate(
        {
            "storage": {"url": url},
            "topic": {"threshold": 0.5},
            "digest": {
                "output_dir": str(tmp_path / "digests"),
                "formats": ["html", "text"],
                "email": {"enabled": True, "host": "127.0.0.1", "port": port, "sender": "coverwatch@example.org",
                          "recipients": ["analyst@example.org", "desk@example.org"], **email_overrides},
            },
        }
    )


def test_digest_arrives_as_multipart_html_and_text(seeded, smtp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, url = seeded
    inbox, port = smtp
    outcome = produce_digest(_settings(url, tmp_path, port), sessions, day=DAY, send=True, now=NOW)
    assert outcome.sent == "sent"
    assert len(inbox.envelopes) == 1
    envelope = inbox.envelopes[0]
    assert envelope.mail_from == "coverwatch@example.org"
    assert sorted(envelope.rcpt_tos) == ["analyst@example.org", "desk@example.org"]
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"].startswith("coverwatch digest 2025-03-10: 7 stories")
    assert message["To"] == "analyst@example.org, desk@example.org"
    assert message["Message-ID"].startswith("<coverwatch-digest-") and message["Message-ID"].endswith("@example.org>")
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "הפגישה של *פוטין* עם שורדי השבי" in text and "هل أعدت *روسيا* *حماس* للهجوم على إسرائيل؟" in text
    assert 'dir="rtl"' in html and "<mark" in html and "פוטין" in html
    assert "&lt;script&gt;window.__xss=1" in html and "<script>" not in html
    assert "Coverage health" in html and "DataDome on every request" in text
    with sessions() as session:
        assert session.scalars(select(Digest.sent_at)).one() is not None


def test_a_sent_digest_is_never_sent_again(seeded, smtp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, url = seeded
    inbox, port = smtp
    settings = _settings(url, tmp_path, port)
    first = produce_digest(settings, sessions, day=DAY, send=True, now=NOW)
    second = produce_digest(settings, sessions, day=DAY, send=True, now=NOW)
    assert (first.sent, second.sent) == ("sent", "already sent")
    assert len(inbox.envelopes) == 1
    # A racing second process cannot claim it either.
    with sessions.begin() as session:
        assert store.claim_send(session, first.record.id) is None


def test_failed_send_releases_the_claim_and_hides_the_password(seeded, smtp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, url = seeded
    inbox, port = smtp
    closed = free_port()
    with pytest.raises(MailError) as refused:
        produce_digest(_settings(url, tmp_path, closed, username="coverwatch", password=PASSWORD), sessions, day=DAY, send=True, now=NOW)
    assert "unreachable" in str(refused.value) and PASSWORD not in str(refused.value)
    with sessions() as session:
        assert session.scalars(select(Digest.sent_at)).one() is None  # not marked sent: the next run retries
    # This server offers no AUTH: the login fails, and the error names the server, never the password.
    with pytest.raises(MailError) as no_auth:
        produce_digest(_settings(url, tmp_path, port, username="coverwatch", password=PASSWORD), sessions, day=DAY, send=True, now=NOW)
    assert PASSWORD not in str(no_auth.value) and f"127.0.0.1:{port}" in str(no_auth.value)
    assert inbox.envelopes == []
    retried = produce_digest(_settings(url, tmp_path, port), sessions, day=DAY, send=True, now=NOW)
    assert retried.sent == "sent" and len(inbox.envelopes) == 1


def test_sending_requires_email_enabled(seeded, smtp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, url = seeded
    inbox, port = smtp
    with pytest.raises(MailError, match="digest.email.enabled is false"):
        produce_digest(_settings(url, tmp_path, port, enabled=False), sessions, day=DAY, send=True, now=NOW)
    assert inbox.envelopes == []
