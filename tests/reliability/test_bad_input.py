"""The bad-input corpus: every hostile or broken thing a news site can serve, crawled for real next to a good story.

Each corpus item is one config-only outlet on a local HTTP site (the hostile site below): its listing offers the
bad thing *and* a good article. One `coverwatch crawl` subprocess crawls every item at once, as the scheduler
would, and each item is then one test case: the process did not crash, the good article of that outlet is
stored in full, and the bad thing left exactly the recorded outcome it should (a failure row with a clear
reason, or a recovered article). Big items (50 MB page, gzip bombs, 50,000-entry sitemap, huge PDF) are
generated at test time into tmp; tests/fixtures/bad_input/README.md lists every item and what it proves.

`bench/robustness.py` runs the same corpus one item per process and prints time and memory.
"""

from __future__ import annotations

import html
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import pytest
from tests.pdf_builder import pdf_from_streams

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent.parent / "fixtures" / "bad_input"

# The crawl limits the corpus runs under: small, so that "too large" is cheap to reach.
MAX_BYTES = 8_000_000
# Generous: no item relies on a timeout, and a loaded machine (the crawl's one reactor thread also extracts
# 40-odd hostile documents) must not turn a slow local transfer into a "timeout" instead of its real outcome.
DOWNLOAD_TIMEOUT_S = 30
# Generous bound on the crawl process's peak RSS (the target is 500 MB; Scrapy + trafilatura idle at ~200 MB).
PEAK_RSS_LIMIT_MB = 500


# ---------------------------------------------------------------------------------------------------------
# A hostile HTTP site: routes that lie about lengths, reset connections, hang, stream big files, redirect in loops


@dataclass
class Reply:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    statuses: list[int] = field(default_factory=list)  # consumed one per request, then `status`
    headers: dict[str, str] = field(default_factory=dict)
    # send | reset (RST, no answer) | hang (no answer until the site closes) | truncate (Content-Length lies)
    # | endless_headers (8 KB header lines that never end) | long_header_line (one header line that never ends)
    action: str = "send"
    file: Path | None = None  # stream this file instead of `body` (big items generated into tmp)
    content_length: bool = True  # False: close-delimited body, the size is unknown until the end
    delay: float = 0.0  # seconds before answering (a slow server, not a hung one)


class HostileSite:
    """A threaded HTTP/1.1 server on `host`, counting every connection and request per path."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Reply] = {}
        self.hits: dict[str, int] = {}
        self.hit_times: dict[str, list[float]] = {}
        self.connections = 0
        self.released = threading.Event()
        site = self

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def verify_request(self, request: Any, client_address: Any) -> bool:
                site.connections += 1
                return True

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except (BrokenPipeError, ConnectionResetError, OSError):
                    self.close_connection = True

            def _serve(self, send_body: bool) -> None:
                path = self.path.split("?", 1)[0] if self.path.startswith("/") else self.path
                site.hits[path] = site.hits.get(path, 0) + 1
                site.hit_times.setdefault(path, []).append(time.monotonic())
                reply = site.routes.get(self.path) or site.routes.get(path)
                if reply is None:
                    self._head(404, "text/plain", {}, 9)
                    self.wfile.write(b"not found")
                    return
                status = reply.statuses.pop(0) if reply.statuses else reply.status
                if reply.delay:
                    site.released.wait(reply.delay)
                if reply.action == "reset":
                    # SO_LINGER 0: close() sends RST instead of FIN, as a crashing proxy or firewall does.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                if reply.action == "hang":
                    site.released.wait(60)
                    self.close_connection = True
                    return
                if reply.action in ("endless_headers", "long_header_line"):
                    self._flood_headers(reply.action == "long_header_line")
                    return
                size = reply.file.stat().st_size if reply.file else len(reply.body)
                if reply.action == "truncate":
                    self._head(status, reply.content_type, reply.headers, size * 2)
                    self.wfile.write(reply.body)
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self._head(status, reply.content_type, reply.headers, size if reply.content_length else None)
                if not send_body:
                    return
                if reply.file is None:
                    self.wfile.write(reply.body)
                else:
                    with reply.file.open("rb") as stream:
                        while chunk := stream.read(1 << 16):
                            self.wfile.write(chunk)
                if not reply.content_length:
                    self.close_connection = True

            def _flood_headers(self, one_line: bool) -> None:
                """A header block that never ends: 8 KB lines forever, or one endless line (up to 256 MiB)."""
                self.close_connection = True
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + (b"X-Pad: " if one_line else b""))
                try:
                    for number in range(32_768):
                        self.wfile.write(b"a" * 8192 if one_line else b"X-Pad-%d: %s\r\n" % (number, b"a" * 8192))
                        if site.released.is_set():
                            return
                except OSError:
                    return

            def _head(self, status: int, content_type: str, headers: dict[str, str], length: int | None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if length is None:
                    self.send_header("Connection", "close")
                else:
                    self.send_header("Content-Length", str(length))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()

            def do_GET(self) -> None:
                self._serve(True)

            def do_HEAD(self) -> None:
                self._serve(False)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._serve(True)

        self.server = Server((host, 0), Handler)
        self.host = host
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, path: str, body: bytes | str = b"", **kwargs: Any) -> Reply:
        reply = Reply(body=body.encode("utf-8") if isinstance(body, str) else body, **kwargs)
        self.routes[path] = reply
        return reply

    def url(self, path: str) -> str:
        return self.base + path

    def proxy_env(self) -> dict[str, str]:
        """Environment for a crawl that reaches every host but this machine through this site, acting as a proxy
        (a request for http://[2606:4700::1]/x arrives with that absolute URL as its path, served from `routes`)."""
        return {"http_proxy": self.base, "https_proxy": self.base, "no_proxy": "127.0.0.1,localhost"}

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------------------------
# Page, feed and document builders (all constructed)

_TOPICS = (
    "the harbour authority", "the river dredging plan", "a regional orchestra", "the rail timetable", "a wheat harvest",
    "the museum reopening", "a chess tournament", "the new ferry line", "a bakery cooperative", "the tram depot",
    "an astronomy club", "the cycling federation", "a glass factory", "the botanical garden", "a sailing regatta",
    "the city library", "a bridge inspection", "the fishing quota", "a pottery fair", "the water utility",
    "a beekeepers' union", "the ski resort", "a printing house", "the airport shuttle", "a textile mill",
    "the zoo's new enclosure", "a jazz festival", "the lighthouse keepers", "a marathon route", "the postal depot",
    "a vineyard auction", "the salt works", "a rowing club", "the observatory dome",
)


def good_article(name: str) -> str:
    """A plain, well-formed article page whose text is unique to the corpus item (so dedup keeps them apart)."""
    topic = _TOPICS[sum(map(ord, name)) % len(_TOPICS)]
    words = name.replace("_", " ")
    paragraphs = [
        (f"Control story for {words}: officials from {topic} announced on Tuesday a plan that will change how the "
         "service runs over the next two years, after months of consultation with residents."),
        (f"The {words} plan was drafted after a survey found that most people wanted longer opening hours, "
         "clearer signs and fewer delays, according to the report published by the council."),
        (f"Critics of {topic} said the budget was too small and the schedule too ambitious, while supporters argued "
         "that a gradual start would let the staff learn from early mistakes."),
        ("A spokeswoman said the first phase would begin in the spring and that a public meeting would be held "
         "before any of the larger works started in the autumn."),
        (f"Residents interviewed near the site of {topic} were cautiously optimistic, several of them saying they "
         f"had waited for the {words} changes for more than a decade."),
    ]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Control story {words}</title>'
        '<meta property="article:published_time" content="2024-05-06T08:00:00+00:00"></head>'
        f"<body><nav><a href='/'>home</a></nav><article><h1>Control story {words}</h1>{body}</article></body></html>"
    )


