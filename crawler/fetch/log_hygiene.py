"""Crawl logs a person can read: an expected network failure is one line, third-party chatter stays below INFO.

A DNS failure, a refused connection or a timeout is an outcome the crawl records (crawler/fetch/extension.py turns
it into a failure row with its reason); the full Twisted traceback Scrapy attaches to it says nothing more and
buries the lines that matter. Anything unexpected keeps its traceback.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
)
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError as TwistedTimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

# The network's ordinary ways of failing (Scrapy >= 2.19 wraps Twisted's errors in its own types: both listed).
EXPECTED_NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    DNSLookupError, CannotResolveHostError, ConnectError, DownloadConnectionRefusedError, TwistedTimeoutError,
    TCPTimedOutError, DownloadTimeoutError, ConnectionLost, ResponseFailed, ResponseNeverReceived, DownloadFailedError,
)  # fmt: skip
# Libraries whose INFO lines are about themselves, not the crawl: alembic's "Context impl SQLiteImpl" and its
# "Running upgrade" lines at every start, apscheduler's "Running job" twice per job.
QUIET_LOGGERS = ("alembic", "apscheduler")


def _expected(error: BaseException | None) -> BaseException | None:
    """The expected network error inside `error` (itself, or the first of a ResponseFailed's reasons), if any."""
    if isinstance(error, Failure):
        error = error.value
    if not isinstance(error, EXPECTED_NETWORK_ERRORS):
        return None
    reasons = getattr(error, "reasons", None)  # ResponseFailed / ResponseNeverReceived carry Failures
    if reasons:
        inner = reasons[0].value if isinstance(reasons[0], Failure) else reasons[0]
        return inner if isinstance(inner, BaseException) else error
    return error


def describe(error: BaseException) -> str:
    """ "DNSLookupError: no such host" from an exception whose str() may be empty or repeat its class."""
    text = " ".join(str(error).split())
    name = type(error).__name__
    return f"{name}: {text}" if text and not text.startswith(name) else (text or name)


class ExpectedNetworkErrorFilter(logging.Filter):
    """Folds an expected network failure's traceback into one line: the message and the error's own words."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc_info = record.exc_info
        error = exc_info[1] if exc_info and exc_info[1] is not None else getattr(record, "failure", None)
        expected = _expected(error) if error is not None else None
        if expected is None:
            return True
        message, said = record.getMessage(), " ".join(str(expected).split())
        record.msg = message if said and said in " ".join(message.split()) else f"{message}: {describe(expected)}"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        if hasattr(record, "failure"):
            record.failure = None
        return True


def install(handlers: list[logging.Handler] | None = None, **_signal: object) -> None:
    """Apply the filter to the root logger's handlers (where Scrapy's records end) and quiet the chatty libraries."""
    for handler in logging.getLogger().handlers if handlers is None else handlers:
        if not any(isinstance(existing, ExpectedNetworkErrorFilter) for existing in handler.filters):
            handler.addFilter(ExpectedNetworkErrorFilter())
    quiet_third_parties()


def quiet_third_parties() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.getLogger(name).level, logging.WARNING))
