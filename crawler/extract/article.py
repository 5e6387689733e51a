"""HTML (and PDF) documents -> ExtractedArticle: body text, title, dates, language, authors, provenance.

Pure stage (no Scrapy). Public API:
- `extract_html(html, url, *, hints, feed_date, fetched_at, declared_language) -> ExtractedArticle`
- `extract_document(data, url, *, content_type, ...)`: PDFs to `crawler.extract.pdf`, everything else to extract_html
- `extract_file(path, url=None)`: what `coverwatch extract FILE` calls

How the body is chosen: trafilatura (fast mode, no comments) reads the page once; a short result is retried
with trafilatura's full cascade. The page's structured data then acts as evidence: a JSON-LD `articleBody` or
an outlet's `body_xpath` replaces trafilatura's text when it clearly holds more of the article, or filters
trafilatura's text (captions, "read also" lines) when it covers it. A line-level pass removes what both
miss: photo credits and captions, gallery counters, "read also" lines, and trailing lists of other headlines.
The page's own lead (its meta description, when it is shown on the page) is restored when trafilatura
dropped it. Every chosen field says where it came from in `field_sources`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from crawler.extract.budget import MAX_PAGE_INPUT_BYTES, MAX_PDF_INPUT_BYTES, DocumentBudget, read_bounded
from crawler.extract.dates import resolve_modified, resolve_published
from crawler.extract.jsonld import JsonLdArticle, read_jsonld
from crawler.extract.language import detect_language, normalize_code
from crawler.model import DateEvidence, ExtractedArticle
from crawler.textnorm import fold_whitespace, normalize_for_match

# ---------------------------------------------------------------------------------------------------------
# Outlet hints


@dataclass(frozen=True)
class ExtractionHints:
    """What an outlet declares about its article pages (data, not code): see spiders' outlet declarations."""

    body_xpath: str | None = None  # the element(s) holding the article body, when trafilatura is known to miss
    prune_xpaths: tuple[str, ...] = ()  # page chrome inside the body area that must never reach the text
    prefer_jsonld_body: bool | None = None  # None: decide per page by evidence; True/False: the outlet knows

    def __post_init__(self) -> None:
        # Outlet declarations come from config files, where lists are natural; keep the dataclass hashable.
        if not isinstance(self.prune_xpaths, tuple):
            object.__setattr__(self, "prune_xpaths", tuple(self.prune_xpaths or ()))


NO_HINTS = ExtractionHints()

# ---------------------------------------------------------------------------------------------------------
# Tunables (measured with bench/extraction_quality.py on the extraction_dev set; see its output)

# trafilatura's fast mode skips its readability/jusText comparison. Below this many characters the fast
# result is often a fragment (a teaser, one block of a split layout), so the full cascade is worth its cost.
SHORT_TEXT_CHARS = 1000
# A structured body (JSON-LD articleBody, hinted XPath) shorter than this is a teaser, not the article.
MIN_STRUCTURED_BODY_CHARS = 200
# Share of one text's word trigrams found in the other for it to count as "covered" by it.
COVERED_SHARE = 0.8
# A structured body replaces trafilatura's text when it covers it and is at least this much longer
# (trafilatura lost paragraphs), or when trafilatura found next to nothing.
REPLACE_LENGTH_RATIO = 1.3
# Lines of trafilatura's text that the structured body lacks are dropped only when they are this short:
# captions, credits, "read also" links. A long missing paragraph means the structured body is abridged.
MAX_FILTERED_LINE_CHARS = 250
# ... and only when they do not read as prose, except bits shorter than this (bylines, bio lines).
MAX_FILTERED_PROSE_CHARS = 60
# Lead recovery: descriptions shorter than this are taglines; the probe is the description's opening words.
MIN_LEAD_CHARS = 40
LEAD_PROBE_WORDS = 6
# The element holding the lead may be somewhat longer than the description (which CMSs truncate), but an
# element much longer than that is a container of the whole body, not the lead paragraph.
MAX_LEAD_ELEMENT_RATIO = 3.0
MAX_LEAD_ELEMENT_EXTRA_CHARS = 300
# Anchor texts shorter than this are menu words ("Home", "Sport"); a text line equal to one proves nothing.
MIN_LINK_LINE_CHARS = 15
# Hidden text screen readers get after a link's visible words (", opens new tab") is at most this long.
MAX_HIDDEN_LINK_SUFFIX = 30
# The label of a "label: link" teaser line ("Read also", "Lea más", "Our Standards") is a few words.
MAX_LINK_LABEL_CHARS = 30
# A "headline-like" line: short and without sentence-final punctuation.
MAX_HEADLINE_CHARS = 160
# Trailing blocks after a "related"/"read more" label are cut only if every line after it is this short.
MAX_TRAILING_BLOCK_LINE_CHARS = 200

# ---------------------------------------------------------------------------------------------------------
# Line patterns (page chrome that survives generic extraction), in the languages we monitor plus those of
# the development set. Each is anchored to the start of a line and only ever matches short lines.

