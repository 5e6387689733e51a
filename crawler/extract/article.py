"""HTML (and PDF) documents -> ExtractedArticle: body text, title, dates, language, authors, provenance.

Pure stage (no Scrapy). Public API:
- `extract_html(html, url, *, hints, feed_date, fetched_at, declared_language) -> ExtractedArticle`
- `extract_document(data, url, *, content_type, ...)`: PDFs to `crawler.extract.pdf`, everything else to extract_html
- `extract_file(path, url=None)`: what `coverwatch extract FILE` calls

How the body is chosen: teaser lists and promotion boxes are set aside, then trafilatura (fast mode, no
comments) reads the page once; a short or menu-like result is retried with trafilatura's full cascade. The page's structured data then acts as evidence: a JSON-LD `articleBody` or
an outlet's `body_xpath` replaces trafilatura's text when it clearly holds more of the article, or filters
trafilatura's text (captions, "read also" lines) when it covers it. A line-level pass removes what both
miss: photo credits and captions, gallery counters, "read also" lines, and trailing lists of other headlines.
The page's own lead (its meta description, when it is shown on the page) is restored when trafilatura
dropped it. Every chosen field says where it came from in `field_sources`.

Bodies doubled or split (issue 15, item 3): a structured body holding the article twice is kept once
(`repetition`); a body that goes on in later containers of the same template slot, which trafilatura does not
read, is read again with them joined (`continuation`); a page whose HTML gives (next to) no body is looked up in
its embedded JSON state (`embedded`: `__NEXT_DATA__`, `window.__INITIAL_STATE__ = {...}`, Arc's `content_elements`).

Modules: `page` (what the page declares: meta, JSON-LD, title, language), `teasers` (other stories and
promotions inside the article area), `body` (trafilatura vs structured bodies), `continuation`, `embedded`,
`repetition` (see above), `blocks` (HTML as paragraph lines), `named` (the named elements several passes judge),
`cleanup` (line-level chrome removal), `lead` (lead recovery), `hints` (outlet declarations).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from crawler.extract.body import choose_body
from crawler.extract.budget import MAX_PAGE_INPUT_BYTES, MAX_PDF_INPUT_BYTES, DocumentBudget, read_bounded
from crawler.extract.byline import choose_authors
from crawler.extract.cleanup import LinkTexts, clean_lines
from crawler.extract.dates import resolve_modified, resolve_published
from crawler.extract.hints import NO_HINTS, ExtractionHints
from crawler.extract.language import detect_language, normalize_code
from crawler.extract.lead import descriptions, insert_lead, recover_lead
from crawler.extract.page import (
    MODIFIED_MARKUP,
    MODIFIED_META,
    PUBLISHED_MARKUP,
    PUBLISHED_META,
    choose_language,
    first_of,
    join_url,
    markup_dates,
    read_page_meta,
    split_keywords,
    structured_dates,
)
from crawler.extract.parse import parse_page
from crawler.extract.title import choose_title
from crawler.model import DateEvidence, ExtractedArticle

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
    tree = parse_page(html) if html else None
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

    article.title, article.field_sources["title"] = choose_title(page)
    text, method = choose_body(tree, url, page, hints, article.warnings, title=article.title)
    text = clean_lines(text, link_texts=LinkTexts.of(tree))
    lead = recover_lead(tree, text, descriptions(page), title=article.title)
    if lead:
        text = insert_lead(text, lead, article.title)
        method += "+lead"
    article.text = text
    article.extraction_method = method
    article.field_sources["text"] = method
    if not text:
        article.warnings.append("text: no article body found")

    article.description, source = first_of(
        ("jsonld", jsonld.description if jsonld else None),
        ("meta:og:description", page.meta.get("og:description")),
        ("meta:description", page.meta.get("description")),
    )
    if source:
        article.field_sources["description"] = source
    article.authors, source = choose_authors(page, tree)
    if source:
        article.field_sources["authors"] = source
    keywords = (
        list(jsonld.keywords)
        if jsonld and jsonld.keywords
        else split_keywords(page.meta.get("keywords") or page.meta.get("news_keywords"))
    )
    article.keywords = keywords
    article.canonical_url, source = first_of(
        ("link:canonical", page.canonical),
        ("meta:og:url", join_url(url, page.meta["og:url"]) if page.meta.get("og:url") else None),
        ("jsonld", jsonld.url if jsonld else None),
    )
    if source:
        article.field_sources["canonical_url"] = source

    article.language, article.field_sources["language"] = choose_language(
        article.text or article.title or "", page, declared_language
    )

    markup = markup_dates(tree)
    structured = structured_dates(page, markup, PUBLISHED_META, jsonld.date_published if jsonld else None, PUBLISHED_MARKUP)
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
    modified = structured_dates(page, markup, MODIFIED_META, jsonld.date_modified if jsonld else None, MODIFIED_MARKUP)
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


__all__ = [
    "ExtractionHints",
    "extract_document",
    "extract_file",
    "extract_html",
]
