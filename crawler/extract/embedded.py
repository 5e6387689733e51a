"""Article bodies held in a page's embedded JSON state rather than in its HTML (issue 15, item 3c).

Client-rendered pages (Next.js, Nuxt, Arc XP/Fusion, many React front ends) ship the article as data in a
`<script>`: `<script id="__NEXT_DATA__" type="application/json">{...}</script>`,
`window.__INITIAL_STATE__ = {...};`, `Fusion.globalContent = {...};`. Their HTML may hold no body at all, and
trafilatura then finds nothing (or the site's menu). The body sits in that data in one of two shapes:
- one string, plain text or an HTML fragment, under a body-like key (`body`, `articleBody`, `content`,
  `contentHtml`, `html`, `text`, WordPress's `content.rendered`, ...);
- a list of blocks, one per paragraph, each a dict with such a key (Arc XP's `content_elements`:
  `{"type": "text", "content": "<p>...</p>"}`).

`embedded_bodies(tree)` returns every candidate as text, longest first; the caller decides whether one is the
article (see crawler.extract.body). It is only worth its cost on pages whose HTML gave (next to) no body:
decoding a page's state is a few milliseconds on large pages.

Pure stage: no Scrapy, web framework or database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

from crawler.extract.blocks import fragment_lines
from crawler.extract.budget import MAX_DEPTH, nesting_depth

# Keys whose string value is a body, compared case-folded. Broad on purpose ("text", "html", "content"):
# a candidate must still be long and read as prose to be taken.
BODY_KEYS = frozenset(
    {
        "articlebody",
        "article_body",
        "body",
        "bodyhtml",
        "body_html",
        "bodytext",
        "content",
        "contenthtml",
        "content_html",
        "contenttext",
        "fulltext",
        "full_text",
        "html",
        "rendered",  # WordPress REST: "content": {"rendered": "<p>...</p>"}
        "text",
        "storytext",
        "maintext",
    }
)
# A candidate shorter than this (raw characters, markup included) is a teaser, a caption or a label.
MIN_CANDIDATE_CHARS = 200
# Only the longest few candidates are parsed into text: the others are shorter copies or other stories' bits.
MAX_PARSED_CANDIDATES = 4
# States are data, not deep; the bound keeps a pathological one from costing anything (as for JSON-LD).
MAX_WALK_DEPTH = 40
# A script shorter than this cannot hold an article.
MIN_SCRIPT_CHARS = 400

# `window.__STATE__ = {`, `Fusion.globalContent={`, `var data = [`: where an assigned JSON value starts.
_ASSIGNMENT = re.compile(r"(?:^|[;\s,(])[\w$.\[\]\"']+\s*=\s*(?=[{\[])")
_JSON_TYPES = frozenset({"application/json", "application/ld+json", "text/json"})
_SCRIPT_TYPES = frozenset({"", "text/javascript", "application/javascript", "module"})
_DECODER = json.JSONDecoder(strict=False)  # strict=False: raw newlines inside strings, as CMS templates write
# A string that is an HTML fragment with paragraphs, wherever it sits.
_HTML_PARAGRAPH = re.compile(r"<(?:p|br)\b", re.IGNORECASE)


def embedded_bodies(tree: HtmlElement) -> list[str]:
    """Texts of the bodies found in the page's embedded JSON, longest first (each as paragraph lines)."""
    raw: dict[str, None] = {}  # insertion-ordered set: states often hold the same body twice
    for value in _embedded_values(tree):
        for candidate in _candidates(value, 0):
            if len(candidate) >= MIN_CANDIDATE_CHARS:
                raw[candidate] = None
    longest = sorted(raw, key=len, reverse=True)[:MAX_PARSED_CANDIDATES]
    texts = ["\n".join(fragment_lines(candidate)) for candidate in longest]
    return sorted((text for text in texts if text), key=len, reverse=True)


def _embedded_values(tree: HtmlElement) -> Iterator[Any]:
    """The decoded JSON of each data script and of each `name = {...}` assignment in inline scripts."""
    for script in tree.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        text = script.text or ""
        if kind == "application/ld+json" or len(text) < MIN_SCRIPT_CHARS or script.get("src"):
            continue  # JSON-LD is read (and reconciled) on its own: crawler.extract.jsonld
        if kind not in _JSON_TYPES and kind not in _SCRIPT_TYPES:
            continue  # templates, and data in other formats
        # The document budget's depth check first, as for JSON-LD: json takes seconds to overflow its stack on
        # a 100,000-deep value. Once per script: the assignments inside it are parts of the same text.
        if nesting_depth(text, stop_above=MAX_DEPTH) > MAX_DEPTH:
            continue
        starts = [len(text) - len(text.lstrip())] if kind in _JSON_TYPES else [m.end() for m in _ASSIGNMENT.finditer(text)]
        for start in starts:
            value = _decode(text, start)
            if value is not None:
                yield value


def _decode(text: str, start: int) -> Any:
    """The JSON value starting at `start` (what follows it, like `;` or more code, is ignored), or None."""
    try:
        value, _end = _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError):
        return None
    return value


def _candidates(value: Any, depth: int) -> Iterator[str]:
    """Strings under body-like keys, HTML strings in lists (Nuxt's flattened payload loses the keys), and the
    joined texts of lists of paragraph blocks."""
    if depth > MAX_WALK_DEPTH:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, str):
                if len(child) >= MIN_CANDIDATE_CHARS and key.casefold() in BODY_KEYS:
                    yield child
            elif isinstance(child, (dict, list)):
                yield from _candidates(child, depth + 1)
        return
    if not isinstance(value, list):
        return
    blocks = [text for text in map(_block_text, value) if text]
    if len(blocks) >= 2:
        yield "".join(f"<div>{block}</div>" for block in blocks)  # each block its own line, markup or not
    for child in value:
        if isinstance(child, str):
            if len(child) >= MIN_CANDIDATE_CHARS and _HTML_PARAGRAPH.search(child):
                yield child
        elif isinstance(child, (dict, list)):
            yield from _candidates(child, depth + 1)


def _block_text(item: Any) -> str | None:
    """A paragraph block's text: the first string under a body-like key of a dict in a list."""
    if not isinstance(item, dict):
        return None
    for key, child in item.items():
        if isinstance(child, str) and child.strip() and key.casefold() in BODY_KEYS:
            return child
    return None
