"""Health alerts: a state change is logged always and mailed (exactly once) through a real local SMTP server."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawler.health.rating import STATE_BLOCKED, STATE_FAILING, STATE_HEALTHY, HealthRating
from tests.smtp_inbox import Inbox, free_port


def _settings(tmp_path: Path, port: int, enabled: bool = True):  # type: ignore[no-untyped-def]
    from crawler.config import Settings

    return Settings.model_validate(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'cw.db'}"},
            "digest": {
                "email": {
                    "enabled": enabled,
                    "host": "127.0.0.1",
                    "port": port,
                    "sender": "coverwatch@example.org",
                    "recipients": ["analyst@example.org", "ops@example.org"],
                }
            },
        }
    )


def _store(settings: Any):  # type: ignore[no-untyped-def]
    from storage import repo
    from storage.db import make_engine, make_session_factory
    from storage.models import Base

    engine = make_engine(settings.storage.url)
    Base.metadata.create_all(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        for name in ("ynetnews", "reuters"):
            repo.sync_source(session, name, title=name, language="en", routes=["rss"], enabled=True)
    return sessions


def _change(sessions: Any, source: str, state: str, reason: str) -> None:
    from storage import health_repo

    with sessions.begin() as session:
        health_repo.apply_rating(session, source, HealthRating(state, reason))


def test_state_change_is_mailed_once_and_logged(
    tmp_path: Path, smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    from crawler.notify.alerts import deliver_pending
    from storage.models import HealthEvent

    inbox, port = smtp
    settings = _settings(tmp_path, port)
    sessions = _store(settings)
    _change(sessions, "ynetnews", STATE_HEALTHY, "40 items seen")  # a first rating: logged, not mailed
    _change(sessions, "ynetnews", STATE_FAILING, "only 0 items seen in the last 5 runs (minimum 1)")
    _change(sessions, "reuters", STATE_BLOCKED, "refused by the outlet: blocked:datadome×3")

    with caplog.at_level(logging.INFO, logger="coverwatch.health"):
        report = deliver_pending(settings, sessions)
    assert report.error is None and len(report.logged) == 3 and len(report.emailed) == 2
    assert len(inbox.messages) == 1
    mail_from, rcpt, message = inbox.messages[0]
    assert mail_from == "coverwatch@example.org" and rcpt == ["analyst@example.org", "ops@example.org"]
    assert message["X-Coverwatch-Kind"] == "health-alert"
    assert message["Subject"] == "[coverwatch health] 2 sources need attention"
    body = message.get_payload(decode=True).decode("utf-8")
    assert "ynetnews: healthy -> failing" in body and "only 0 items seen" in body
    assert "reuters: unknown -> blocked" in body and "blocked:datadome×3" in body
    logged = [record.getMessage() for record in caplog.records]
    assert any("ynetnews: healthy -> failing" in line for line in logged)
    assert any(r.levelno == logging.WARNING and "reuters: unknown -> blocked" in r.getMessage() for r in caplog.records)

    # Exactly once: a second delivery (the next run's hook, another process) sends nothing new.
    again = deliver_pending(settings, sessions)
    assert again.logged == [] and again.emailed == [] and len(inbox.messages) == 1
    with sessions() as session:
        assert all(event.alerted_at is not None for event in session.scalars(select(HealthEvent)))

    # A recovery is news too, with its own subject.
    _change(sessions, "ynetnews", STATE_HEALTHY, "12 items seen, 3 new")
    deliver_pending(settings, sessions)
    assert len(inbox.messages) == 2
    assert inbox.messages[1][2]["Subject"] == "[coverwatch health] ynetnews is healthy (was failing)"


def test_failed_delivery_is_retried_later(tmp_path: Path, smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture) -> None:
    from crawler.notify.alerts import deliver_pending

    inbox, port = smtp
    down = _settings(tmp_path, free_port())  # nothing listens there
    sessions = _store(down)
    _change(sessions, "ynetnews", STATE_FAILING, "3 of the last 5 runs failed (dns_error×3)")
    with caplog.at_level(logging.ERROR, logger="coverwatch.health"):
        report = deliver_pending(down, sessions)
    assert report.error and report.emailed == []
    assert any("will retry" in record.getMessage() for record in caplog.records)

    up = _settings(tmp_path, port)
    report = deliver_pending(up, sessions)
    assert [alert.source for alert in report.emailed] == ["ynetnews"]
    assert len(inbox.messages) == 1 and "ynetnews is failing" in inbox.messages[0][2]["Subject"]


def test_without_email_the_log_is_the_channel(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    from crawler.notify.alerts import deliver_pending
    from storage.models import HealthEvent

    inbox, port = smtp
    settings = _settings(tmp_path, port, enabled=False)
    sessions = _store(settings)
    _change(sessions, "reuters", STATE_BLOCKED, "refused")
    report = deliver_pending(settings, sessions)
    assert len(report.logged) == 1 and report.emailed == [] and inbox.messages == []
    with sessions() as session:
        assert session.scalar(select(HealthEvent.alerted_at)) is not None  # delivered to its channel: not re-logged


def test_post_run_hook_rates_and_alerts_without_raising(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    from crawler.notify.post_run import after_runs
    from storage import repo
    from storage.models import Source

    inbox, port = smtp
    settings = _settings(tmp_path, port)
    sessions = _store(settings)
    with sessions.begin() as session:
        run_ids = []
        for _ in range(3):
            run_id = repo.start_run(session, "reuters", pid=1, node="test")
            repo.finish_run(
                session,
                run_id,
                outcome="blocked",
                finish_reason="finished",
                counts={"requests": 4, "items": 0, "failures": 4, "blocked": 4, "failures_by_reason": {"blocked:datadome": 4}},
            )
            run_ids.append(run_id)
    results = after_runs(settings, sessions, run_ids)
    assert [(r.source, r.rating.state) for r in results] == [("reuters", STATE_BLOCKED)]
    with sessions() as session:
        assert session.scalars(select(Source).where(Source.name == "reuters")).one().health == STATE_BLOCKED
    assert len(inbox.messages) == 1

    broken = settings.model_copy(update={"health": None})  # a bug in health must not escape the hook
    assert after_runs(broken, sessions, run_ids) == []