# Photo credits: ynet writes "(צילום: הקרמלין)" under every picture (seed 001); wires write "Photo: AFP".
_CREDIT_LINE = re.compile(
    r"^[(\[]?\s*(?:צילום|צילומים|צלם|קרדיט|באדיבות|תמונה|photo(?:graph)?s?|pictures?|image|credits?|"
    r"photo credit|фото|фотография|источник фото|تصوير|الصورة|صورة|مصدر الصورة|foto|fotos|bild|bildquelle|"
    r"titelbild|beitragsbild|crédits? photos?|image illustrative)\s*(?:by|von|de)?\s*[:：]",
    re.IGNORECASE,
)
# A caption with its credit on the same line: "מחבלי חמאס בחאן יונס (צילום: AP)", "... (Photo: Reuters)".
# Only short lines are judged (see _is_chrome_line): a paragraph does not end with a photo credit.
_TRAILING_CREDIT = re.compile(
    r"[(\[]\s*(?:צילום|צלם|קרדיט|photo|picture|image|credit|фото|تصوير|الصورة|foto|bild)\s*(?:by|von|de)?\s*[:：][^()\[\]]{1,80}[)\]]\s*$",
    re.IGNORECASE,
)
# Comment teasers: "12 תגובות", "Comments (4)", "أضف تعليقاً", "Оставить комментарий", "Kommentar schreiben".
_COMMENT_TEASER = re.compile(
    # the whole line is the label with an optional count ("Comment faire ..." is a French heading, not a teaser)
    r"^\W*(?:\d+\s*)?(?:comments?|תגובות|תגובה|טוקבקים|تعليقات|التعليقات|تعليق|комментари\w*|kommentare?|"
    r"commentaires?|comentarios?)\s*(?:[(:]?\s*\d*\s*\)?)\W*$|"
    r"\b(?:add|leave|post|write|show|view) (?:a |all |the )?comments?\b|הוסיפו תגובה|לכל התגובות|أضف تعليق|اترك تعليق|"
    r"оставить комментарий|kommentar (?:schreiben|verfassen)|kommentieren|laisser un commentaire|deja (?:tu|un) comentario",
    re.IGNORECASE,
)
# Comment teasers are short; longer lines mentioning comments are prose about them.
MAX_COMMENT_TEASER_CHARS = 100
# Calls to action: newsletter boxes, subscription and app pitches, "follow us". Only short lines that do not
# read as prose are judged, so an article *about* a newsletter keeps its sentences.
_CALL_TO_ACTION = re.compile(
    r"\b(?:sign up|subscribe|subscription|newsletter|follow us|download (?:our|the) app|abonnieren|anmelden|"
    r"folgen sie|suscr[ií]b|s'abonner|abonnez|inscrivez|zapisz się|subskryb)|"
    r"(?:הירשמו|להרשמה|לניוזלטר|עקבו אחרינו|اشترك|للاشتراك|النشرة البريدية|تابعونا|подпишитесь|подписаться|рассылк)",
    re.IGNORECASE,
)
_COPYRIGHT_LINE = re.compile(
    r"^(?:©|\(c\)|copyright\b|all rights reserved|כל הזכויות שמורות|جميع الحقوق محفوظة|все права защищены)", re.IGNORECASE
)
# "5 צפייה בגלריה" (ynet gallery counter), "View gallery", "Смотреть фото".
_GALLERY_LINE = re.compile(
    r"^\d*\s*(?:צפייה בגלריה|לצפייה בגלריה|view (?:the )?gallery|view \d+ images|открыть галерею|смотреть фото|"
    r"عرض الصور|شاهد الصور|معرض الصور)\s*$",
    re.IGNORECASE,
)
# Labels that introduce links to other articles. With text after them the line is one teaser; alone, the
# label heads a block of teasers.
_READ_ALSO_LABELS = (
    # he
    "קראו עוד|קראו גם|קראו את|עוד באתר|עוד בנושא|כתבות נוספות|מומלצים|לכתבה המלאה|"
    # ar
    "اقرأ أيضا|اقرأ أيضاً|إقرأ أيضا|إقرأ أيضاً|اقرأ ايضا|اقرأ المزيد|شاهد أيضا|شاهد أيضاً|ذات صلة|أخبار ذات صلة|"
    "مواضيع ذات صلة|الأكثر قراءة|للمزيد|"
    # ru
    "читайте также|смотрите также|читайте еще|читайте ещё|по теме|подробнее|еще по теме|ещё по теме|"
    # en
    "read more|read also|also read|related|related articles|related stories|related content|see also|"
    "recommended|more from|more on this|most read|you may also like|you might also like|"
    # de
    "lesen sie auch|lesen sie hier|lesen sie mehr|auch lesen|auch interessant|mehr zum thema|weiterlesen|"
    "weitere themen|weitere artikel|empfohlene beiträge|schon gelesen|das könnte sie auch interessieren|"
    "das thema könnte dich auch interessieren|zum weiterlesen|"
    # fr / es / pt / pl
    "à lire aussi|a lire aussi|lire aussi|lea también|lea más|lea|le puede interesar|te puede interesar|"
    "puedes ver|mira|mire|contenido relacionado|leia também|leia mais|czytaj też|czytaj także|zobacz też|"
    "zobacz także|dowiedz się więcej"
)
_READ_ALSO_LINE = re.compile(rf"^[>»\-–—•*\s]*(?:{_READ_ALSO_LABELS})\s*(?:[:：»>|\-–—]|\.\.\.|…)\s*\S", re.IGNORECASE)
_READ_ALSO_HEADER = re.compile(rf"^[>»\-–—•*\s]*(?:{_READ_ALSO_LABELS})\s*[:：?!.…]*\s*$", re.IGNORECASE)
# A line that is only a date ("12-شباط-2024", "23.10.2018", "June 3, 2024"), as in headline lists (seed 003).
_DATE_ONLY_LINE = re.compile(
    r"^[\s|•·-]*(?:\d{1,2}[\s./\-]+[^\W\d_]{3,12}[\s./\-]+\d{4}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|"
    r"[^\W\d_]{3,12}\.? \d{1,2},? \d{4})(?:[\s,|-]+\d{1,2}:\d{2})?[\s|•·-]*$"
)
# A teaser label is words only: "- 2 décembre 2019 : <link>" is a dated list entry, "*feat.: <link>" a credit.
_LABEL = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+){0,4}\s*$")
_URL_LINE = re.compile(r"^\S*(?:https?://|www\.)\S+$", re.IGNORECASE)
_PROSE_END = re.compile(r"[.!?。؟…\"'”»״)]\s*$")
_SENTENCE_END = re.compile(r"[.!?。؟…:;\"'”»״)]\s*$")
_WORD = re.compile(r"\w+")
_EDGE_PUNCTUATION = " .,;:!?…\"'«»“”„-–—|>"

