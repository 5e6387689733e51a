"""Health alerts: a source's state change goes to the log always, and by email when email is configured.

Its own channel, separate from the content digest. Each HealthEvent is claimed (alerted_at set) before it is
delivered and given back if delivery fails, so an alert goes out once even when several processes evaluate.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy.orm import Session, sessionmaker

from crawler.config import EmailSettings, Settings
from crawler.health.rating import STATE_HEALTHY, STATE_UNKNOWN
from storage import health_repo

log = logging.getLogger("coverwatch.health")

# A stuck SMTP server must not hold a crawl's exit (the post-run hook) for minutes.
SMTP_TIMEOUT_S = 20
SUBJECT_PREFIX = "[coverwatch health]"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Alert:
    source: str
    old_state: str
    new_state: str
    reason: str
    at: datetime

    @property
    def is_recovery(self) -> bool:
        return self.new_state == STATE_HEALTHY

    @property
    def worth_mailing(self) -> bool:
        # A source's first rating (unknown -> healthy) is news to nobody; everything else is a change to act on.
        return not (self.old_state == STATE_UNKNOWN and self.new_state == STATE_HEALTHY)

    def line(self) -> str:
        return f"{self.source}: {self.old_state} -> {self.new_state}: {self.reason}"


@dataclass
class AlertReport:
    logged: list[Alert] = field(default_factory=list)
    emailed: list[Alert] = field(default_factory=list)
    error: str | None = None


def compose(alerts: Sequence[Alert], sender: str, recipients: Sequence[str]) -> EmailMessage:
    """One plain-text message for a batch of state changes, worst news first."""
    bad = [alert for alert in alerts if not alert.is_recovery]
    good = [alert for alert in alerts if alert.is_recovery]
    if len(alerts) == 1:
        alert = alerts[0]
        subject = f"{SUBJECT_PREFIX} {alert.source} is {alert.new_state} (was {alert.old_state})"
    else:
        parts = [f"{len(bad)} sources need attention"] if bad else []
        if good:
            parts.append(f"{len(good)} recovered")
        subject = f"{SUBJECT_PREFIX} " + ", ".join(parts)
    lines = ["Source health changed:", ""]
    for alert in [*bad, *good]:
        lines += [
            f"* {alert.source}: {alert.old_state} -> {alert.new_state} at {alert.at:%Y-%m-%d %H:%M} UTC",
            f"  {alert.reason}",
            "",
        ]
    lines += ["`coverwatch sources` and `coverwatch health` show every source's current rating."]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "coverwatch")
    message["X-Coverwatch-Kind"] = "health-alert"
    message.set_content("\n".join(lines))
    return message


def send(email: EmailSettings, message: EmailMessage) -> None:
    """Deliver one message over SMTP (STARTTLS and login when configured). Raises OSError/SMTPException."""
    with smtplib.SMTP(email.host, email.port, timeout=SMTP_TIMEOUT_S) as client:
        if email.starttls:
            client.starttls(context=ssl.create_default_context())
        if email.username:
            client.login(email.username, email.password or "")
        client.send_message(message)


def _log(alert: Alert) -> None:
    level = logging.INFO if alert.is_recovery or not alert.worth_mailing else logging.WARNING
    log.log(level, "source health changed: %s", alert.line())


def deliver_pending(settings: Settings, sessions: sessionmaker[Session], now: datetime | None = None) -> AlertReport:
    """Claim every undelivered HealthEvent, log it, mail it when email is on; give it back if mailing fails."""
    now = now or utcnow()
    report = AlertReport()
    with sessions.begin() as session:
        claimed = []
        for event in health_repo.pending_events(session):
            if health_repo.claim_event(session, event.id, now):
                claimed.append((event.id, Alert(event.source, event.old_state, event.new_state, event.reason, event.at)))
    for _, alert in claimed:
        _log(alert)
        report.logged.append(alert)
    email = settings.digest.email
    to_mail = [(event_id, alert) for event_id, alert in claimed if alert.worth_mailing]
    if not (email.enabled and email.recipients and to_mail):
        return report
    try:
        send(email, compose([alert for _, alert in to_mail], email.sender, email.recipients))
    except (OSError, smtplib.SMTPException) as error:
        report.error = f"{type(error).__name__}: {error}"
        log.error("health alert email to %s failed (%s); will retry after the next evaluation", email.host, report.error)
        with sessions.begin() as session:
            health_repo.unclaim_events(session, [event_id for event_id, _ in to_mail])
        return report
    report.emailed = [alert for _, alert in to_mail]
    log.info("health alert emailed to %s: %d change(s)", ", ".join(email.recipients), len(to_mail))
    return report