def good_marker(name: str) -> str:
    return f"Control story for {name.replace('_', ' ')}"


def rss(items: list[tuple[str, str, str]], *, prolog: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    """An RSS 2.0 feed of (title, link, pubDate) items; links are written as given (absolute or not)."""
    entries = "".join(
        f"<item><title>{html.escape(title)}</title><link>{html.escape(link)}</link>"
        f"<description>Lead paragraph of {html.escape(title)}.</description><pubDate>{date}</pubDate></item>"
        for title, link, date in items
    )
    return f'{prolog}<rss version="2.0"><channel><title>corpus</title><link>http://example.invalid/</link>{entries}</channel></rss>'


FEED_DATE = "Mon, 06 May 2024 08:00:00 +0000"


def sitemap(urls: list[tuple[str, str]], *, news_dates: list[str] | None = None) -> str:
    """A news sitemap of (loc, lastmod) entries; `news_dates` adds news:publication_date per entry."""
    rows = []
    for index, (loc, lastmod) in enumerate(urls):
        news = ""
        if news_dates is not None:
            news = (
                "<news:news><news:publication><news:name>corpus</news:name><news:language>en</news:language>"
                f"</news:publication><news:publication_date>{news_dates[index]}</news:publication_date>"
                f"<news:title>Entry {index}</news:title></news:news>"
            )
        rows.append(f"<url><loc>{html.escape(loc)}</loc><lastmod>{lastmod}</lastmod>{news}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(rows) + "</urlset>"
    )


def make_pdf(pages: list[str]) -> bytes:
    """A small valid PDF (Helvetica, one text line per page line), written by hand with a correct xref."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    streams = []
    for text in pages:
        lines = " ".join(f"({escape(line)}) Tj T*" for line in text.splitlines())
        streams.append(f"BT /F1 10 Tf 12 TL 50 750 Td {lines} ET".encode("latin-1"))
    return pdf_from_streams(streams)


def gzip_bomb(decompressed_bytes: int) -> bytes:
    """gzip data that inflates to `decompressed_bytes` spaces: one 16 MiB member repeated (gzip allows members)."""
    member_size = 1 << 24
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = compressor.compress(b" " * member_size) + compressor.flush()
    return member * max(1, decompressed_bytes // member_size)


def write_big_page(path: Path, size: int) -> Path:
    """An HTML page of `size` bytes, written in 1 MiB blocks so the test never holds it in memory."""
    block = ("<p>" + "filler text of an enormous page. " * 30 + "</p>\n").encode()
    with path.open("wb") as stream:
        stream.write(b"<!doctype html><html><head><title>Enormous</title></head><body>")
        written = 0
        chunk = block * ((1 << 20) // len(block))
        while written < size:
            stream.write(chunk)
            written += len(chunk)
        stream.write(b"</body></html>")
    return path


def write_huge_pdf(path: Path, pages: int) -> Path:
    lines = "\n".join(f"Line {n} of a very long annex full of tables nobody will read in a crawl." for n in range(50))
    path.write_bytes(make_pdf([f"Page {p}\n{lines}" for p in range(pages)]))
    return path


# ---------------------------------------------------------------------------------------------------------
# The corpus


@dataclass(frozen=True)
class Expect:
    """What the bad thing of an item must leave behind."""

    reasons: tuple[str, ...] = ()  # failure reasons that must be recorded for the outlet (each at least once)
    bad_status: str | None = None  # status of the stored bad article ("lead_only", "full", ...); None = not stored
    bad_contains: str | None = None  # text the stored bad article must contain (recovered items)
    check: Callable[[ItemResult], None] | None = None  # anything more


@dataclass(frozen=True)
class Item:
    name: str
    what: str  # one line: what is served
    proves: str  # one line: what the item shows
    publish: Callable[[HostileSite, str, Path], dict[str, Any]]  # adds routes; returns the outlet's TOML table
    expect: Expect


@dataclass
class ItemResult:
    """What the store holds for one item's outlet after the crawl."""

    name: str
    articles: dict[str, dict[str, Any]]  # path -> article columns
    failures: list[dict[str, Any]]
    run: dict[str, Any]
    site: HostileSite

    def article(self, suffix: str) -> dict[str, Any] | None:
        return next((a for path, a in self.articles.items() if path.endswith(suffix)), None)

    def reasons(self) -> list[str]:
        return [f["reason"] for f in self.failures]


def _feed_outlet(site: HostileSite, name: str, bad_links: list[tuple[str, str]], *, good_last: bool = False) -> dict[str, Any]:
    """Routes for an outlet whose one RSS feed lists the bad lead(s) and the good article."""
    good = (f"Good {name}", site.url(f"/{name}/good"), FEED_DATE)
    bad = [(title, link, FEED_DATE) for title, link in bad_links]
    site.add(f"/{name}/good", good_article(name))
    site.add(f"/{name}/feed.xml", rss(bad + [good] if good_last else [good] + bad), content_type="application/rss+xml")
    return {"sources": [{"kind": "rss", "url": site.url(f"/{name}/feed.xml")}]}


def _page_item(body: bytes | str, *, title: str = "Bad page", **reply: Any) -> Callable[[HostileSite, str, Path], dict[str, Any]]:
    """An item whose bad thing is the article page itself (served at /<name>/bad with `reply` options)."""

    def publish(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
        site.add(f"/{name}/bad", body, **reply)
        return _feed_outlet(site, name, [(title, site.url(f"/{name}/bad"))])

    return publish


def _listing_item(
    path: str, body: bytes | str, kind: str, **extra: Any
) -> Callable[[HostileSite, str, Path], dict[str, Any]]:
    """An item whose bad thing is a listing (feed, sitemap, API); the good article comes from a second feed."""
    content_type = extra.pop("content_type", "application/xml")

    def publish(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
        site.add(f"/{name}/{path}", body, content_type=content_type)
        table = _feed_outlet(site, name, [])
        table["sources"].insert(0, {"kind": kind, "url": site.url(f"/{name}/{path}"), **extra})
        return table

    return publish


# --- HTML ------------------------------------------------------------------------------------------------

_PARAGRAPH = (
    "The delegation arrived in the capital on Monday evening and held talks that lasted well into the night, "
    "officials said, adding that a joint statement would follow."
)

MALFORMED_HTML = (
    "<html><head><title>Malformed page</title><body><div class=story><h1>Malformed page<h1>"
    f"<p>{_PARAGRAPH}<p><b><i>Unclosed formatting {_PARAGRAPH}</div></span></td></b>"
    f"<table><tr><td><p>{_PARAGRAPH} Inside a table that never ends."
    f"</html></html><p>After the end of the document: {_PARAGRAPH}<<<>>></p></body"
)
TRUNCATED_HTML = good_article("cut_short").replace("Control story for cut short", "Truncated story")[:1500]
DEEP_HTML = "<html><head><title>Deep</title></head><body>" + "<div>" * 60_000 + _PARAGRAPH + "</div>" * 10 + "</body></html>"

# Arabic text encoded in windows-1256 while the header and the page both claim UTF-8.
ARABIC_TEXT = (
    "قال مسؤولون إن الوفد وصل إلى العاصمة مساء الاثنين وأجرى محادثات استمرت حتى ساعة متأخرة من الليل. "
    "وأضافوا أن بيانا مشتركا سيصدر في وقت لاحق بعد انتهاء الاجتماعات مع الوزراء والمسؤولين في الحكومة. "
)
WRONG_ENCODING_HTML = (
    '<html><head><meta charset="utf-8"><title>ترميز خاطئ</title></head><body><article><h1>ترميز خاطئ</h1>'
    + "".join(f"<p>{ARABIC_TEXT}</p>" for _ in range(4))
    + "</article></body></html>"
).encode("windows-1256")
HEBREW_TEXT = "המשלחת הגיעה לבירה ביום שני בערב וקיימה שיחות שנמשכו עד שעות הלילה המאוחרות, כך מסרו גורמים רשמיים. "
# A UTF-8 page with one paragraph pasted in windows-1255 (a CMS that concatenated two sources).
MIXED_ENCODING_HTML = (
    '<html lang="he"><head><meta charset="utf-8"><title>קידוד מעורב</title></head><body><article><h1>קידוד מעורב</h1>'.encode()
    + "".join(f"<p>{HEBREW_TEXT}</p>" for _ in range(3)).encode()
    + b"<p>" + HEBREW_TEXT.encode("windows-1255") + b"</p>"
    + f"<p>{HEBREW_TEXT}</p></article></body></html>".encode()
)
RUSSIAN_TEXT = "Делегация прибыла в столицу в понедельник вечером и провела переговоры, которые продлились до поздней ночи. "
# windows-1251 with no declaration anywhere (no header charset, no meta): detection must find it.
UNDECLARED_1251_HTML = (
    "<html><head><title>Без объявления кодировки</title></head><body><article><h1>Без объявления кодировки</h1>"
    + "".join(f"<p>{RUSSIAN_TEXT}</p>" for _ in range(4))
    + "</article></body></html>"
).encode("windows-1251")


def _big_page_item(*, declared: bool) -> Callable[[HostileSite, str, Path], dict[str, Any]]:
    def publish(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
        page = write_big_page(tmp / f"{name}.html", 50 * 1024 * 1024)
        site.add(f"/{name}/bad", file=page, content_length=declared)
        return _feed_outlet(site, name, [("Enormous page", site.url(f"/{name}/bad"))])

    return publish


def _gzip_bomb_page(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
    site.add(f"/{name}/bad", gzip_bomb(1 << 30), headers={"Content-Encoding": "gzip"})
    return _feed_outlet(site, name, [("Gzip bomb", site.url(f"/{name}/bad"))])


# --- XML listings ----------------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + ']><rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><link>http://example.invalid/a</link></item></channel></rss>'
)
XXE_FEED = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title><link>http://example.invalid/a</link>'
    "<description>&xxe;</description></item></channel></rss>"
)
# The same attack with the DOCTYPE pushed past the first 150 KB by a comment (XML allows comments before it).
XXE_FEED_LATE = XXE_FEED.replace('<?xml version="1.0"?>', '<?xml version="1.0"?><!--' + "x" * 150_000 + "-->")
XXE_SITEMAP = (
    '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://example.invalid/&xxe;</loc></url></urlset>'
)
BAD_DATES = ["yesterday", "Thu, 32 Foo 2024 25:61:00 +9999", "0000-00-00T00:00:00", "Fri, 01 Jan 99999 00:00:00 GMT", ""]


def _feed_bad_dates(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
    site.add(f"/{name}/good", good_article(name))
    items = [(f"Dated {i}", site.url(f"/{name}/bad{i}"), date) for i, date in enumerate(BAD_DATES)]
    for index in range(len(BAD_DATES)):
        site.add(f"/{name}/bad{index}", good_article(f"{name} {index}"))
    site.add(f"/{name}/feed.xml", rss([*items, (f"Good {name}", site.url(f"/{name}/good"), "not a date either")]),
             content_type="application/rss+xml")
    return {"sources": [{"kind": "rss", "url": site.url(f"/{name}/feed.xml")}]}


def _sitemap_bad_dates(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
    site.add(f"/{name}/good", good_article(name))
    urls = [(site.url(f"/{name}/bad{i}"), date) for i, date in enumerate(BAD_DATES)] + [(site.url(f"/{name}/good"), "2024-13-45")]
    for index in range(len(BAD_DATES)):
        site.add(f"/{name}/bad{index}", good_article(f"{name} {index}"))
    site.add(f"/{name}/sitemap.xml", sitemap(urls, news_dates=[*BAD_DATES, "2024-02-30T25:00:00Z"]), content_type="application/xml")
    return {"sources": [{"kind": "news_sitemap", "url": site.url(f"/{name}/sitemap.xml")}]}


def _sitemap_50k(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
    site.add(f"/{name}/good", good_article(name))
    urls = [(site.url(f"/{name}/good"), "2024-05-06")] + [(site.url(f"/{name}/tag/{n}"), "2024-05-06") for n in range(49_999)]
    path = tmp / f"{name}.xml"
    path.write_text(sitemap(urls), encoding="utf-8")
    site.add(f"/{name}/sitemap.xml", file=path, content_type="application/xml")
    return {"sources": [{"kind": "sitemap", "url": site.url(f"/{name}/sitemap.xml")}], "article_url_pattern": f"/{name}/good"}


def _sitemap_gzip_bomb(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
    # A .xml.gz served as a file (no Content-Encoding): the sitemap parser itself must bound the inflation.
    site.add(f"/{name}/sitemap.xml.gz", gzip_bomb(1 << 30), content_type="application/x-gzip")
    table = _feed_outlet(site, name, [])
    table["sources"].insert(0, {"kind": "sitemap", "url": site.url(f"/{name}/sitemap.xml.gz")})
    return table


# --- PDFs ------------------------------------------------------------------------------------------------


def _pdf_item(make: Callable[[Path, str], bytes | Path]) -> Callable[[HostileSite, str, Path], dict[str, Any]]:
    def publish(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
        made = make(tmp, name)
        if isinstance(made, Path):
            site.add(f"/{name}/bad.pdf", file=made, content_type="application/pdf")
        else:
            site.add(f"/{name}/bad.pdf", made, content_type="application/pdf")
        return _feed_outlet(site, name, [("A report", site.url(f"/{name}/bad.pdf"))])

    return publish


def _corrupt_pdf(tmp: Path, name: str) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(30_000) + b"\n%%EOF\n"


def flate_pdf(block: bytes, inflated_bytes: int) -> bytes:
    """A one-page PDF whose FlateDecode content stream inflates to `inflated_bytes` of `block` repeated."""
    compressor = zlib.compressobj(9)
    chunk = block * max(1, (1 << 20) // len(block))
    data = b"".join(compressor.compress(chunk) for _ in range(inflated_bytes // len(chunk))) + compressor.flush()
    return pdf_from_streams([data], filters="/FlateDecode")


# --- JSON APIs -------------------------------------------------------------------------------------------


def _api_item(body: str, *, items_path: str = "items") -> Callable[[HostileSite, str, Path], dict[str, Any]]:
    return _listing_item("api.json", body, "json_api", items_path=items_path, content_type="application/json")


def _api_wrong_types(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
    site.add(f"/{name}/good", good_article(name))
    items = (
        '[{"url": 12345, "title": ["a", "list"], "date": {"a": 1}}, {"url": null}, "a string", 7, '
        '{"url": {"rendered": "<b>x</b>"}, "title": {"rendered": "&amp;&lt;"}, "date": [2024, 5, 6]}, '
        '{"url": "' + site.url(f"/{name}/good") + '", "title": "Good", "date": 1e300}]'
    )
    site.add(f"/{name}/api.json", '{"items": ' + items + "}", content_type="application/json")
    return {
        "sources": [{"kind": "json_api", "url": site.url(f"/{name}/api.json"), "items_path": "items"}],
        "article_url_pattern": f"/{name}/good",
    }


# --- redirects and URLs ----------------------------------------------------------------------------------


def _redirect_loop(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
    site.add(f"/{name}/bad", status=302, headers={"Location": f"/{name}/bad-next"})
    site.add(f"/{name}/bad-next", status=301, headers={"Location": f"/{name}/bad"})
    return _feed_outlet(site, name, [("Going round", site.url(f"/{name}/bad"))])


def _redirect_chain(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
    for hop in range(12):
        site.add(f"/{name}/bad{hop or ''}", status=302, headers={"Location": f"/{name}/bad{hop + 1}"})
    return _feed_outlet(site, name, [("Far away", site.url(f"/{name}/bad"))])


ODD_SCHEME_LINKS = [
    ("Script link", "javascript:alert(document.cookie)"),
    ("Local file", "file:///etc/passwd"),
    ("Inline data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    ("Mail link", "mailto:editor@example.invalid"),
    ("FTP link", "ftp://127.0.0.1/pub/file.txt"),
    ("Mixed-case script", "JaVaScRiPt:alert(1)"),
    ("Bare script", "javascript:alert(1)"),
    # The outlet's own host name under another scheme: must not ride on the host's explicit allowance.
    ("Local file on the outlet's host", "file://127.0.0.1/etc/passwd"),
]


def _odd_schemes(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
    # The good article comes LAST: the odd links before it must not cost the rest of the listing.
    return _feed_outlet(site, name, ODD_SCHEME_LINKS, good_last=True)


# --- checks beyond reasons -------------------------------------------------------------------------------


def _no_passwd(result: ItemResult) -> None:
    texts = " ".join(str(a.get("text")) + str(a.get("title")) for a in result.articles.values())
    assert "root:" not in texts, "an external entity was resolved into stored text"


def _dates_recovered(result: ItemResult) -> None:
    dated = [a for path, a in result.articles.items() if f"/{result.name}/bad" in path]
    assert len(dated) == len(BAD_DATES), sorted(result.articles)
    for article in dated:
        # The listing's broken date is ignored; the page's own date is used, and nothing is set in year 0 or 99999.
        assert article["published_at"] is not None and 2000 < article["published_at"].year < 2100
        assert article["published_source"] not in ("feed", "sitemap:news")


def _fifty_thousand(result: ItemResult) -> None:
    stats = result.run["stats"]
    assert stats.get("listing/parsed") == 1
    assert stats.get("leads/found") == 200  # crawl.max_items_per_listing bounds the work per listing
    assert result.site.hits.get(f"/{result.name}/tag/1", 0) == 0


def _bounded_download(result: ItemResult) -> None:
    detail = " ".join(f["detail"] for f in result.failures if f["reason"] == "too_large")
    assert "size limit" in detail or "MAXSIZE" in detail or "max size" in detail, detail


def _odd_scheme_refusals(result: ItemResult) -> None:
    refused = [f for f in result.failures if f["reason"] == "unsafe_url"]
    assert len(refused) == len(ODD_SCHEME_LINKS), [(f["url"], f["detail"]) for f in result.failures]
    assert all(f["detail"] for f in refused)


def _redirect_refused_once(result: ItemResult) -> None:
    assert result.site.hits.get(f"/{result.name}/bad", 0) == 1, result.site.hits


def _api_junk_ignored(result: ItemResult) -> None:
    assert result.run["stats"].get("listing/parsed") == 1


# --- Round 2 (issue 16): memory past the download limit, header floods, URLs that broke parsers ------------

PUBLIC_IPV6 = "http://[2606:4700::1]"


def _ipv6_links(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
    # A public IPv6 literal (reached through the site acting as proxy: no packet leaves the machine) and an
    # IPv4-compatible spelling of this machine; the good article comes last, so a raise would lose it.
    # The whole outlet lives on the IPv6 address (its domain), so its links are not offsite.
    inner = f"http://[::127.0.0.1]:{site.port}/{name}/inner"
    site.add(f"{PUBLIC_IPV6}/{name}/bad", good_article(f"{name} over IPv6"))
    site.add(f"{PUBLIC_IPV6}/{name}/good", good_article(name))
    links = [("IPv6 story", f"{PUBLIC_IPV6}/{name}/bad"), ("Inner", inner), (f"Good {name}", f"{PUBLIC_IPV6}/{name}/good")]
    site.add(f"{PUBLIC_IPV6}/{name}/feed.xml", rss([(title, link, FEED_DATE) for title, link in links]), content_type="application/rss+xml")
    return {"sources": [{"kind": "rss", "url": f"{PUBLIC_IPV6}/{name}/feed.xml"}]}


def _ipv6_checks(result: ItemResult) -> None:
    refused = [f for f in result.failures if f["reason"] == "unsafe_url"]
    assert [f["url"] for f in refused] == [f"http://[::127.0.0.1]:{result.site.port}/{result.name}/inner"], refused
    assert result.site.hits.get(f"/{result.name}/inner", 0) == 0


def _canonical_internal(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
    other = f"http://127.0.0.1:{site.port + 1}/{name}/elsewhere"
    page = good_article(f"{name} declared").replace("</head>", f'<link rel="canonical" href="{other}"></head>')
    return _page_item(page)(site, name, tmp)


def _canonical_kept(result: ItemResult) -> None:
    bad = next(a for path, a in result.articles.items() if f"/{result.name}/bad" in path)
    assert f":{result.site.port}/{result.name}/bad" in bad["url"], bad["url"]


def _headers_refused(result: ItemResult) -> None:
    detail = " ".join(f["detail"] for f in result.failures if f["reason"] == "headers_too_large")
    assert "header" in detail, detail


def deflate_bomb(decompressed_bytes: int) -> bytes:
    """zlib (Content-Encoding: deflate) data inflating to `decompressed_bytes` spaces."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    return b"".join(compressor.compress(chunk) for _ in range(decompressed_bytes >> 20)) + compressor.flush()


def _malformed_redirects(site: HostileSite, name: str, tmp: Path) -> dict[str, Any]:
    site.add(f"/{name}/bad", status=302, headers={"Location": "http://[::1"})
    site.add(f"/{name}/bad-port", status=302, headers={"Location": "http://example.org:99999/x"})
    return _feed_outlet(site, name, [("Bracket", site.url(f"/{name}/bad")), ("Port", site.url(f"/{name}/bad-port"))])


# JSON-LD 100,000 levels deep in an otherwise good page: the page's text must survive the structured data.
DEEP_JSONLD_PAGE = good_article("jsonld_deep_nesting").replace(
    "</head>", '<script type="application/ld+json">' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "</script></head>")

DEEP_JSON = '{"items": ' + "[" * 50_000 + "]" * 50_000 + "}"
XXE_FEED_UTF16 = XXE_FEED.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16")
XXE_FEED_UTF32 = XXE_FEED.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-32"?>').encode("utf-32")
# 300 MiB of tiny text objects in 0.76 MB: pdfium would build ten million page objects (5.1 GB).
TEXT_OBJECT = b"BT /F1 1 Tf 10 10 Td (A) Tj ET\n"


CORPUS: tuple[Item, ...] = (
    Item("html_malformed", "tag soup: unclosed and stray tags, text after </html>", "markup errors cost nothing: the text is recovered",
         _page_item(MALFORMED_HTML), Expect(bad_status="full", bad_contains="The delegation arrived")),
    Item("html_truncated_document", "a complete transfer of a page cut off mid-tag", "the part that arrived is kept",
         _page_item(TRUNCATED_HTML), Expect(bad_status="full", bad_contains="Truncated story")),
    Item("html_truncated_transfer", "Content-Length says twice what is sent, then the connection closes",
         "a short read is a recorded failure (retried once), never half a page stored as the article",
         _page_item(_PARAGRAPH * 20, action="truncate"), Expect(reasons=("truncated_response",), bad_status="lead_only")),
    Item("html_no_body", "a page with a head and no body", "no text -> extraction_empty; the feed's title and lead are kept",
         _page_item("<html><head><title>No body here</title></head></html>"), Expect(reasons=("extraction_empty",), bad_status="lead_only")),
    Item("html_deep_nesting", "60,000 nested <div>s (under the size limit)", "parser depth limits cost one page, not the run",
         _page_item(DEEP_HTML), Expect(reasons=("extraction_empty",), bad_status="lead_only")),
    Item("binary_as_html", "30 KB of random bytes served as text/html", "binary junk is never stored as article text",
         _page_item(os.urandom(30_000)), Expect(reasons=("extraction_empty",), bad_status="lead_only")),
    Item("encoding_wrong_declared", "windows-1256 Arabic while header and <meta> say UTF-8", "text decoded by evidence, not by the lie",
         _page_item(WRONG_ENCODING_HTML), Expect(bad_status="full", bad_contains="الوفد وصل إلى العاصمة")),
    Item("encoding_mixed", "a UTF-8 Hebrew page with one paragraph in windows-1255", "the UTF-8 paragraphs survive intact",
         _page_item(MIXED_ENCODING_HTML), Expect(bad_status="full", bad_contains="המשלחת הגיעה לבירה")),
    Item("encoding_undeclared", "windows-1251 Russian with no charset anywhere", "detection finds the encoding",
         _page_item(UNDECLARED_1251_HTML, content_type="text/html"), Expect(bad_status="full", bad_contains="Делегация прибыла")),
    Item("page_50mb", "a 50 MB page with Content-Length", "DOWNLOAD_MAXSIZE refuses it before the body is read",
         _big_page_item(declared=True), Expect(reasons=("too_large",), bad_status="lead_only", check=_bounded_download)),
    Item("page_50mb_streamed", "a 50 MB page without Content-Length", "DOWNLOAD_MAXSIZE stops it mid-stream",
         _big_page_item(declared=False), Expect(reasons=("too_large",), bad_status="lead_only", check=_bounded_download)),
    Item("gzip_bomb", "1 MB of gzip (Content-Encoding: gzip) that inflates to 1 GiB", "decompression stops at DOWNLOAD_MAXSIZE",
         _gzip_bomb_page, Expect(reasons=("too_large",), bad_status="lead_only", check=_bounded_download)),
    Item("feed_billion_laughs", "an RSS feed with nested entity expansion", "entity declarations are refused before parsing",
         _listing_item("bad.xml", BILLION_LAUGHS, "rss"), Expect(reasons=("feed_unsafe_xml",))),
    Item("feed_xxe", "an RSS feed with an external entity on file:///etc/passwd", "no external entity is ever resolved",
         _listing_item("bad.xml", XXE_FEED, "rss"), Expect(reasons=("feed_unsafe_xml",), check=_no_passwd)),
    Item("feed_xxe_late", "the XXE feed with its DOCTYPE pushed past 150 KB by a comment", "the guard reads the whole prolog",
         _listing_item("bad.xml", XXE_FEED_LATE, "rss"), Expect(reasons=("feed_unsafe_xml",), check=_no_passwd)),
    Item("sitemap_xxe", "a sitemap with an external entity", "sitemaps refuse entity declarations too",
         _listing_item("sitemap.xml", XXE_SITEMAP, "sitemap"), Expect(reasons=("sitemap_unsafe_xml",), check=_no_passwd)),
    Item("feed_bad_dates", "RSS pubDates like 'yesterday', day 32, year 0000 and 99999", "broken listing dates are ignored, the page's date used",
         _feed_bad_dates, Expect(check=_dates_recovered)),
    Item("sitemap_bad_dates", "sitemap lastmod/news dates like month 13 and 30 February", "broken listing dates are ignored",
         _sitemap_bad_dates, Expect(check=_dates_recovered)),
    Item("sitemap_50k", "a sitemap with 50,000 entries (5 MB)", "parsed in one pass; work per listing bounded",
         _sitemap_50k, Expect(check=_fifty_thousand)),
    Item("sitemap_gzip_bomb", "a .xml.gz sitemap inflating to 1 GiB (no Content-Encoding)", "the sitemap parser bounds inflation",
         _sitemap_gzip_bomb, Expect(reasons=("sitemap_too_large",))),
    Item("pdf_encrypted", "a PDF that needs a user password", "recorded as pdf_unreadable; the PDF kept as pdf_pending",
         _pdf_item(lambda tmp, name: (FIXTURES / "encrypted_user_password.pdf").read_bytes()),
         Expect(reasons=("pdf_unreadable",), bad_status="pdf_pending")),
    Item("pdf_corrupt", "%PDF- header followed by random bytes", "recorded as pdf_unreadable; the PDF kept as pdf_pending",
         _pdf_item(_corrupt_pdf), Expect(reasons=("pdf_unreadable",), bad_status="pdf_pending")),
    Item("pdf_huge", "a valid 3,000-page PDF of ~13 MB", "DOWNLOAD_MAXSIZE refuses it",
         _pdf_item(lambda tmp, name: write_huge_pdf(tmp / f"{name}.pdf", 3000)),
         Expect(reasons=("too_large",), bad_status="lead_only", check=_bounded_download)),
    Item("api_wrong_shape", "a JSON API answering a string where the item list belongs", "api_wrong_shape, with the path named",
         _api_item('{"items": "maintenance"}'), Expect(reasons=("api_wrong_shape",))),
    Item("api_not_json", "a JSON API answering an HTML error page", "api_not_json",
         _api_item("<html><body>Rate limit exceeded</body></html>"), Expect(reasons=("api_not_json",))),
    Item("api_wrong_types", "API items with numbers, lists, objects and 1e300 where strings belong", "junk fields are skipped, the good item kept",
         _api_wrong_types, Expect(check=_api_junk_ignored)),
    Item("redirect_loop", "/bad -> /bad-next -> /bad", "a loop is a recorded failure, not a silently dropped request",
         _redirect_loop, Expect(reasons=("redirect_loop",), bad_status="lead_only", check=_redirect_refused_once)),
    Item("redirect_chain", "a chain of 12 redirects", "REDIRECT_MAX_TIMES stops it: too_many_redirects",
         _redirect_chain, Expect(reasons=("too_many_redirects",), bad_status="lead_only")),
    Item("odd_schemes", "feed links with javascript:, file:, data:, mailto:, ftp: schemes", "each refused as unsafe_url; the rest of the feed is crawled",
         _odd_schemes, Expect(reasons=("unsafe_url",), check=_odd_scheme_refusals)),
    Item("pdf_flate_bomb", "a 1 MB PDF whose content stream inflates to 1 GiB of spaces", "the document budget stops inflation before pdfium",
         _pdf_item(lambda tmp, name: flate_pdf(b" ", 1 << 30)), Expect(reasons=("extraction_too_large",), bad_status="lead_only")),
    Item("pdf_object_bomb", "a 0.76 MB PDF: 300 MiB of one-glyph text objects", "page objects are counted before pdfium builds them",
         _pdf_item(lambda tmp, name: flate_pdf(TEXT_OBJECT, 300 << 20)), Expect(reasons=("extraction_too_many_objects",), bad_status="lead_only")),
    Item("headers_endless", "8 KB header lines that never end", "the header cap fails one request, not the crawl's memory",
         _page_item(b"", action="endless_headers"), Expect(reasons=("headers_too_large",), bad_status="lead_only", check=_headers_refused)),
    Item("header_line_endless", "one header line that never ends", "headers_too_large, not an unexplained reset",
         _page_item(b"", action="long_header_line"), Expect(reasons=("headers_too_large",), bad_status="lead_only", check=_headers_refused)),
    Item("feed_ipv6_literals", "feed links to a public IPv6 literal and to [::127.0.0.1]:port, the good story last",
         "IPv6 literals get an identity; an embedded internal IPv4 is unsafe_url; the rest of the feed is crawled",
         _ipv6_links, Expect(reasons=("unsafe_url",), bad_status="full", bad_contains="over IPv6", check=_ipv6_checks)),
    Item("canonical_internal", "a page whose rel=canonical names another port on an internal address", "the article keeps its own URL",
         _canonical_internal, Expect(bad_status="full", check=_canonical_kept)),
    Item("api_deep_nesting", "a JSON API answer nested 50,000 deep", "api_too_deep, not a RecursionError",
         _api_item(DEEP_JSON), Expect(reasons=("api_too_deep",))),
    Item("feed_xxe_utf16", "the XXE feed encoded in UTF-16", "entity declarations are found in wide encodings",
         _listing_item("bad.xml", XXE_FEED_UTF16, "rss"), Expect(reasons=("feed_unsafe_xml",), check=_no_passwd)),
    Item("deflate_bomb", "1 MB of Content-Encoding: deflate that inflates to 1 GiB", "every content coding is bounded, not only gzip",
         _page_item(deflate_bomb(1 << 30), headers={"Content-Encoding": "deflate"}),
         Expect(reasons=("too_large",), bad_status="lead_only", check=_bounded_download)),
    Item("charset_unknown", "a page labelled charset=x-no-such-charset", "an unknown label falls back to detection",
         _page_item(good_article("bogus charset page"), content_type="text/html; charset=x-no-such-charset"),
         Expect(bad_status="full", bad_contains="bogus charset page")),
    Item("jsonld_deep_nesting", "JSON-LD nested 100,000 deep in the article's head", "structured data never costs the page its text",
         _page_item(DEEP_JSONLD_PAGE), Expect(bad_status="full", bad_contains="jsonld deep nesting")),
    Item("redirect_malformed", "redirects to http://[::1 and to port 99999", "an unparsable Location is a recorded failure; lead kept",
         _malformed_redirects, Expect(reasons=("unsafe_url",), bad_status="lead_only")),
    Item("feed_xxe_utf32", "the XXE feed encoded in UTF-32", "entity declarations are found in wide encodings",
         _listing_item("bad.xml", XXE_FEED_UTF32, "rss"), Expect(reasons=("feed_unsafe_xml",), check=_no_passwd)),
)


# ---------------------------------------------------------------------------------------------------------
# Running crawls


CRAWL_SETTINGS = f"""
[crawl]
download_delay = 0
autothrottle_start_delay = 0
retry_times = 1
download_timeout = {DOWNLOAD_TIMEOUT_S}
max_page_bytes = {MAX_BYTES}
max_pdf_bytes = {MAX_BYTES}
"""


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value + "'" if "'" not in value else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def write_config(path: Path, db_url: str, outlets: dict[str, dict[str, Any]], *, crawl: str = CRAWL_SETTINGS, extra: str = "") -> Path:
    tables = []
    for name, table in outlets.items():
        values = {"title": f"Corpus item {name}", "language": "en", **table}
        tables.append(f"[outlets.{name}]\n" + "\n".join(f"{key} = {_toml_value(value)}" for key, value in values.items()))
    path.write_text(f'[storage]\nurl = "{db_url}"\n{crawl}\n{extra}\n' + "\n\n".join(tables) + "\n", encoding="utf-8")
    return path


@dataclass
class CrawlProcess:
    returncode: int
    stdout: str
    stderr: str
    max_rss_mb: float
    seconds: float


def run_crawl_process(
    config: Path, names: list[str], *, env: dict[str, str] | None = None, timeout: float = 240, verbose: bool = False
) -> CrawlProcess:
    """`python -m crawler.cli.app crawl NAMES --config FILE` as the scheduler runs it; returns output and peak RSS."""
    command = [sys.executable, "-m", "crawler.cli", "crawl", *names, "--config", str(config)] + (["-v"] if verbose else [])
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    output: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda name=name, stream=stream: output.update({name: stream.read()}), daemon=True)
        for name, stream in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    watchdog = threading.Timer(timeout, process.kill)
    watchdog.start()
    try:
        # os.wait4 gives this child's own rusage (RUSAGE_CHILDREN would mix in every earlier child).
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        watchdog.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(30)
    stdout, stderr = (output.get(name, b"").decode("utf-8", "replace") for name in ("out", "err"))
    return CrawlProcess(process.returncode, stdout, stderr, usage.ru_maxrss / 1024, time.monotonic() - started)


def collect(db_url: str, name: str, site: HostileSite) -> ItemResult:
    from sqlalchemy import select

    from storage.db import make_engine, make_session_factory
    from storage.models import Article, CrawlRun, Failure

    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            articles = {
                a.url.split(f":{site.port}", 1)[-1]: {
                    "status": a.status, "text": a.text, "title": a.title, "published_at": a.published_at,
                    "published_source": a.published_source, "url": a.url, "extraction_method": a.extraction_method,
                }
                for a in session.scalars(select(Article).where(Article.outlet == name))
            }
            failures = [
                {"reason": f.reason, "url": f.url, "detail": f.detail, "http_status": f.http_status}
                for f in session.scalars(select(Failure).where(Failure.source == name))
            ]
            run = session.scalars(select(CrawlRun).where(CrawlRun.source == name).order_by(CrawlRun.id.desc())).first()
            run_data = {"outcome": run.outcome, "stats": dict(run.stats or {}), "failures_by_reason": dict(run.failures_by_reason or {})} if run else {}
    finally:
        engine.dispose()
    return ItemResult(name, articles, failures, run_data, site)


def check_item(item: Item, result: ItemResult) -> list[str]:
    """Every way the item's outcome differs from its expectation (empty = handled cleanly)."""
    problems = []
    good = result.article(f"/{item.name}/good")
    if good is None or good["status"] != "full" or good_marker(item.name) not in (good["text"] or ""):
        problems.append(f"good article not stored in full: {good and (good['status'], good['text'][:80])}")
    if not result.run:
        problems.append("no crawl run recorded")
    elif result.run["outcome"] == "running":
        problems.append("run never closed")
    elif result.run["stats"].get("spider_exceptions/count"):
        problems.append(f"spider exceptions: {result.run['stats'].get('spider_exceptions/count')}")
    reasons = result.reasons()
    for reason in item.expect.reasons:
        if reason not in reasons:
            problems.append(f"expected failure {reason!r}, recorded {reasons}")
    if not item.expect.reasons and reasons and item.expect.check is None:
        problems.append(f"unexpected failures {reasons}")
    for failure in result.failures:
        if failure["reason"] in ("download_error", "ignored", "extraction_error"):
            problems.append(f"unclear failure reason {failure['reason']}: {failure['detail'][:200]}")
    bad = next((a for path, a in result.articles.items() if f"/{item.name}/bad" in path), None)
    if item.expect.bad_status is not None:
        if bad is None or bad["status"] != item.expect.bad_status:
            problems.append(f"bad article: expected status {item.expect.bad_status}, got {bad and bad['status']}")
        elif item.expect.bad_contains and item.expect.bad_contains not in (bad["text"] or ""):
            problems.append(f"bad article text lacks {item.expect.bad_contains!r}: {bad['text'][:200]!r}")
    if item.expect.check is not None:
        try:
            item.expect.check(result)
        except AssertionError as error:
            problems.append(f"check failed: {error}")
    return problems


# ---------------------------------------------------------------------------------------------------------
# The tests: one crawl of the whole corpus, one test case per item


@dataclass
class CorpusRun:
    process: CrawlProcess
    results: dict[str, ItemResult]


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> CorpusRun:
    tmp = tmp_path_factory.mktemp("bad_input")
    db_url = f"sqlite:///{tmp / 'cw.db'}"
    with HostileSite() as site:
        outlets = {item.name: item.publish(site, item.name, tmp) for item in CORPUS}
        config = write_config(tmp / "coverwatch.toml", db_url, outlets)
        process = run_crawl_process(config, list(outlets), env=site.proxy_env())
        results = {item.name: collect(db_url, item.name, site) for item in CORPUS}
    return CorpusRun(process, results)


def test_corpus_crawl_does_not_crash(corpus_run: CorpusRun) -> None:
    process = corpus_run.process
    assert process.returncode == 0, process.stderr[-4000:]
    assert "Traceback" not in process.stderr, process.stderr[-4000:]
    assert process.max_rss_mb < PEAK_RSS_LIMIT_MB, f"peak RSS {process.max_rss_mb:.0f} MB over the whole corpus"


@pytest.mark.parametrize("item", CORPUS, ids=[item.name for item in CORPUS])
def test_corpus_item(item: Item, corpus_run: CorpusRun) -> None:
    result = corpus_run.results[item.name]
    assert check_item(item, result) == [], (result.failures, sorted(result.articles))


def test_readme_lists_every_item() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    missing = [item.name for item in CORPUS if f"`{item.name}`" not in readme]
    assert not missing, f"tests/fixtures/bad_input/README.md does not describe {missing}"