# ---------------------------------------------------------------------------------------------------------
# Page metadata (meta tags, canonical) read once from the parsed tree

# Declared publication / modification times, most specific first, after JSON-LD.
_PUBLISHED_META = (
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
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")
# The same declarations as microdata (itemprop) or RDFa (property) on body elements, e.g. Drupal's
# <span property="dc:date" content="2019-02-08T00:00:00+01:00">الجمعة 8 فيفري 2019</span>.
_PUBLISHED_MARKUP = ("datePublished", "schema:datePublished", "dc:date", "dc:created", "dcterms:created", "dcterms:issued")
_MODIFIED_MARKUP = ("dateModified", "schema:dateModified", "dcterms:modified")
_MARKUP_DATE_NAMES = frozenset(_PUBLISHED_MARKUP + _MODIFIED_MARKUP)
_MARKUP_DATE_XPATH = etree.XPath("//*[not(self::meta)][@itemprop or @property][@content or @datetime]")
_TITLE_SEPARATORS = re.compile(r"\s+[|–—\-:·•]\s+")
_SCRIPT_SELECTOR = "//script[contains(@type, 'ld+json')]"


@dataclass
class PageMeta:
    """What the page declares about itself, outside the body."""

    meta: dict[str, str] = field(default_factory=dict)  # lower-cased name/property/itemprop -> first content
    canonical: str | None = None
    html_lang: str | None = None
    title_tag: str | None = None
    h1: list[str] = field(default_factory=list)
    jsonld: JsonLdArticle | None = None
    jsonld_failures: int = 0


def _join(base: str, href: str) -> str | None:
    """urljoin that returns None for a link urllib cannot parse (a page's `href="http://[::1"` must not raise)."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def read_page_meta(tree: HtmlElement, url: str) -> PageMeta:
    """Meta tags, canonical link, html lang, <title>, <h1> and the JSON-LD article record."""
    page = PageMeta()
    for element in tree.iter("meta"):
        key = (
            (element.get("property") or element.get("name") or element.get("itemprop") or element.get("http-equiv") or "")
            .strip()
            .lower()
        )
        content = element.get("content")
        if key and content and content.strip() and key not in page.meta:
            page.meta[key] = content.strip()
    for element in tree.iter("link"):
        if (element.get("rel") or "").lower() == "canonical" and element.get("href"):
            page.canonical = _join(url, element.get("href", "").strip())
            break
    page.html_lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    title = tree.find(".//title")
    if title is not None:
        page.title_tag = fold_whitespace(title.text_content()) or None
    page.h1 = [text for text in (fold_whitespace(h.text_content()) for h in tree.iter("h1")) if text]
    scripts = [element.text or "" for element in tree.xpath(_SCRIPT_SELECTOR)]
    if scripts:
        page.jsonld, page.jsonld_failures = read_jsonld(scripts, url)
    return page


# ---------------------------------------------------------------------------------------------------------
# Public API


def extract_html(
    html: bytes | str,
    url: str,
    *,
    hints: ExtractionHints | None = None,
    feed_date: DateEvidence | None = None,
    fetched_at: datetime | None = None,
    declared_language: str | None = None,
) -> ExtractedArticle:
    """Extract one HTML article page. Never raises on bad markup: problems end up in `warnings`."""
    hints = hints or NO_HINTS
    article = ExtractedArticle(url=url)
    tree = load_html(html) if html else None
    if tree is None:
        article.warnings.append("html: not parseable as HTML")
        article.published = resolve_published(feed_date=feed_date, fetched_at=fetched_at, warnings=article.warnings)
        article.field_sources["published_at"] = article.published.source
        article.language = normalize_code(declared_language)
        if article.language:
            article.field_sources["language"] = "outlet"
        return article
    page = read_page_meta(tree, url)
    if page.jsonld_failures:
        article.warnings.append(f"jsonld: {page.jsonld_failures} block(s) not valid JSON")
    jsonld = page.jsonld

    article.title, article.field_sources["title"] = _choose_title(page)
    text, method = _choose_body(tree, url, page, hints, article.warnings)
    text = clean_lines(text, link_texts=_link_texts(tree))
    lead = recover_lead(tree, text, _descriptions(page), title=article.title)
    if lead:
        text = _insert_lead(text, lead, article.title)
        method += "+lead"
    article.text = text
    article.extraction_method = method
    article.field_sources["text"] = method
    if not text:
        article.warnings.append("text: no article body found")

    article.description, source = _first(
        ("jsonld", jsonld.description if jsonld else None),
        ("meta:og:description", page.meta.get("og:description")),
        ("meta:description", page.meta.get("description")),
    )
    if source:
        article.field_sources["description"] = source
    if jsonld and jsonld.authors:
        article.authors, article.field_sources["authors"] = list(jsonld.authors), "jsonld"
    else:
        names = page.meta.get("article:author") or page.meta.get("author") or page.meta.get("vr:author")
        if names and not names.startswith("http"):
            article.authors = [n.strip() for n in names.split(",") if n.strip()]
            article.field_sources["authors"] = "meta:author"
    keywords = (
        list(jsonld.keywords)
        if jsonld and jsonld.keywords
        else _split_keywords(page.meta.get("keywords") or page.meta.get("news_keywords"))
    )
    article.keywords = keywords
    article.canonical_url, source = _first(
        ("link:canonical", page.canonical),
        ("meta:og:url", _join(url, page.meta["og:url"]) if page.meta.get("og:url") else None),
        ("jsonld", jsonld.url if jsonld else None),
    )
    if source:
        article.field_sources["canonical_url"] = source

    article.language, article.field_sources["language"] = _choose_language(
        article.text or article.title or "", page, declared_language
    )

    markup = _markup_dates(tree)
    structured = _structured_dates(page, markup, _PUBLISHED_META, jsonld.date_published if jsonld else None, _PUBLISHED_MARKUP)
    article.published = resolve_published(
        structured=structured,
        feed_date=feed_date,
        tree=tree,
        url=url,
        lang=article.language,
        text_head=article.text[:600] if article.text else None,
        fetched_at=fetched_at,
        warnings=article.warnings,
    )
    article.field_sources["published_at"] = article.published.source
    modified = _structured_dates(page, markup, _MODIFIED_META, jsonld.date_modified if jsonld else None, _MODIFIED_MARKUP)
    article.modified_at, source = resolve_modified(modified, published=article.published.value, fetched_at=fetched_at)
    if source:
        article.field_sources["modified_at"] = source
    return article


def extract_document(
    data: bytes,
    url: str,
    *,
    content_type: str | None = None,
    hints: ExtractionHints | None = None,
    feed_date: DateEvidence | None = None,
    fetched_at: datetime | None = None,
    declared_language: str | None = None,
) -> ExtractedArticle:
    """Extract any fetched document: PDFs (by content type or magic bytes) via crawler.extract.pdf, else HTML.

    BudgetExceeded (crawler.extract.budget) when the document is larger than one document's budget."""
    DocumentBudget().charge_bytes(len(data), "the document")
    if _is_pdf(data, content_type):
        return _extract_pdf(data, url, feed_date=feed_date, fetched_at=fetched_at, declared_language=declared_language)
    return extract_html(data, url, hints=hints, feed_date=feed_date, fetched_at=fetched_at, declared_language=declared_language)


def extract_file(path: Path, url: str | None = None) -> ExtractedArticle:
    """Extract a stored file. URL: the argument, else the sidecar `FILE.url`, else the file's file:// URL."""
    path = Path(path)
    if url is None:
        sidecar = path.with_name(path.name + ".url")
        if sidecar.is_file():
            url = sidecar.read_text(encoding="utf-8").strip() or None
    if url is None:
        url = path.resolve().as_uri()
    content_type = "application/pdf" if path.suffix.lower() == ".pdf" else None
    limit = MAX_PDF_INPUT_BYTES if content_type else MAX_PAGE_INPUT_BYTES
    with path.open("rb") as stream:  # bounded: `coverwatch extract /dev/zero` must stop, not fill memory
        data = read_bounded(stream, limit, "the file")
    return extract_document(data, url, content_type=content_type)


# ---------------------------------------------------------------------------------------------------------
# PDF


# PDF /Title values that are producer noise, not the document's title.
_JUNK_PDF_TITLE = re.compile(r"^(?:untitled|microsoft (?:word|powerpoint) - .*|.*\.(?:docx?|pdf|indd|pptx?|rtf))$", re.IGNORECASE)
# A first line longer than this is a paragraph, not a title.
MAX_TITLE_LINE_CHARS = 200


def _is_pdf(data: bytes, content_type: str | None) -> bool:
    if content_type and "pdf" in content_type.lower():
        return True
    return data[:1024].find(b"%PDF-") != -1


def _extract_pdf(
    data: bytes,
    url: str,
    *,
    feed_date: DateEvidence | None,
    fetched_at: datetime | None,
    declared_language: str | None,
) -> ExtractedArticle:
    article = ExtractedArticle(url=url, extraction_method="pdf")
    article.published = resolve_published(feed_date=feed_date, fetched_at=fetched_at, warnings=article.warnings)
    article.field_sources["published_at"] = article.published.source
    try:
        from crawler.extract import pdf as pdf_stage  # imported here: PDF libraries are heavy and most documents are HTML
    except ImportError as exc:
        article.warnings.append(f"pdf: extractor unavailable ({exc})")
        article.language = normalize_code(declared_language)
        return article
    try:
        result = pdf_stage.extract_pdf(data)
    except pdf_stage.PdfError as exc:
        article.warnings.append(f"pdf: {exc}")
        article.language = normalize_code(declared_language)
        return article
    article.text = result.text.strip()
    article.extraction_method = f"pdf:{result.method}"
    article.field_sources["text"] = article.extraction_method
    article.warnings.extend(f"pdf: {w}" for w in result.warnings)
    if result.encrypted:
        article.warnings.append("pdf: encrypted (opened with the empty password)")
    title = (result.title or "").strip()
    if title and not _JUNK_PDF_TITLE.match(title):
        article.title, article.field_sources["title"] = title, "pdf:metadata"
    else:
        first = next((line.strip() for line in article.text.splitlines() if line.strip()), "")
        if first and len(first) <= MAX_TITLE_LINE_CHARS:
            article.title, article.field_sources["title"] = first, "pdf:first_line"
    detected = detect_language(article.text, declared_language)
    article.language = detected
    article.field_sources["language"] = "outlet" if detected and detected == normalize_code(declared_language) else "py3langid"
    if not article.text:
        article.warnings.append("text: PDF has no extractable text")
    return article


# ---------------------------------------------------------------------------------------------------------
# Body


def _choose_body(tree: HtmlElement, url: str, page: PageMeta, hints: ExtractionHints, warnings: list[str]) -> tuple[str, str]:
    """The body text and the method that produced it, by evidence between trafilatura and structured data."""
    text, method = _trafilatura_text(tree, url, hints, warnings)
    candidates: list[tuple[str, str]] = []
    if hints.body_xpath:
        hinted = _xpath_text(tree, hints.body_xpath, warnings)
        if hinted:
            candidates.append(("hints:body_xpath", hinted))
    jsonld_body = page.jsonld.body if page.jsonld else None
    if jsonld_body and hints.prefer_jsonld_body is not False:
        if hints.prefer_jsonld_body and len(jsonld_body) >= MIN_STRUCTURED_BODY_CHARS:
            return jsonld_body, "jsonld"
        candidates.append(("jsonld", jsonld_body))
    for source, structured in candidates:
        text, method = reconcile_bodies(text, method, structured, source)
    return text, method


def _trafilatura_text(tree: HtmlElement, url: str, hints: ExtractionHints, warnings: list[str]) -> tuple[str, str]:
    options: dict[str, Any] = {
        "url": url,
        "include_comments": False,  # reader comments are not coverage
        "deduplicate": False,  # its cache is process-wide: a daemon would drop legitimately repeated lines
        "with_metadata": False,  # we read metadata ourselves from the same tree (JSON-LD, meta tags)
        "include_tables": True,
    }
    if hints.prune_xpaths:
        options["prune_xpath"] = list(hints.prune_xpaths)
    try:
        document = trafilatura.bare_extraction(tree, fast=True, **options)
        text = document.text if document is not None and document.text else ""
        method = "trafilatura"
        if len(text) < SHORT_TEXT_CHARS:
            fuller = trafilatura.bare_extraction(tree, fast=False, **options)
            fuller_text = fuller.text if fuller is not None and fuller.text else ""
            if len(fuller_text) > len(text):
                text, method = fuller_text, "trafilatura:full"
    except Exception as exc:  # noqa: BLE001 - trafilatura raises assorted errors on malformed trees; metadata survives
        warnings.append(f"trafilatura: {type(exc).__name__}: {exc}"[:200])
        return "", "trafilatura"
    return text.strip(), method


def _xpath_text(tree: HtmlElement, xpath: str, warnings: list[str]) -> str:
    try:
        nodes = tree.xpath(xpath)
    except etree.XPathError as exc:  # a bad outlet declaration must show up, not crash every page
        warnings.append(f"hints: body_xpath failed: {exc}")
        return ""
    blocks: list[str] = []
    for node in nodes if isinstance(nodes, list) else [nodes]:
        if isinstance(node, HtmlElement):
            blocks.extend(_block_texts(node))
        elif isinstance(node, str) and node.strip():
            blocks.append(fold_whitespace(node))
    return "\n".join(b for b in blocks if b)


# Elements whose text becomes its own line when a hinted body element is turned into text.
_BLOCK_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "dd", "dt", "figcaption"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "svg", "button", "form"})


