"""The article body: trafilatura's text reconciled with the page's structured bodies (JSON-LD articleBody,
an outlet's hinted XPath) by evidence, never by trust alone."""

from __future__ import annotations

import re
from typing import Any

import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.blocks import block_texts
from crawler.extract.continuation import missing_parts, part_groups, parts_joined
from crawler.extract.embedded import embedded_bodies
from crawler.extract.hints import ExtractionHints
from crawler.extract.measure_once import one_page_measure
from crawler.extract.named import named_elements
from crawler.extract.page import PageMeta
from crawler.extract.repetition import without_repetition
from crawler.extract.teasers import set_aside_not_article
from crawler.textnorm import fold_whitespace, normalize_for_match

# ---------------------------------------------------------------------------------------------------------
# Tunables (measured with bench/extraction_quality.py on the extraction_dev set; see its output)

# trafilatura's fast mode skips its readability/jusText comparison. Below this many characters the fast
# result is often a fragment (a teaser, one block of a split layout), so the full cascade is worth its cost.
SHORT_TEXT_CHARS = 1000
# ... and so is a fast result that is mostly not prose: on some layouts fast mode keeps the lead sentence
# plus the site's menu and loses the other paragraphs (issue 15). Prose lines: this long, ending a sentence.
MIN_PROSE_SHARE = 0.3
MIN_PROSE_LINE_CHARS = 60
# A result that already holds this much prose (two or three paragraphs) is not "a lead plus a menu": it is a
# page of lists, tables or short lines around its prose (a product page, a wiki, a listing), which the full
# cascade reads no better at about twice the cost (on the speed bench: 9 such retries, 1 ms a page).
MENU_RETRY_MAX_PROSE_CHARS = 1000
# A structured body (JSON-LD articleBody, hinted XPath) shorter than this is a teaser, not the article.
MIN_STRUCTURED_BODY_CHARS = 200
# A page whose HTML gave less body text than this may be client-rendered: its article is then looked for in
# the page's embedded JSON state (crawler.extract.embedded). A lead paragraph is about this long.
EMBEDDED_BELOW_CHARS = 500
# ... and it replaces the HTML's text outright when it is this much longer (the HTML gave a shell: menu,
# cookie notice, a lead). States also hold menus, cookie notices, author bios and other stories' teasers: an
# embedded body must be mostly prose and mention most of the headline's words, this long. (Mostly: a state's
# list of meta tags, joined, repeats the description and title and reads as 40% prose.)
EMBEDDED_REPLACE_RATIO = 2.0
MIN_EMBEDDED_PROSE_SHARE = 0.5
MIN_TITLE_WORD_CHARS = 4
MIN_TITLE_WORDS_SHARE = 0.5
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

_PROSE_END = re.compile(r"[.!?。؟…\"'”»״)]\s*$")
_WORD = re.compile(r"\w+")


def choose_body(
    tree: HtmlElement, url: str, page: PageMeta, hints: ExtractionHints, warnings: list[str], *, title: str | None = None
) -> tuple[str, str]:
    """The body text and the method that produced it, by evidence between trafilatura and structured data.

    `title`: the page's headline, which a body found in the page's embedded JSON must mention."""
    jsonld_body = page.jsonld.body if page.jsonld else None
    if jsonld_body and hints.prefer_jsonld_body and len(jsonld_body) >= MIN_STRUCTURED_BODY_CHARS:
        return jsonld_body, "jsonld"  # the outlet's articleBody is the article: trafilatura's reading would go unused
    text, method = _trafilatura_text(tree, url, hints, warnings)
    candidates: list[tuple[str, str]] = []
    if hints.body_xpath:
        hinted = _xpath_text(tree, hints.body_xpath, warnings)
        if hinted:
            candidates.append(("hints:body_xpath", hinted))
    if jsonld_body and hints.prefer_jsonld_body is not False:
        candidates.append(("jsonld", jsonld_body))
    for source, structured in candidates:
        text, method = reconcile_bodies(text, method, structured, source)
    if len(text) < EMBEDDED_BELOW_CHARS:  # only then: decoding a page's JSON state costs milliseconds
        embedded = _embedded_body(tree, title)
        if embedded and len(embedded) >= EMBEDDED_REPLACE_RATIO * len(text):
            # What the HTML gave is a fraction of the article: a client-rendered page's shell (menu, cookie
            # notice, a lead), not text to reconcile with.
            return embedded, "embedded-json"
        if embedded:
            text, method = reconcile_bodies(text, method, embedded, "embedded-json")
    return text, method


