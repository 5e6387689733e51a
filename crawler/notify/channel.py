"""Send one notification to every configured Apprise URL, and announce something once ever.

Apprise URLs carry tokens, so they never appear in a log line or an error: a target is named by its scheme only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.orm import Session, sessionmaker

from crawler.config import ConfigError, NotifySettings
from storage import notify_repo

log = logging.getLogger("coverwatch.notify")

# Apprise's notification types: they pick the icon/colour in Slack, Discord, Teams ...
INFO = "info"
WARNING = "warning"
FAILURE = "failure"


@dataclass(frozen=True)
class Delivery:
    delivered: int  # services that took the notification
    failed: int

    @property
    def ok(self) -> bool:
        return self.delivered > 0 and self.failed == 0

    def error(self) -> str:
        return f"{self.failed} of {self.delivered + self.failed} notification service(s) did not take it"


def scheme(url: str) -> str:
    return url.partition("://")[0] or "?"


def _apprise(settings: NotifySettings):  # type: ignore[no-untyped-def]
    import apprise

    client = apprise.Apprise()
    for index, url in enumerate(settings.urls):
        if not client.add(url):
            raise ConfigError(f"notify.urls.{index}: Apprise does not understand this {scheme(url)}:// URL")
    return client


def check_urls(settings: NotifySettings) -> None:
    """Raise ConfigError naming the first URL Apprise cannot use (for `config check`)."""
    _apprise(settings)


def send(settings: NotifySettings, title: str, body: str, notify_type: str = INFO) -> Delivery:
    """Deliver to every URL; never raises for a service that is down (that is a counted failure)."""
    if not settings.urls:
        return Delivery(0, 0)
    client = _apprise(settings)
    result = client.notify(body=body, title=title, notify_type=notify_type, timeout=settings.timeout_s)
    delivery = Delivery(int(result.success_count), int(result.failed_count + result.timeout_count))
    schemes = ", ".join(sorted({scheme(url) for url in settings.urls}))
    if delivery.failed:
        log.error("notification %r: %s (%s)", title, delivery.error(), schemes)
    else:
        log.info("notification %r sent to %d service(s) (%s)", title, delivery.delivered, schemes)
    return delivery


def announce_once(
    settings: NotifySettings,
    sessions: sessionmaker[Session],
    *,
    kind: str,
    key: str,
    title: str,
    body: str | Callable[[], str],
    notify_type: str = INFO,
    now: datetime | None = None,
) -> str:
    """Send unless `key` was announced before: "sent", "already sent", "off" or "failed: …".

    Claimed before sending (a unique key), released when no service took it, so two processes never both send
    and a failure is retried by the next run.
    """
    if not settings.urls:
        return "off"
    now = now or datetime.now(timezone.utc)
    with sessions.begin() as session:
        claimed = notify_repo.claim(session, kind, key, title, now)
    if claimed is None:
        return "already sent"
    try:
        delivery = send(settings, title, body() if callable(body) else body, notify_type)
    except BaseException:
        with sessions.begin() as session:
            notify_repo.release(session, claimed)
        raise
    with sessions.begin() as session:
        if delivery.delivered:
            notify_repo.mark_sent(session, claimed, now)
        else:
            notify_repo.release(session, claimed)
    if delivery.ok:
        return "sent"
    # Some services took it: it counts as sent (a retry would repeat it there), and the failure is logged.
    return f"partly sent: {delivery.error()}" if delivery.delivered else f"failed: {delivery.error()}"