def _block_texts(root: HtmlElement) -> list[str]:
    """Paragraph-level lines of an element (block children become lines; scripts and forms are skipped)."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = fold_whitespace(" ".join(current))
        if line:
            lines.append(line)
        current.clear()

    def walk(element: HtmlElement) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP_TAGS:
            if element.tail:
                current.append(element.tail)
            return
        block = tag in _BLOCK_TAGS or tag in ("div", "section", "article", "br")
        if block:
            flush()
        if element.text:
            current.append(element.text)
        for child in element:
            walk(child)
        if block:
            flush()
        if element.tail:
            current.append(element.tail)

    walk(root)
    flush()
    return lines


def _shingles(text: str) -> set[int]:
    """Hashed word trigrams of the normalised text (order- and chrome-robust overlap measure)."""
    words = _WORD.findall(normalize_for_match(text))
    if len(words) < 3:
        return {hash(" ".join(words))} if words else set()
    return {hash((words[i], words[i + 1], words[i + 2])) for i in range(len(words) - 2)}


def _covered(part: set[int], whole: set[int]) -> float:
    return len(part & whole) / len(part) if part else 0.0


def reconcile_bodies(text: str, method: str, structured: str, source: str) -> tuple[str, str]:
    """Combine trafilatura's text with a structured body (JSON-LD articleBody, hinted XPath) by evidence.

    - structured body much shorter than a teaser: ignore it;
    - trafilatura found (next to) nothing: take the structured body;
    - the structured body covers trafilatura's text and is clearly longer: trafilatura lost paragraphs, take it;
    - trafilatura's text covers the structured body: keep trafilatura's paragraphing, but drop its short lines
      that the structured body lacks (captions, credits, teaser links);
    - they disagree (different content): keep trafilatura's, the structured body may be another story's.
    """
    if len(structured) < MIN_STRUCTURED_BODY_CHARS:
        return text, method
    if len(text) < MIN_STRUCTURED_BODY_CHARS:
        return structured, source
    text_shingles, structured_shingles = _shingles(text), _shingles(structured)
    text_in_structured = _covered(text_shingles, structured_shingles)
    structured_in_text = _covered(structured_shingles, text_shingles)
    if text_in_structured >= COVERED_SHARE and len(structured) >= REPLACE_LENGTH_RATIO * len(text):
        return structured, source
    if structured_in_text >= COVERED_SHARE:
        kept = [line for line in text.split("\n") if _line_supported(line, structured_shingles)]
        filtered = "\n".join(kept)
        if filtered != text:
            return filtered, f"{method}+{source}-filter"
    return text, method


def _line_supported(line: str, structured_shingles: set[int]) -> bool:
    """Keep a line of trafilatura's text unless it is short chrome the structured body lacks.

    Only lines that do not read as prose are candidates (captions, credits, labels, teaser headlines end
    without a full stop) plus very short bits ("Redakteur in der Wirtschaft."). A sentence the structured
    body lacks is more often a lead or paragraph the CMS left out of articleBody than chrome.
    """
    if len(line) > MAX_FILTERED_LINE_CHARS or not line.strip():
        return True
    if len(line) > MAX_FILTERED_PROSE_CHARS and _PROSE_END.search(line):
        return True
    shingles = _shingles(line)
    return not shingles or _covered(shingles, structured_shingles) >= 0.5


# ---------------------------------------------------------------------------------------------------------
# Line-level cleaning


@dataclass(frozen=True)
class LinkTexts:
    """The page's link texts, normalised, for "is this line just a link?" questions.

    Lookups also accept a line that is the start of a link text, because links often carry hidden
    accessibility text after the visible words ("The Thomson Reuters Trust Principles., opens new tab").
    """

    sorted_texts: tuple[str, ...] = ()

    @classmethod
    def of(cls, tree: HtmlElement) -> LinkTexts:
        texts = {_link_key(anchor.text_content()) for anchor in tree.iter("a")}
        return cls(tuple(sorted(text for text in texts if len(text) >= MIN_LINK_LINE_CHARS)))

    def contains_line(self, line: str) -> bool:
        key = _link_key(line)
        if len(key) < MIN_LINK_LINE_CHARS:
            return False
        index = bisect_left(self.sorted_texts, key)
        if index < len(self.sorted_texts):
            candidate = self.sorted_texts[index]
            return candidate == key or (candidate.startswith(key) and len(candidate) - len(key) <= MAX_HIDDEN_LINK_SUFFIX)
        return False


def _link_key(text: str) -> str:
    """Whitespace-folded, case-folded, edge punctuation stripped (cheap: it runs on every link of the page)."""
    return " ".join(text.split()).casefold().strip(_EDGE_PUNCTUATION)


def _link_texts(tree: HtmlElement) -> LinkTexts:
    return LinkTexts.of(tree)


def _is_link_line(line: str, link_texts: LinkTexts) -> bool:
    """The whole line is the text of one of the page's links (a teaser headline). A bare URL is a cited
    source, not a teaser, and stays."""
    if _URL_LINE.match(line):
        return False
    return link_texts.contains_line(line)


def _is_labelled_link(line: str, link_texts: LinkTexts) -> bool:
    """'Read also: <headline>', 'Lea: <headline>', 'Our Standards: <link>': a short label, then one link.

    Catches teaser lines in any language without a list of labels: the evidence is that everything after
    the label is the text of a link on the page.
    """
    if len(line) > MAX_TRAILING_BLOCK_LINE_CHARS:
        return False
    label, separator, rest = line.partition(":")
    if not separator or not rest.strip() or len(label) > MAX_LINK_LABEL_CHARS or not _LABEL.match(label):
        return False
    return _is_link_line(rest.strip(" »>-–—"), link_texts)


def _is_headline_like(line: str) -> bool:
    return 0 < len(line) <= MAX_HEADLINE_CHARS and not _SENTENCE_END.search(line)


def _is_chrome_line(line: str) -> bool:
    """Lines that are page furniture wherever they appear."""
    if len(line) > MAX_TRAILING_BLOCK_LINE_CHARS:
        return False
    return bool(
        _CREDIT_LINE.match(line)
        or _TRAILING_CREDIT.search(line)
        or _GALLERY_LINE.match(line)
        or (len(line) <= MAX_COMMENT_TEASER_CHARS and _COMMENT_TEASER.search(line))
        or (_CALL_TO_ACTION.search(line) and not _PROSE_END.search(line))
        or _READ_ALSO_LINE.match(line)
        or (_READ_ALSO_HEADER.match(line) and len(line) <= 60)
    )


def clean_lines(text: str, *, link_texts: LinkTexts | None = None) -> str:
    """Remove captions, credits, gallery counters, teaser links and trailing headline lists.

    A headline repeated as the body's first line is kept: it is the page's text, not chrome (and the
    extraction_dev set counts it as content).
    """
    if not text:
        return text
    links = link_texts or LinkTexts()
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _is_chrome_line(line) or _is_labelled_link(line, links):
            # A caption line sits right above its credit: "הפגישה של פוטין עם שורדי השבי" / "(צילום: הקרמלין)".
            if _CREDIT_LINE.match(line) and kept and _is_headline_like(kept[-1]) and index > 1:
                kept.pop()
            continue
        kept.append(line)
    kept = _cut_trailing_block(kept, links)
    return "\n".join(kept)


def _cut_trailing_block(lines: list[str], links: LinkTexts) -> list[str]:
    """Drop the page's list of other articles at the end of the text (links, dates, 'related' labels)."""
    end = len(lines)
    while end > 0:
        line = lines[end - 1]
        if (
            _is_link_line(line, links)
            or _DATE_ONLY_LINE.match(line)
            or (_COPYRIGHT_LINE.match(line) and len(line) <= MAX_TRAILING_BLOCK_LINE_CHARS)
            or (_READ_ALSO_HEADER.match(line) and len(line) <= 60)
        ):
            end -= 1
            continue
        break
    # A "related"/"read also" header in the last part, followed only by short lines: the rest is teasers.
    for index in range(end - 1, max(end - 15, 0) - 1, -1):
        if _READ_ALSO_HEADER.match(lines[index]) and len(lines[index]) <= 60:
            if all(len(line) <= MAX_TRAILING_BLOCK_LINE_CHARS for line in lines[index + 1 : end]):
                end = index
            break
    return lines[:end]


