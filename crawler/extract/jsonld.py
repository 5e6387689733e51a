"""schema.org JSON-LD article data from a page's `<script type="application/ld+json">` blocks.

Pure stage: `read_jsonld(script_texts, url) -> JsonLdArticle | None`.

Publishers put the article's own record (headline, dates, authors, language, sometimes the full body) in
JSON-LD for search engines, so it is usually the best evidence for metadata. The blocks are hand-templated by
CMSs and often slightly broken (trailing commas, raw newlines inside strings, HTML comments around them), and
the article record may sit in a list, in an `@graph`, or under a WebPage's `mainEntity`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crawler.extract.budget import MAX_DEPTH, nesting_depth
from crawler.extract.repetition import without_repetition

# schema.org types whose record describes the article itself (Article and its news/blog subtypes).
ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "AskPublicNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
        "ScholarlyArticle",
        "TechArticle",
        "SatiricalArticle",
    }
)
# Types that wrap the article record (WebPage.mainEntity) or carry page-level dates when no Article exists.
_PAGE_TYPES = frozenset({"WebPage", "ItemPage", "CollectionPage", "AboutPage", "ProfilePage"})
# Nesting is shallow in practice; the bound keeps a pathological block from costing anything.
_MAX_DEPTH = 6
# CMS templates wrap the JSON in comments or CDATA markers that json.loads rejects.
_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?://\s*\]\]>|\]\]>|-->)\s*$")
_TRAILING_COMMA = re.compile(r",\s*([\]}])")
# Raw control characters (newlines, tabs) inside strings: invalid JSON, but json.loads(strict=False) takes them.
_HTML_TAG = re.compile(r"<[^>]+>")
_WHITESPACE_RUN = re.compile(r"[ \t\u00a0]+")


@dataclass(frozen=True)
class JsonLdArticle:
    """The fields coverwatch uses from one schema.org Article record (raw strings; dates unparsed)."""

    type: str
    headline: str | None = None
    body: str | None = None
    description: str | None = None
    date_published: str | None = None
    date_modified: str | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    url: str | None = None
    keywords: tuple[str, ...] = ()
    publisher: str | None = None


def parse_blocks(script_texts: Iterable[str]) -> tuple[list[Any], int]:
    """Decode each JSON-LD block tolerantly; returns the decoded values and how many blocks could not be read."""
    values: list[Any] = []
    failures = 0
    for raw in script_texts:
        text = _WRAPPERS.sub("", raw or "").strip()
        if not text:
            continue
        value = _loads(text)
        if value is None:
            failures += 1
        else:
            values.append(value)
    return values, failures


def _loads(text: str) -> Any:
    # The document budget's depth first: json.loads takes seconds to overflow its stack on a 100,000-deep block
    # (twice, with the repair below), all of it on the crawl's one reactor thread.
    if nesting_depth(text, stop_above=MAX_DEPTH) > MAX_DEPTH:
        return None
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return json.loads(candidate, strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def iter_records(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every dict with an @type, walking lists, @graph and mainEntity wrappers."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            yield from iter_records(item, depth + 1)
    elif isinstance(value, dict):
        if "@type" in value:
            yield value
        # Not itemListElement/hasPart: those list *other* articles (related stories, a section's front).
        for key in ("@graph", "mainEntity"):
            child = value.get(key)
            if isinstance(child, (list, dict)):
                yield from iter_records(child, depth + 1)


def types_of(record: dict[str, Any]) -> set[str]:
    """The record's schema.org type names ('http://schema.org/NewsArticle' -> 'NewsArticle')."""
    raw = record.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return {str(name).rsplit("/", 1)[-1] for name in names if name}


def read_jsonld(script_texts: Iterable[str], url: str | None = None) -> tuple[JsonLdArticle | None, int]:
    """The page's own article record (or None), and the count of unreadable blocks."""
    values, failures = parse_blocks(script_texts)
    articles: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    nodes: dict[str, dict[str, Any]] = {}
    for value in values:
        for record in iter_records(value):
            if isinstance(record.get("@id"), str):
                nodes.setdefault(record["@id"], record)
            kinds = types_of(record)
            if kinds & ARTICLE_TYPES:
                articles.append(record)
            elif kinds & _PAGE_TYPES:
                pages.append(record)
    if articles:
        return _to_article(_pick(articles, url), nodes), failures
    # Some CMSs only describe a WebPage, with datePublished and inLanguage: still better than guessing.
    dated = [page for page in pages if page.get("datePublished")]
    if dated:
        return _to_article(_pick(dated, url), nodes), failures
    return None, failures


