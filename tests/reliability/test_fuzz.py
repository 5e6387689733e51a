"""Property-based fuzzing (hypothesis) of the pure stages that read hostile bytes: HTML extraction, feed,
sitemap and JSON-API listing parsing, PDF extraction, and the URL functions the spider relies on.

Properties: each stage raises nothing but its documented error (ListingError, PdfError; extract_html raises
nothing at all), and its output is bounded by its input. The budget is fixed for CI: at most 200 examples per
property, derandomized (the same examples every run, so a failure is reproducible and CI never flakes), no
example database written into the repository. For a longer exploratory run:
`pytest tests/reliability/test_fuzz.py --hypothesis-seed=$RANDOM` after raising FUZZ_EXAMPLES.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from html import escape as html_escape

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from crawler.extract.article import extract_html
from crawler.discover.feeds import ListingError, parse_feed
from crawler.extract.pdf import PdfError, extract_pdf
from crawler.discover.sitemaps import parse_sitemap
from crawler.dedup.urls import canonical_url, clean_link, is_safe_public_url, url_key
from spiders.sources import JSONAPI
from tests.reliability.test_bad_input import make_pdf

# feedparser warns about its own updated/published fallback on every Atom entry without <published>.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:feedparser")

FUZZ_EXAMPLES = 200
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
URL = "http://news.example.org/section/story-1"

# Text that stresses decoders and tokenizers: RTL, combining marks, NUL and other controls, lone surrogates
# are excluded (they cannot be encoded), astral characters.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
ENCODINGS = st.sampled_from(["utf-8", "utf-16", "windows-1255", "windows-1256", "cp1251", "latin-1", "utf-8-sig"])


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


# --- HTML ------------------------------------------------------------------------------------------------

TAGS = ["html", "head", "body", "title", "meta", "article", "main", "div", "p", "span", "script", "style", "table", "tr",
        "td", "a", "br", "h1", "noscript", "template", "svg", "math", "iframe", "figure", "figcaption", "time", "ul", "li"]
HTML_SNIPPETS = [
    '<meta charset="utf-16">', '<meta charset="x-no-such-charset">', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<script type="application/ld+json">', '{"@type": "NewsArticle", "datePublished": "99999-99-99", "articleBody": ',
    '{"@graph": [[[[[[', "</script>", "<!--", "-->", "<![CDATA[", "]]>", "&#0;", "&#x110000;", "&nbsp;", "&amp", "&#9999999999;",
    '<?xml version="1.0" encoding="ebcdic-cp-us"?>', '<base href="javascript:alert(1)">', '<link rel="canonical" href="http://[::1">',
    '<link rel="canonical" href="file:///etc/passwd">', '<meta property="og:url" content="//">',
    '<meta property="article:published_time" content="0000-00-00T99:99">', '<meta name="date" content="Fri, 01 Jan 99999">',
    '<time datetime="-2024-01-01">', '<html lang="xx-invalid">', '<html dir="rtl" lang="he">', "<p>" + "x" * 300, "\x00", "\r\n",
    "<" * 20, ">" * 20, '<a href="/a">Read also: more</a>', "צילום: רויטרס", "اقرأ أيضا: ", "Читайте также:",
]
HTML_PIECE = st.one_of(
    st.builds(lambda tag: f"<{tag}>", st.sampled_from(TAGS)),
    st.builds(lambda tag: f"</{tag}>", st.sampled_from(TAGS)),
    st.builds(lambda tag, attr, value: f'<{tag} {attr}="{value}">', st.sampled_from(TAGS),
              st.sampled_from(["class", "id", "href", "content", "property", "itemprop", "datetime", "lang"]), TEXT),
    st.sampled_from(HTML_SNIPPETS),
    TEXT,
)
DATES = st.sampled_from([
    "2024-05-06T08:00:00+00:00", "Mon, 06 May 2024 08:00:00 +0000", "2024-13-45T99:99:99Z", "0000-00-00", "yesterday",
    "Fri, 01 Jan 99999 00:00:00 GMT", "-2024-01-01", "1e309", "2024-02-30", "", "\x00",
]) | TEXT
LINKS = st.sampled_from([
    "http://news.example.org/a/1", "https://news.example.org/a/2?utm_source=x#c", "/relative/3", "//news.example.org/4",
    "javascript:alert(1)", "file:///etc/passwd", "http://[::1", "http://169.254.169.254/", "", "data:text/html,x",
]) | TEXT
PARAGRAPHS = st.lists(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400), min_size=1, max_size=6)


@st.composite
def mutated(draw: st.DrawFn, base: str, pieces: st.SearchStrategy[str], max_inserts: int = 8) -> str:
    """`base` with up to `max_inserts` hostile pieces inserted at random places, sometimes cut short."""
    for _ in range(draw(st.integers(0, max_inserts))):
        position = draw(st.integers(0, len(base)))
        base = base[:position] + draw(pieces) + base[position:]
    if draw(st.integers(0, 3)) == 0:
        base = base[: draw(st.integers(0, len(base)))]
    return base


def _maybe_escape(text: str, raw: bool) -> str:
    return text if raw else html_escape(text)


@st.composite
def article_pages(draw: st.DrawFn) -> bytes:
    """An article page built from hostile field values, then mutated and encoded (or plain random bytes)."""
    raw = draw(st.booleans())
    title, date = _maybe_escape(draw(TEXT), raw), _maybe_escape(draw(DATES), raw)
    jsonld = json.dumps({"@type": draw(st.sampled_from(["NewsArticle", "Article", "WebPage", ""])), "headline": title,
                         "datePublished": draw(DATES), "articleBody": draw(TEXT), "url": draw(LINKS), "author": draw(TEXT)})
    body = "".join(f"<p>{_maybe_escape(paragraph, raw)}</p>" for paragraph in draw(PARAGRAPHS))
    page = (
        f'<!doctype html><html lang="{draw(st.sampled_from(["en", "he", "ar", "ru", "", "xx-invalid"]))}"><head>'
        f'<meta charset="utf-8"><title>{title}</title><meta property="article:published_time" content="{date}">'
        f'<link rel="canonical" href="{_maybe_escape(draw(LINKS), raw)}"><script type="application/ld+json">{jsonld}</script>'
        f"</head><body><nav><a href='/'>home</a></nav><article><h1>{title}</h1>{body}</article></body></html>"
    )
    return _encode(draw(mutated(page, HTML_PIECE)), draw(ENCODINGS))


HTML_DOCUMENTS = article_pages() | st.builds(_encode, st.lists(HTML_PIECE, max_size=80).map("".join), ENCODINGS) | st.binary(max_size=3000)


@FUZZ
@given(HTML_DOCUMENTS, st.sampled_from([URL, "https://www.ynet.co.il/news/article/abc", "file:///tmp/x.html", "http://[::1]/x"]))
def test_extract_html_never_raises_and_is_bounded(document: bytes, url: str) -> None:
    fetched = datetime(2024, 5, 6, tzinfo=UTC)
    article = extract_html(document, url, fetched_at=fetched)
    event("text extracted" if article.text else "no text")
    assert isinstance(article.text, str) and isinstance(article.warnings, list)
    # The text comes from the page: never more than the page (plus a recovered lead, itself from the page).
    assert len(article.text) <= 2 * len(document) + 100
    assert article.title is None or len(article.title) <= len(document) + 100
    assert article.published.value is None or 1990 < article.published.value.year <= 2100


# --- feeds -------------------------------------------------------------------------------------------------

FEED_SNIPPETS = [
    '<rss version="2.0">', "<channel>", "</channel>", "</rss>", "<item>", "</item>", "<title>", "</title>",
    "<description>", "</description>", "<link>http://news.example.org/a/1</link>", "<link>javascript:alert(1)</link>",
    "<link>http://[::1</link>", "<link>//</link>", "<link></link>", "<guid>urn:x</guid>",
    "<pubDate>Thu, 32 Foo 2024 25:61:00 +9999</pubDate>", "<pubDate>Fri, 01 Jan 99999 00:00:00 GMT</pubDate>",
    "<pubDate>Mon, 06 May 2024 08:00:00 +0000</pubDate>", '<feed xmlns="http://www.w3.org/2005/Atom">', "</feed>",
    "<entry>", "</entry>", '<link href="http://news.example.org/b"/>', "<updated>2024-13-45T99:99:99Z</updated>",
    "<!DOCTYPE rss [<!ENTITY a 'b'>]>", "<!DOCTYPE rss SYSTEM 'http://127.0.0.1/dtd'>", "&a;", "&amp;", "&#0;", "<![CDATA[", "]]>",
    '<?xml version="1.0" encoding="windows-1255"?>', '<?xml version="1.0" encoding="no-such-codec"?>', "\x00", "\ufeff",
    '<source url="http://publisher.example">P</source>', "<category>x</category>", "<rdf:RDF>", "<content:encoded>",
]
@st.composite
def feeds(draw: st.DrawFn) -> bytes:
    """An RSS or Atom feed whose items carry hostile values, then mutated and encoded."""
    raw = draw(st.booleans())
    entries = draw(st.lists(st.tuples(TEXT, LINKS, DATES, TEXT), max_size=5))
    if draw(st.booleans()):
        items = "".join(
            f"<item><title>{_maybe_escape(t, raw)}</title><link>{_maybe_escape(link, raw)}</link>"
            f"<pubDate>{_maybe_escape(d, raw)}</pubDate><description>{_maybe_escape(x, raw)}</description></item>"
            for t, link, d, x in entries
        )
        document = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    else:
        items = "".join(
            f'<entry><title>{_maybe_escape(t, raw)}</title><link href="{_maybe_escape(link, raw)}"/>'
            f"<updated>{_maybe_escape(d, raw)}</updated><summary>{_maybe_escape(x, raw)}</summary></entry>"
            for t, link, d, x in entries
        )
        document = f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{items}</feed>'
    pieces = st.sampled_from(FEED_SNIPPETS) | TEXT
    return _encode(draw(mutated(document, pieces, max_inserts=4)), draw(ENCODINGS))


FEED_DOCUMENTS = feeds() | st.builds(_encode, st.lists(st.sampled_from(FEED_SNIPPETS) | TEXT, max_size=60).map("".join), ENCODINGS) | st.binary(max_size=2000)


@FUZZ
@given(FEED_DOCUMENTS, st.sampled_from([None, "utf-8", "windows-1255", "bogus"]))
def test_parse_feed_raises_only_listing_error_and_is_bounded(body: bytes, charset: str | None) -> None:
    try:
        leads = parse_feed(body, URL, header_charset=charset)
    except ListingError as error:
        assert error.reason and isinstance(error.detail, str)
        event(f"refused: {error.reason}")
        return
    event("parsed with leads" if leads else "parsed, no leads")
    assert len(leads) <= body.count(b"<") + 1
    for lead in leads:
        assert isinstance(lead.url, str) and lead.url
        assert lead.published is None or 1990 < lead.published.value.year <= 2100


# --- sitemaps ----------------------------------------------------------------------------------------------

SITEMAP_SNIPPETS = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">',
    "</urlset>", "<url>", "</url>", "<loc>", "</loc>",
    "http://news.example.org/a", "<lastmod>2024-13-45</lastmod>", "<lastmod>yesterday</lastmod>", "<news:news>", "</news:news>",
    "<news:publication_date>2024-02-30T25:00:00Z</news:publication_date>", "<news:title>T</news:title>",
    "<news:keywords>a,,b, ,</news:keywords>", '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    "</sitemapindex>", "<sitemap>", "</sitemap>", "<!DOCTYPE urlset [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>", "&x;",
    "<!-- c -->", "<![CDATA[", "]]>", "\x00", "<html>", "<rss>",
]
@st.composite
def sitemaps(draw: st.DrawFn) -> bytes:
    """A urlset (plain or news) or a sitemap index with hostile values, mutated, encoded, sometimes gzipped."""
    raw = draw(st.booleans())
    entries = draw(st.lists(st.tuples(LINKS, DATES, DATES, TEXT), max_size=6))
    if draw(st.integers(0, 3)) == 0:
        rows = "".join(f"<sitemap><loc>{_maybe_escape(link, raw)}</loc><lastmod>{_maybe_escape(m, raw)}</lastmod></sitemap>"
                       for link, m, _, _ in entries)
        document = f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>'
    else:
        rows = "".join(
            f"<url><loc>{_maybe_escape(link, raw)}</loc><lastmod>{_maybe_escape(m, raw)}</lastmod><news:news><news:publication>"
            f"<news:language>en</news:language></news:publication><news:publication_date>{_maybe_escape(p, raw)}"
            f"</news:publication_date><news:title>{_maybe_escape(t, raw)}</news:title></news:news></url>"
            for link, m, p, t in entries
        )
        document = f"{SITEMAP_SNIPPETS[0]}{SITEMAP_SNIPPETS[1]}{rows}</urlset>"
    data = _encode(draw(mutated(document, st.sampled_from(SITEMAP_SNIPPETS) | TEXT, max_inserts=4)), draw(ENCODINGS))
    return gzip.compress(data) if draw(st.integers(0, 4)) == 0 else data


SITEMAP_DOCUMENTS = (
    sitemaps()
    | st.builds(_encode, st.lists(st.sampled_from(SITEMAP_SNIPPETS) | TEXT, max_size=60).map("".join), ENCODINGS)
    | st.binary(max_size=2000)
    | st.binary(max_size=200).map(lambda data: b"\x1f\x8b" + data)
)


@FUZZ
@given(SITEMAP_DOCUMENTS, st.booleans())
def test_parse_sitemap_raises_only_listing_error_and_is_bounded(body: bytes, news: bool) -> None:
    try:
        result = parse_sitemap(body, route="news_sitemap" if news else "sitemap")
    except ListingError as error:
        assert error.reason
        event(f"refused: {error.reason}")
        return
    event("parsed with leads" if result.leads else "parsed with children" if result.children else "parsed, empty")
    plain = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
    assert len(result.leads) + len(result.children) <= plain.count(b"<") + 1
    assert all(isinstance(lead.url, str) and lead.url for lead in result.leads)


# --- JSON APIs ---------------------------------------------------------------------------------------------

KEYS = st.sampled_from(["url", "link", "title", "date", "lead", "items", "articles", "rendered", "0", "seendate", "domain"]) | st.text(max_size=6)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | TEXT
    | st.sampled_from(["<b>x</b>", "&amp;", "\x00<", "http://news.example.org/a", "javascript:alert(1)", "2024-13-45", "1e309"]),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=40,
)
ITEMS = st.lists(
    st.fixed_dictionaries({}, optional={key: JSON_VALUES | LINKS for key in ("url", "link", "title", "date", "seendate", "lead", "excerpt", "domain")})
    | JSON_VALUES,
    max_size=6,
)
SHAPED = st.builds(lambda items, key, nest: {key: {"items": items}} if nest else {key: items},
                   ITEMS, st.sampled_from(["items", "articles", "data"]), st.booleans())
JSON_BODIES = (SHAPED | ITEMS | JSON_VALUES).map(lambda value: json.dumps(value).encode()) | st.binary(max_size=500)
APIS = st.builds(
    JSONAPI,
    url=st.just("http://news.example.org/api"),
    items_path=st.sampled_from([None, "items", "articles", "data.items", "0", "items.0.list"]),
    fields=st.sampled_from([JSONAPI.fields, (("url", "link"), ("title", "title.rendered"), ("date", "date"), ("lead", "excerpt")),
                            (("url", "url"), ("title", "title"), ("date", "seendate"), ("language", "language"), ("domain", "domain"))]),
)


@FUZZ
@given(JSON_BODIES, APIS)
def test_json_api_raises_only_listing_error_and_is_bounded(body: bytes, api: JSONAPI) -> None:
    try:
        result = api.parse(body, api.url)
    except ListingError as error:
        assert error.reason in ("api_not_json", "api_wrong_shape"), error
        event(f"refused: {error.reason}")
        return
    event("parsed with leads" if result.leads else "parsed, no leads")
    assert len(result.leads) <= body.count(b"{")
    assert all(isinstance(lead.url, str) and lead.url for lead in result.leads)


# --- PDFs --------------------------------------------------------------------------------------------------

BASE_PDF = make_pdf(["A report on the harbour", "Second page (with brackets) and \\ backslash"])
PDF_JUNK = [b"/Length 999999999", b"/Count -1", b"[" * 500, b"<<" * 300, b"/Encrypt 9 0 R", b"%%EOF", b"xref\n0 1\n", b"\x00" * 64,
            b"/Filter /FlateDecode", b"stream\n\xff\xfe\nendstream", b"9 0 obj << /Type /Page /Parent 9 0 R >> endobj"]


@st.composite
def mutated_pdfs(draw: st.DrawFn) -> bytes:
    data = bytearray(BASE_PDF)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        position = draw(st.integers(9, max(len(data) - 1, 9)))
        if kind == "flip" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[position:position] = draw(st.sampled_from(PDF_JUNK) | st.binary(max_size=40))
        elif kind == "delete":
            position = max(position, 9)  # keep the %PDF- header: a file without one is refused up front, cheaply
            del data[position:position + draw(st.integers(1, 200))]
        else:
            del data[max(position, 9):]
    return bytes(data)


@FUZZ
@given(mutated_pdfs() | st.binary(max_size=300).map(lambda junk: b"%PDF-1.7\n" + junk))
def test_extract_pdf_raises_only_pdf_error_and_is_bounded(data: bytes) -> None:
    try:
        result = extract_pdf(data)
    except PdfError as error:
        assert error.reason in ("not_pdf", "corrupt", "encrypted"), error
        event(f"refused: {error.reason}")
        return
    event("text extracted" if result.text.strip() else "opened, no text")
    assert result.pages >= 0 and len(result.text) <= 100 * len(data) + 1000


# --- URLs --------------------------------------------------------------------------------------------------

URL_PIECES = st.tuples(
    st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "javascript:", "//", "", "http:/", "http:///"]),
    st.sampled_from(["news.example.org", "www.ynet.co.il", "127.0.0.1", "[::1]", "[::1", "xn--e1afmkfd.xn--p1ai", "example.org.",
                     "user:pw@example.org", "exa mple.org", "%41.org", ""]) | TEXT,
    st.sampled_from(["", ":80", ":8080", ":99999", ":abc", ":"]),
    st.sampled_from(["", "/", "/a/b?utm_source=x&id=1#frag", "/%zz", "/\u05d0", "?", "#", "/a/../../b"]) | TEXT,
)


@FUZZ
@given(URL_PIECES, st.one_of(st.none(), TEXT, st.sampled_from(["http://[::1", "/relative", "//other.org/x", "javascript:x"])))
def test_urls_the_spider_accepts_never_break_identity(pieces: tuple[str, str, str, str], declared: str | None) -> None:
    url = "".join(pieces)
    safe, reason = is_safe_public_url(url)
    assert isinstance(reason, str) and reason
    event("accepted" if safe else "refused")
    if safe:
        # route_lead and the pipeline compute these for every accepted URL, with the page's own canonical.
        assert canonical_url(url)
        assert len(url_key(url, declared=declared)) == 40
        assert clean_link(url, declared=declared)