# ---------------------------------------------------------------------------------------------------------
# Lead recovery


def _descriptions(page: PageMeta) -> list[str]:
    found: list[str] = []
    for value in (
        page.jsonld.description if page.jsonld else None,
        page.meta.get("og:description"),
        page.meta.get("description"),
        page.meta.get("twitter:description"),
    ):
        if value and value not in found:
            found.append(value)
    return found


_LEAD_CONTAINER_TAGS = frozenset({"p", "div", "h2", "h3", "header", "section", "blockquote", "li", "td"})
_NOT_CONTENT = frozenset(
    {"script", "style", "noscript", "template", "title", "head", "a", "option", "textarea", "button", "figcaption"}
)


def recover_lead(tree: HtmlElement, text: str, descriptions: Sequence[str], *, title: str | None = None) -> str | None:
    """The page's lead paragraph when the extraction lost it: the element that shows the meta description."""
    normalized_text = normalize_for_match(text)
    for description in descriptions:
        description = fold_whitespace(description)
        if len(description) < MIN_LEAD_CHARS:
            continue
        words = description.split()
        probe = " ".join(words[:LEAD_PROBE_WORDS])
        if normalize_for_match(probe) in normalized_text:
            return None  # the lead is already in the text
        if title and normalize_for_match(description).startswith(normalize_for_match(title)):
            continue
        element = _element_showing(tree, probe)
        if element is None:
            continue
        lead = fold_whitespace(element.text_content())
        limit = max(MAX_LEAD_ELEMENT_RATIO * len(description), len(description) + MAX_LEAD_ELEMENT_EXTRA_CHARS)
        if len(lead) < MIN_LEAD_CHARS or len(lead) > limit:
            continue
        if normalize_for_match(lead[:200]) in normalized_text:
            return None
        return lead
    return None


