"""What a page declares about itself outside the body: meta tags, canonical link, feeds, <title>, <h1>,
JSON-LD, microdata/RDFa dates; the publisher's names and the choice of language from those declarations
(the choice of title is `title`)."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.jsonld import JsonLdArticle, read_jsonld
from crawler.extract.language import detect_language, normalize_code
from crawler.textnorm import fold_whitespace, normalize_for_match

# ---------------------------------------------------------------------------------------------------------
# Page metadata (meta tags, canonical) read once from the parsed tree

# Declared publication / modification times, most specific first, after JSON-LD.
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "article.published",
    "publishdate",
    "publish-date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "date",
    "vr:published_time",
)
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")
# The same declarations as microdata (itemprop) or RDFa (property) on body elements, e.g. Drupal's
# <span property="dc:date" content="2019-02-08T00:00:00+01:00">الجمعة 8 فيفري 2019</span>.
PUBLISHED_MARKUP = ("datePublished", "schema:datePublished", "dc:date", "dc:created", "dcterms:created", "dcterms:issued")
MODIFIED_MARKUP = ("dateModified", "schema:dateModified", "dcterms:modified")
_MARKUP_DATE_NAMES = frozenset(PUBLISHED_MARKUP + MODIFIED_MARKUP)
# Elements with a machine-readable value, found through their attributes: libxml2 walks attribute nodes much
# faster than it tests every element's attributes (//*[@content or @datetime]); meta tags are skipped below.
_MARKUP_DATE_XPATH = etree.XPath("//@content/..|//@datetime/..")
# Class words of a kicker line inside the <h1>, in the languages of the sites that use them.
_KICKER_CLASS = re.compile(r"kicker|overline|topline|roofline|dachzeile|spitzmarke|supertitle|pretitle|eyebrow", re.IGNORECASE)
_LEADING_JOINER = re.compile(r"^[\s:|–—\-·•]+")
_FEED_TYPE = re.compile(r"rss|atom", re.IGNORECASE)
# Second-level labels under a country code that are not the site's name (bbc.co.uk, abc.net.au).
_GENERIC_LABELS = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "or", "ne", "go"})
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
# A site named by its host in a title ("… | MDR.DE"): the top-level label is not part of the name.
_TOP_LEVEL_LABEL = re.compile(r"\.[a-z]{2,6}$")
_SCRIPT_SELECTOR = "//script[contains(@type, 'ld+json')]"


# Meta tags written once per value: one per author ("citation_author", "article:author", "parsely-author").
REPEATED_META = frozenset({"author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "citation_author"})


@dataclass
class PageMeta:
    """What the page declares about itself, outside the body."""

    meta: dict[str, str] = field(default_factory=dict)  # lower-cased name/property/itemprop -> first content
    repeated_meta: dict[str, list[str]] = field(default_factory=dict)  # REPEATED_META keys given twice or more -> all
    canonical: str | None = None
    html_lang: str | None = None
    title_tag: str | None = None
    h1: list[str] = field(default_factory=list)
    feed_titles: list[str] = field(default_factory=list)  # <link rel="alternate"> RSS/Atom titles: "Site » Feed"
    jsonld: JsonLdArticle | None = None
    jsonld_failures: int = 0
    url: str = ""


def join_url(base: str, href: str) -> str | None:
    """urljoin that returns None for a link urllib cannot parse (a page's `href="http://[::1"` must not raise)."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def read_page_meta(tree: HtmlElement, url: str) -> PageMeta:
    """Meta tags, canonical link, html lang, <title>, <h1> and the JSON-LD article record."""
    page = PageMeta(url=url)
    for element in tree.iter("meta"):
        key = (
            (element.get("property") or element.get("name") or element.get("itemprop") or element.get("http-equiv") or "")
            .strip()
            .lower()
        )
        content = (element.get("content") or "").strip()
        if key and content:
            if key not in page.meta:
                page.meta[key] = content
            elif key in REPEATED_META and content not in page.repeated_meta.setdefault(key, [page.meta[key]]):
                page.repeated_meta[key].append(content)
    for element in tree.iter("link"):
        rel = (element.get("rel") or "").lower()
        if rel == "canonical" and element.get("href") and page.canonical is None:
            page.canonical = join_url(url, element.get("href", "").strip())
        elif rel == "alternate" and _FEED_TYPE.search(element.get("type") or "") and element.get("title"):
            page.feed_titles.append(fold_whitespace(element.get("title", "")))
    page.html_lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    title = tree.find(".//title")
    if title is not None:
        page.title_tag = fold_whitespace(title.text_content()) or None
    page.h1 = [text for text in (_headline_text(h) for h in tree.iter("h1")) if text]
    scripts = [element.text or "" for element in tree.xpath(_SCRIPT_SELECTOR)]
    if scripts:
        page.jsonld, page.jsonld_failures = read_jsonld(scripts, url)
    return page


def _headline_text(h1: HtmlElement) -> str:
    """An <h1>'s text without the kicker set above or before the headline inside it (<span class="dachzeile">,
    "article-heading__kicker", "roofline"): the kicker names the story's subject, the headline follows it.
    Readers see the two as separate lines; the punctuation joining them for screen readers goes too."""
    text = fold_whitespace(h1.text_content())
    if not any(_is_kicker(element) for element in h1.iterdescendants()):
        return text
    headline = copy.deepcopy(h1)
    for kicker in [element for element in headline.iterdescendants() if _is_kicker(element)]:
        kicker.drop_tree()
    return _LEADING_JOINER.sub("", fold_whitespace(headline.text_content())) or text


def _is_kicker(element: HtmlElement) -> bool:
    return isinstance(element.tag, str) and bool(_KICKER_CLASS.search(element.get("class") or ""))


# ---------------------------------------------------------------------------------------------------------
# Outlet names, language, dates, small helpers


@functools.lru_cache(maxsize=4096)  # the outlet's names are compacted for every author name compared with them
def compact_name(text: str, keep_top_level: bool = False) -> str:
    """A name as a host spells it: 'MDR.DE' -> 'mdr', 'The Planetary Press' -> 'theplanetarypress'. With
    KEEP_TOP_LEVEL the last label stays, for names that end in it ('INTERSCENAR.IO' -> 'interscenario')."""
    key = normalize_for_match(text)
    return _NOT_ALPHANUMERIC.sub("", key if keep_top_level else _TOP_LEVEL_LABEL.sub("", key))


def outlet_names(page: PageMeta) -> frozenset[str]:
    """The publisher's own names (match-normalised), which bylines append to or put in place of a person's:
    og:site_name, application-name, the JSON-LD publisher, and the domain's name ("cnn" on edition.cnn.com)."""
    names = {page.meta.get("og:site_name"), page.meta.get("application-name"), page.jsonld.publisher if page.jsonld else None}
    names.add(domain_name(page.url))
    return frozenset(normalize_for_match(name) for name in names if name)


def domain_name(url: str) -> str | None:
    """The name in a URL's host, lower case without punctuation: 'timesofisrael' for www.timesofisrael.com,
    'bbc' for www.bbc.co.uk, 'kyivpost' for kyiv-post.com; None for an IP address or a bare host."""
    try:
        labels = [label for label in (urlsplit(url).hostname or "").split(".") if label]
    except ValueError:
        return None
    if len(labels) < 2 or labels[-1].isdigit():
        return None
    name = labels[-3] if labels[-2] in _GENERIC_LABELS and len(labels) >= 3 else labels[-2]
    return _NOT_ALPHANUMERIC.sub("", name) or None


def choose_language(text: str, page: PageMeta, declared_language: str | None) -> tuple[str | None, str]:
    for source, value in (
        ("jsonld:inLanguage", page.jsonld.language if page.jsonld else None),
        ("html:lang", page.html_lang),
        ("meta:content-language", page.meta.get("content-language")),
        ("meta:og:locale", page.meta.get("og:locale")),
        ("outlet", declared_language),
    ):
        code = normalize_code(value)
        if code:
            detected = detect_language(text, code)
            return detected, (source if detected == code else "py3langid")
    detected = detect_language(text)
    return detected, ("py3langid" if detected else "none")


def markup_dates(tree: HtmlElement) -> dict[str, str]:
    """Dates declared in microdata/RDFa on body elements: itemprop="datePublished", property="dc:date", ..."""
    found: dict[str, str] = {}
    for element in _MARKUP_DATE_XPATH(tree):
        if element.tag == "meta":
            continue
        value = element.get("datetime") or element.get("content")
        for name in (element.get("itemprop"), element.get("property")):
            if name and value and name in _MARKUP_DATE_NAMES and name not in found:
                found[name] = value.strip()
    return found


def structured_dates(
    page: PageMeta, markup: dict[str, str], meta_names: Sequence[str], jsonld_value: str | None, markup_names: Sequence[str]
) -> list[tuple[str, str]]:
    """(source, raw value) pairs of declared dates, in order of trust: JSON-LD, meta tags, microdata/RDFa."""
    found: list[tuple[str, str]] = []
    if jsonld_value:
        found.append(("jsonld", jsonld_value))
    for name in meta_names:
        value = page.meta.get(name)
        if value:
            found.append((f"meta:{name}", value))
    for name in markup_names:
        value = markup.get(name)
        if value:
            found.append((f"markup:{name}", value))
    return found


def first_of(*pairs: tuple[str, str | None]) -> tuple[str | None, str | None]:
    for source, value in pairs:
        if value:
            return value, source
    return None, None


def split_keywords(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()] if value else []
