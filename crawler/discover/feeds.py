"""Parse RSS/Atom feeds (feedparser) with encodings decided by evidence, not by the declaration alone.

Pure: bytes in, Leads out. ynetnews declares windows-1255; some feeds declare one encoding and are another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from calendar import timegm

import feedparser
from charset_normalizer import from_bytes

from crawler.extract.timestamps import listing_date
from crawler.model import DateEvidence

_XML_DECL_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9_.:-]+)(["'])""")
# Entity declarations are how billion-laughs and XXE attacks start; no news feed needs one. The whole body is
# searched (~2 ms a MB): a comment may push the DOCTYPE arbitrarily far down the prolog.
ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
# The same declaration in the wide encodings XML parsers detect on their own (a BOM or the "<?xml" pattern):
# UTF-16 and UTF-32, either byte order. Matched case-insensitively, letter by letter.
_WIDE_ENCODINGS = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
WIDE_ENTITY_DECLS = tuple(
    re.compile(b"".join(b"(?:" + re.escape(c.lower().encode(enc)) + b"|" + re.escape(c.upper().encode(enc)) + b")" for c in "<!ENTITY"))
    for enc in _WIDE_ENCODINGS
)


def declares_entities(body: bytes) -> bool:
    """Whether an XML body declares an entity, in any encoding an XML parser might read it in."""
    return bool(ENTITY_DECL.search(body)) or any(pattern.search(body) for pattern in WIDE_ENTITY_DECLS)


class ListingError(Exception):
    """A listing (feed, sitemap, API answer) that cannot be used; the message is the recorded reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Lead:
    """An article URL discovered in a listing, with whatever the listing said about it."""

    url: str
    route: str  # "rss", "news_sitemap", "wordpress_api", "google_news", ...
    title: str | None = None
    lead: str | None = None
    published: DateEvidence | None = None
    modified: datetime | None = None
    language: str | None = None
    keywords: list[str] = field(default_factory=list)
    publisher_domain: str | None = None  # Google News <source url>: the real outlet behind an opaque link


def decode_xml(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode XML bytes, returning (text, encoding actually used).

    Strict UTF-8 is tried first: multi-byte UTF-8 almost never decodes by accident, so success is strong evidence
    even when the declaration says windows-1255. Otherwise the declaration, then the HTTP header, then detection.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    match = _XML_DECL_ENCODING.match(body)
    for candidate in (match.group(2).decode("ascii") if match else None, header_charset):
        if not candidate or candidate.lower().replace("-", "") == "utf8":
            continue
        try:
            return body.decode(candidate), candidate.lower()
        except (UnicodeDecodeError, LookupError):
            continue
    best = from_bytes(body[:500_000]).best()
    if best is not None and best.encoding:
        return body.decode(best.encoding, errors="replace"), best.encoding
    return body.decode("utf-8", errors="replace"), "utf-8 (lossy)"


def _as_utf8_document(text: str) -> bytes:
    """Re-encode as UTF-8 and make the XML declaration agree, so feedparser cannot re-decode it wrongly."""
    data = text.encode("utf-8")
    return _XML_DECL_ENCODING.sub(rb"\g<1>utf-8\g<3>", data, count=1)


def _entry_date(entry: feedparser.FeedParserDict) -> DateEvidence | None:
    """The entry's date with the offset the feed stated; feedparser's own parse (UTC) when only it can read it."""
    for key in ("published", "updated", "created"):
        stated = listing_date(entry.get(key), "feed")
        if stated is not None:
            return stated
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            try:
                return DateEvidence(datetime.fromtimestamp(timegm(parsed), tz=timezone.utc), "feed")
            except (OverflowError, ValueError):
                continue
    return None


def parse_feed(body: bytes, url: str, *, header_charset: str | None = None, route: str = "rss") -> list[Lead]:
    """Every entry of an RSS/Atom feed as a Lead. Raises ListingError when the body is not a usable feed."""
    if not body.strip():
        raise ListingError("feed_empty", "empty response body")
    if declares_entities(body):
        raise ListingError("feed_unsafe_xml", "DTD entity declarations refused (entity expansion / XXE guard)")
    text, _encoding = decode_xml(body, header_charset)
    if "<!entity" in text.lower():  # whatever encoding the declaration hid in (EBCDIC, a detected charset)
        raise ListingError("feed_unsafe_xml", f"DTD entity declarations refused (in {_encoding} text)")
    parsed = feedparser.parse(_as_utf8_document(text), response_headers={"content-location": url})
    if not parsed.entries:
        if parsed.get("bozo") and not parsed.get("version"):
            reason = type(parsed.get("bozo_exception")).__name__ if parsed.get("bozo_exception") else "unknown"
            raise ListingError("feed_malformed", f"not RSS/Atom ({reason})")
        return []
    leads = []
    for entry in parsed.entries:
        link = entry.get("link") or entry.get("id")
        if not link:
            continue
        source = entry.get("source") or {}
        leads.append(
            Lead(
                url=link.strip(),
                route=route,
                title=(entry.get("title") or "").strip() or None,
                lead=_plain(entry.get("summary")),
                published=_entry_date(entry),
                language=parsed.feed.get("language"),
                keywords=[tag.get("term") for tag in entry.get("tags", []) if tag.get("term")],
                publisher_domain=(source.get("href") or None) if hasattr(source, "get") else None,
            )
        )
    return leads


_TAGS = re.compile(r"<[^>]+>")


def _plain(html: str | None) -> str | None:
    if not html:
        return None
    from html import unescape

    text = " ".join(unescape(_TAGS.sub(" ", html)).split())
    return text or None