def _insert_lead(text: str, lead: str, title: str | None) -> str:
    """The lead goes first, after the headline when the text starts with it."""
    if not text:
        return lead
    first, newline, rest = text.partition("\n")
    if title and normalize_for_match(first) == normalize_for_match(title):
        return f"{first}\n{lead}{newline}{rest}"
    return f"{lead}\n{text}"


def _element_showing(tree: HtmlElement, probe: str) -> HtmlElement | None:
    """The innermost visible block element whose text contains `probe` (the lead's opening words)."""
    body = tree.find("body")
    if body is None:
        body = tree  # some pages parse as a fragment without <body>
    try:
        hits = body.xpath(".//text()[contains(normalize-space(.), $probe)]", probe=probe)
    except (etree.XPathError, ValueError):  # an unusual probe (control characters) can upset the XPath engine
        return None
    for hit in hits:
        element = hit.getparent()
        if element is None:
            continue
        if hit.is_tail:
            element = element.getparent()
        if element is None or any(
            isinstance(ancestor.tag, str) and ancestor.tag in _NOT_CONTENT for ancestor in _ancestors(element)
        ):
            continue
        while element is not None and element.tag not in _LEAD_CONTAINER_TAGS:
            element = element.getparent()
        if element is not None:
            return element
    return None


