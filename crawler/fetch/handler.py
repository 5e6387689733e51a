"""The HTTP(S) download handler: Scrapy's own, with one cap on the size of a response's header block.

DOWNLOAD_MAXSIZE counts only the body. A server that sends header lines forever (`X-Pad-1: aaaa…`, the blank
line never comes) otherwise grows the process until Scrapy's memory limit kills the whole crawl, and every other
outlet in it. Twisted caps one line (16 KiB), not their number; this handler caps the whole block at
`COVERWATCH_MAX_HEADER_BYTES` and fails the request with `HeadersTooLarge`, which the crawl records as the
failure `headers_too_large` (crawler.fetch.extension.classify_error).
"""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
)
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IAddress

# Real sites send 2-20 KiB of headers (big CSPs, many cookies); browsers give up around 256 KiB.
DEFAULT_MAX_HEADER_BYTES = 256 * 1024
SETTING = "COVERWATCH_MAX_HEADER_BYTES"


class HeadersTooLarge(Exception):
    """The response's header block passed the cap; the message names the limit."""


class _CappedParser(_LenientHTTPClientParser):
    """Scrapy's lenient parser, counting header bytes (status line, headers, continuation lines)."""

    max_header_bytes = DEFAULT_MAX_HEADER_BYTES

    def lineReceived(self, line: bytes) -> None:
        received = self.__dict__.get("_header_bytes", 0) + len(line) + 1
        self.__dict__["_header_bytes"] = received
        if received > self.max_header_bytes:
            raise HeadersTooLarge(f"response headers larger than {self.max_header_bytes:,} bytes")
        super().lineReceived(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        # Twisted would just drop the connection (a "connection reset" nobody can explain): say why instead.
        raise HeadersTooLarge(f"a response header line longer than {self.MAX_LENGTH:,} bytes")


def _parser_class(limit: int) -> type[_CappedParser]:
    return type("CappedParser", (_CappedParser,), {"max_header_bytes": limit})


class _CappedProtocol(_LenientHTTP11ClientProtocol):
    parser_class: type[_CappedParser] = _CappedParser

    def request(self, request: Any) -> Deferred[Any]:
        deferred = super().request(request)
        # Scrapy swaps the parser's class the same way (the parser is built inside Twisted's request()).
        if self._parser is not None:
            self._parser.__class__ = self.parser_class
        return deferred


class CappedHTTP11DownloadHandler(HTTP11DownloadHandler):
    """HTTP11DownloadHandler whose connections refuse a header block over COVERWATCH_MAX_HEADER_BYTES."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        parser = _parser_class(crawler.settings.getint(SETTING, DEFAULT_MAX_HEADER_BYTES))
        protocol = type("CappedProtocol", (_CappedProtocol,), {"parser_class": parser})

        class Factory(_LenientHTTP11ClientFactory):
            def buildProtocol(self, addr: IAddress | None) -> _CappedProtocol:
                return protocol(self._quiescentCallback)  # type: ignore[no-untyped-call]

        self._pool._factory = Factory

    async def close(self) -> None:
        """Scrapy's close, without its race: when the reactor thread is busy (heavy extraction), the 1 s fallback
        callback and the pool's own can fire in one reactor turn, and Twisted prints AlreadyCalledError."""
        from twisted.internet import reactor

        closed: Deferred[Any] = self._pool.closeCachedConnections()

        def give_up_waiting() -> None:
            if not closed.called:
                closed.callback(())

        fallback = reactor.callLater(self._disconnect_timeout, give_up_waiting)
        try:
            await maybe_deferred_to_future(closed)
        finally:
            if fallback.active():
                fallback.cancel()
