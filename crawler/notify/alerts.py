"""Health alerts: a source's state change goes to the log always, by email and through Apprise when configured.

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

from crawler.config import ConfigError, EmailSettings, Settings
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
    notified: list[Alert] = field(default_factory=list)  # taken by at least one Apprise service
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
    """Claim every undelivered HealthEvent, log it, mail and notify it when configured; give it back if no channel took it."""
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
    to_send = [(event_id, alert) for event_id, alert in claimed if alert.worth_mailing]
    if not to_send:
        return report
    email = settings.digest.email
    if email.enabled and email.recipients:
        _mail(email, to_send, report)
    if settings.notify.urls and settings.notify.health_alerts:
        _notify(settings, to_send, report)
    if report.error and not (report.emailed or report.notified):
        # No channel took the alert: give it back, the next evaluation retries. One channel that took it is
        # enough, since a retry would repeat it there.
        with sessions.begin() as session:
            health_repo.unclaim_events(session, [event_id for event_id, _ in to_send])
    return report


def _mail(email: EmailSettings, to_send: list[tuple[int, Alert]], report: AlertReport) -> None:
    try:
        send(email, compose([alert for _, alert in to_send], email.sender, email.recipients))
    except (OSError, smtplib.SMTPException) as error:
        report.error = f"{type(error).__name__}: {error}"
        log.error("health alert email to %s failed (%s); will retry after the next evaluation", email.host, report.error)
        return
    report.emailed = [alert for _, alert in to_send]
    log.info("health alert emailed to %s: %d change(s)", ", ".join(email.recipients), len(to_send))


def _notify(settings: Settings, to_send: list[tuple[int, Alert]], report: AlertReport) -> None:
    """The same alert through Apprise: the email's subject as title, its text as body."""
    from crawler.notify.channel import FAILURE, INFO, send as notify_send

    alerts = [alert for _, alert in to_send]
    message = compose(alerts, settings.digest.email.sender, settings.digest.email.recipients)
    kind = INFO if all(alert.is_recovery for alert in alerts) else FAILURE
    try:
        delivery = notify_send(settings.notify, str(message["Subject"]), message.get_content().strip(), kind)
    except ConfigError as error:  # a URL Apprise cannot use: the alert stays pending until the config is fixed
        report.error = "; ".join(filter(None, [report.error, f"notify: {error}"]))
        log.error("health alert not notified: %s", error)
        return
    if delivery.delivered:
        report.notified = alerts
    if delivery.failed:
        report.error = "; ".join(filter(None, [report.error, f"notify: {delivery.error()}"]))
