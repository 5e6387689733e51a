"""Lead recovery: the page's own lead paragraph (its meta description, when shown on the page) restored
when the body extraction dropped it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.page import PageMeta
from crawler.textnorm import fold_whitespace, normalize_for_match

# Lead recovery: descriptions shorter than this are taglines; the probe is the description's opening words.
MIN_LEAD_CHARS = 40
LEAD_PROBE_WORDS = 6
# ... and, when no element shows those, its first few words (enough to be specific, too few to be edited).
SHORT_PROBE_WORDS = 4
# The element holding the lead may be somewhat longer than the description (which CMSs truncate), but an
# element much longer than that is a container of the whole body, not the lead paragraph.
MAX_LEAD_ELEMENT_RATIO = 3.0
MAX_LEAD_ELEMENT_EXTRA_CHARS = 300
# Typographic quotes and apostrophes: a CMS writes "Parry's" in the meta description and "Parry’s" on the page.
_QUOTE_FOLDING = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
# Inline styles that hide an element (share dialogs and pop-ups repeat the description unseen).
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def descriptions(page: PageMeta) -> list[str]:
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
    normalized_text = None  # the whole text's match key, made only when a description is long enough to look for
    for description in descriptions:
        description = fold_whitespace(description)
        if len(description) < MIN_LEAD_CHARS:
            continue
        words = description.split()
        probe = " ".join(words[:LEAD_PROBE_WORDS])
        if probe in text:
            return None  # the lead is already in the text, as written: no need to normalise the whole text
        if normalized_text is None:
            normalized_text = _match_key(text)
        if _match_key(probe) in normalized_text:
            return None  # ... or once quotes, marks and case are folded
        if title and normalize_for_match(description).startswith(normalize_for_match(title)):
            continue
        # The description may be an edited copy of the lead ("West Ham United" for the page's "West Ham"): an
        # element showing its first few words will do when none shows the longer probe.
        element = _element_showing(tree, probe, " ".join(words[:SHORT_PROBE_WORDS]))
        if element is None:
            continue
        lead = fold_whitespace(element.text_content())
        limit = max(MAX_LEAD_ELEMENT_RATIO * len(description), len(description) + MAX_LEAD_ELEMENT_EXTRA_CHARS)
        if len(lead) < MIN_LEAD_CHARS or len(lead) > limit:
            continue
        if _match_key(lead[:200]) in normalized_text:
            return None
        return lead
    return None


def _match_key(text: str) -> str:
    return normalize_for_match(text).translate(_QUOTE_FOLDING)


def insert_lead(text: str, lead: str, title: str | None) -> str:
    """The lead goes first, after the headline when the text starts with it."""
    if not text:
        return lead
    first, newline, rest = text.partition("\n")
    if title and normalize_for_match(first) == normalize_for_match(title):
        return f"{first}\n{lead}{newline}{rest}"
    return f"{lead}\n{text}"


def _element_showing(tree: HtmlElement, probe: str, short_probe: str) -> HtmlElement | None:
    """The innermost visible block element whose text contains `probe` (the lead's opening words), else
    `short_probe` (fewer of them): one scan of the page for the short probe serves both."""
    body = tree.find("body")
    if body is None:
        body = tree  # some pages parse as a fragment without <body>
    try:
        hits = body.xpath(".//text()[contains(normalize-space(.), $probe)]", probe=short_probe)
    except (etree.XPathError, ValueError):  # an unusual probe (control characters) can upset the XPath engine
        return None
    hits.sort(key=lambda hit: probe not in " ".join(hit.split()))  # stable: page order within each kind
    for hit in hits:
        element = hit.getparent()
        if element is None:
            continue
        if hit.is_tail:
            element = element.getparent()
        if element is None or any(_not_shown(ancestor) for ancestor in _ancestors(element)):
            continue
        while element is not None and element.tag not in _LEAD_CONTAINER_TAGS:
            element = element.getparent()
        if element is not None:
            return element
    return None


def _not_shown(element: HtmlElement) -> bool:
    """Not article content (scripts, links, captions) or hidden from the reader."""
    if isinstance(element.tag, str) and element.tag in _NOT_CONTENT:
        return True
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = element.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _ancestors(element: HtmlElement) -> Iterable[HtmlElement]:
    while element is not None:
        yield element
        element = element.getparent()