def _ancestors(element: HtmlElement) -> Iterable[HtmlElement]:
    while element is not None:
        yield element
        element = element.getparent()


# ---------------------------------------------------------------------------------------------------------
# Title, language, dates, small helpers


def _choose_title(page: PageMeta) -> tuple[str | None, str]:
    site = page.meta.get("og:site_name")
    for source, value in (
        ("jsonld", page.jsonld.headline if page.jsonld else None),
        ("meta:og:title", page.meta.get("og:title")),
        ("meta:twitter:title", page.meta.get("twitter:title")),
        ("h1", page.h1[0] if len(page.h1) == 1 else None),
        ("title", page.title_tag),
    ):
        if value:
            cleaned = strip_site_name(fold_whitespace(value), site)
            if cleaned:
                return cleaned, source
    return None, "none"


def strip_site_name(title: str, site: str | None) -> str:
    """'Headline | Site' -> 'Headline' when the trailing (or leading) part is the site's name."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    site_key = normalize_for_match(site) if site else None
    last, first = normalize_for_match(parts[-1]), normalize_for_match(parts[0])
    if site_key and (last == site_key or site_key in last):
        return " - ".join(parts[:-1]).strip() if len(parts) > 2 else parts[0].strip()
    if site_key and (first == site_key or site_key in first):
        return title.split(parts[0], 1)[1].lstrip(" |–—-:·•").strip()
    return title


def _choose_language(text: str, page: PageMeta, declared_language: str | None) -> tuple[str | None, str]:
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


def _markup_dates(tree: HtmlElement) -> dict[str, str]:
    """Dates declared in microdata/RDFa on body elements: itemprop="datePublished", property="dc:date", ..."""
    found: dict[str, str] = {}
    for element in _MARKUP_DATE_XPATH(tree):
        value = element.get("datetime") or element.get("content")
        for name in (element.get("itemprop"), element.get("property")):
            if name and value and name in _MARKUP_DATE_NAMES and name not in found:
                found[name] = value.strip()
    return found


def _structured_dates(
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


def _first(*pairs: tuple[str, str | None]) -> tuple[str | None, str | None]:
    for source, value in pairs:
        if value:
            return value, source
    return None, None


def _split_keywords(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()] if value else []


__all__ = [
    "ExtractionHints",
    "extract_document",
    "extract_file",
    "extract_html",
]