def _embedded_body(tree: HtmlElement, title: str | None) -> str | None:
    """The longest body in the page's embedded JSON state that reads as prose and mentions the headline (the
    same state holds menus, cookie notices, author bios and other stories' teasers), kept once if the state
    wrote it twice."""
    title_words = _title_words(title)
    for candidate in embedded_bodies(tree):
        if len(candidate) < MIN_STRUCTURED_BODY_CHARS:
            break  # longest first: the rest are shorter
        if prose_share(candidate) >= MIN_EMBEDDED_PROSE_SHARE and _mentions(candidate, title_words):
            return without_repetition(candidate)
    return None


def _title_words(title: str | None) -> list[str]:
    return [word for word in _WORD.findall(normalize_for_match(title or "")) if len(word) >= MIN_TITLE_WORD_CHARS]


def _mentions(text: str, title_words: list[str]) -> bool:
    """Most of the headline's words occur in the text (as substrings: Hebrew and Arabic glue prefixes to words).
    A headline of fewer than two such words (or none, or one in a script without spaces) cannot tell."""
    if len(title_words) < 2:
        return True
    folded = normalize_for_match(text)
    return sum(word in folded for word in title_words) >= MIN_TITLE_WORDS_SHARE * len(title_words)


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
    # Teaser lists and promotion boxes go before trafilatura reads the page: it keeps some of them as content.
    named = named_elements(tree)
    groups = part_groups(named)
    aside = set_aside_not_article(tree, named)
    # Python proxies of a tree's elements that stay alive while trafilatura copies and walks the tree slow it
    # down (measured: a page's few hundred named elements kept cost more than the walk saved).
    del named
    with aside:
        text, method = _read_with_retry(tree, options, warnings)
        parts = missing_parts(tree, groups, text)
        if not parts:
            return text, method
        # The body goes on in later containers trafilatura did not read: read again with them joined.
        with parts_joined(parts):
            joined, joined_method = _read_with_retry(tree, options, warnings)
    if len(joined) > len(text) and _covered(_shingles(text), _shingles(joined)) >= COVERED_SHARE:
        return joined, f"{joined_method}+parts"
    return text, method


def _read_with_retry(tree: HtmlElement, options: dict[str, Any], warnings: list[str]) -> tuple[str, str]:
    """trafilatura's fast mode, and its full cascade when the fast text is short or reads as a menu."""
    try:
        with one_page_measure():  # the full read measures the page as the fast one did
            document = trafilatura.bare_extraction(tree, fast=True, **options)
            text = document.text if document is not None and document.text else ""
            method = "trafilatura"
            menu_like = reads_as_menu(text)
            if len(text) < SHORT_TEXT_CHARS or menu_like:
                fuller = trafilatura.bare_extraction(tree, fast=False, **options)
                fuller_text = fuller.text if fuller is not None and fuller.text else ""
                # A menu is long but not prose: compare what reads as prose, not raw length.
                measure = _prose_chars if menu_like else len
                if measure(fuller_text) > measure(text):
                    text, method = fuller_text, "trafilatura:full"
    except Exception as exc:  # noqa: BLE001 - trafilatura raises assorted errors on malformed trees; metadata survives
        warnings.append(f"trafilatura: {type(exc).__name__}: {exc}"[:200])
        return "", "trafilatura"
    return text.strip(), method


def _prose_chars(text: str) -> int:
    """Characters in lines that read as prose: long enough and ending like a sentence."""
    return sum(len(line) for line in text.split("\n") if len(line) >= MIN_PROSE_LINE_CHARS and _PROSE_END.search(line))


def reads_as_menu(text: str) -> bool:
    """Mostly not prose, and too little prose to be more than a lead: what fast mode keeps of some layouts."""
    prose = _prose_chars(text)  # once: the fast text of a large page is long
    return prose < MENU_RETRY_MAX_PROSE_CHARS and _share(prose, text) < MIN_PROSE_SHARE


def prose_share(text: str) -> float:
    """Share of the text's characters in prose lines (1.0 for an empty text: nothing to retry)."""
    return _share(_prose_chars(text), text)


def _share(prose: int, text: str) -> float:
    total = sum(len(line) for line in text.split("\n"))
    return prose / total if total else 1.0


def _xpath_text(tree: HtmlElement, xpath: str, warnings: list[str]) -> str:
    try:
        nodes = tree.xpath(xpath)
    except etree.XPathError as exc:  # a bad outlet declaration must show up, not crash every page
        warnings.append(f"hints: body_xpath failed: {exc}")
        return ""
    blocks: list[str] = []
    for node in nodes if isinstance(nodes, list) else [nodes]:
        if isinstance(node, HtmlElement):
            blocks.extend(block_texts(node))
        elif isinstance(node, str) and node.strip():
            blocks.append(fold_whitespace(node))
    return "\n".join(b for b in blocks if b)


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