def _pick(records: list[dict[str, Any]], url: str | None) -> dict[str, Any]:
    """The record about this page: the one whose URL matches, else the most informative one.

    Listing-like pages carry several Article records (related stories); the page's own record names its URL
    or, failing that, is the one with a body and a date.
    """
    if len(records) == 1:
        return records[0]

    def score(record: dict[str, Any]) -> tuple[int, int, int]:
        own = 1 if url and _same_page(url, _record_url(record)) else 0
        has_body = 1 if record.get("articleBody") else 0
        has_date = 1 if record.get("datePublished") else 0
        return own, has_body, has_date

    return max(records, key=score)


def _same_page(url: str, other: str | None) -> bool:
    if not other:
        return False

    def key(value: str) -> str:
        value = value.split("#", 1)[0].split("?", 1)[0].rstrip("/")
        return value.split("://", 1)[-1].removeprefix("www.")

    return key(url) == key(other)


def _record_url(record: dict[str, Any]) -> str | None:
    for key in ("url", "mainEntityOfPage", "@id"):
        value = record.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str) and value.startswith("http"):
            return value
    return None


def _to_article(record: dict[str, Any], nodes: dict[str, dict[str, Any]]) -> JsonLdArticle:
    """NODES: the page's records by @id, for the references an @graph uses instead of nesting (Yoast writes
    `"author": {"@id": ".../#author"}` and the Person beside the article)."""
    kinds = types_of(record)
    kind = next((k for k in sorted(kinds) if k in ARTICLE_TYPES), next(iter(sorted(kinds)), "Thing"))
    return JsonLdArticle(
        type=kind,
        headline=_text(record.get("headline")) or _text(record.get("name")),
        body=_body(record.get("articleBody") or record.get("text")),
        description=_text(record.get("description")),
        date_published=_scalar(record.get("datePublished")) or _scalar(record.get("dateCreated")),
        date_modified=_scalar(record.get("dateModified")),
        authors=tuple(_authors(_resolved(record.get("author") or record.get("creator"), nodes))),
        language=_language(record.get("inLanguage")),
        url=_record_url(record),
        keywords=tuple(_keywords(record.get("keywords"))),
        publisher=_publisher(_resolved(record.get("publisher"), nodes)),
    )


def _resolved(value: Any, nodes: dict[str, dict[str, Any]]) -> Any:
    """VALUE with each bare reference ({"@id": ...} without a name) replaced by the record it points to."""
    if isinstance(value, list):
        return [_resolved(item, nodes) for item in value]
    if isinstance(value, dict) and "name" not in value and isinstance(value.get("@id"), str):
        return nodes.get(value["@id"], value)
    return value


def _scalar(value: Any) -> str | None:
    """First string of a value that may be a list or a {'@value': ...} object."""
    if isinstance(value, list):
        value = next((item for item in value if item), None)
    if isinstance(value, dict):
        value = value.get("@value")
    if isinstance(value, (int, float)):
        return str(value)
    return value.strip() or None if isinstance(value, str) else None


def _text(value: Any) -> str | None:
    """A short text field: entities decoded, tags dropped, whitespace folded."""
    raw = _scalar(value)
    if not raw:
        return None
    folded = " ".join(_HTML_TAG.sub(" ", html.unescape(raw)).split())
    return folded or None


def _body(value: Any) -> str | None:
    """articleBody keeps its paragraph breaks; some CMSs put HTML in it."""
    if isinstance(value, list):
        value = "\n".join(part for part in value if isinstance(part, str))
    if not isinstance(value, str) or not value.strip():
        return None
    text = html.unescape(value)
    if "<" in text:
        text = re.sub(r"(?i)</p\s*>|<br\s*/?>", "\n", text)
        text = _HTML_TAG.sub(" ", text)
    lines = (_WHITESPACE_RUN.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return without_repetition("\n".join(line for line in lines if line)) or None


def _authors(value: Any) -> Iterator[str]:
    items = value if isinstance(value, list) else [value]
    seen: set[str] = set()
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, list):
            name = next((n for n in name if isinstance(n, str)), None)
        if not isinstance(name, str):
            continue
        # "Maya Gebeily, Anthony Deutsch" in one field is two people.
        for part in re.split(r"\s*[,;]\s*", name):
            part = " ".join(html.unescape(part).split())
            if part and not part.startswith("http") and part.casefold() not in seen:
                seen.add(part.casefold())
                yield part


def _publisher(value: Any) -> str | None:
    """The publisher's name: an Organization object (or the first of a list), or a plain string."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return _text(value)


def _language(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((item for item in value if item), None)
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _keywords(value: Any) -> Iterator[str]:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            for part in item.split(","):
                if part.strip():
                    yield part.strip()
