"""Page parts that are not the article, found by structure and by class names in any language: lists of other
stories' linked headlines, and promotion, paywall, newsletter and donation boxes.

`mark_not_article(tree)` flags them with an attribute instead of removing them: the page's links and lead stay
visible to the later line-level cleanup, and trafilatura prunes the flagged elements from its own copy of the
tree (`PRUNE_XPATH`).

Pure stage: no Scrapy, web framework or database.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

# The attribute set on flagged elements and the XPath that prunes them (passed to trafilatura's prune_xpath).
MARK = "data-coverwatch-not-article"
PRUNE_XPATH = f"//*[@{MARK}]"

# Class or id words naming boxes that sell, ask or advertise rather than report. Whole words only (a class
# "promotional-video" is not split further, "newsletter-signup" holds "newsletter"), in the English that
# front-end code is written in whatever the page's language.
_BOX_WORDS = frozenset(
    {
        "donate",
        "donation",
        "donations",
        "paywall",
        "promo",
        "promos",
        "promotion",
        "newsletter",
        "newsletters",
        "subscribe",
        "subscription",
        "recirculation",
    }
)
_CLASS_WORD = re.compile(r"[a-z]+")
# Boxes are containers; a paragraph classed "paywall" is the article's own text behind the wall.
_BOX_TAGS = frozenset({"div", "section", "aside", "form", "ul", "ol", "figure", "iframe"})
# A box longer than this is not an appeal: some CMSs put "paywall" or "subscription" on the article's own
# wrapper (the text behind the wall), and that must stay.
MAX_BOX_CHARS = 1200
# A heading is a teaser headline when it is mostly the text of a link to another page (a kicker such as "Editorial" may precede the
# link) and at least this long ("Sport" is a menu).
MIN_HEADLINE_CHARS = 15
LINKED_SHARE = 0.6
# One teaser (linked headline, kicker, a line of summary) is at most this long; an article section is longer.
MAX_TEASER_CHARS = 600
# Teasers side by side under one parent: two make a list (an article's own headings are not links).
MIN_TEASERS = 2
# Text the list's container may hold besides its teasers (its own heading: "Other Opinion Columns").
MAX_LIST_HEADER_CHARS = 80

# Teaser lists may hold this much text relative to the page's paragraphs on an article page.
MAX_TEASER_SHARE = 0.5

_HEADINGS = ("h2", "h3", "h4", "h5", "h6")


def mark_not_article(tree: HtmlElement) -> int:
    """Flag teaser lists and promotion boxes with MARK; returns how many elements were flagged."""
    flagged = [*_boxes(tree), *_teaser_lists(tree)]
    for element in flagged:
        element.set(MARK, "")
    return len(flagged)


def _boxes(tree: HtmlElement) -> list[HtmlElement]:
    found = []
    for element in tree.xpath("//*[@class or @id]"):
        words = _CLASS_WORD.findall(f"{element.get('class', '')} {element.get('id', '')}".lower())
        if _BOX_WORDS.isdisjoint(words) or element.tag not in _BOX_TAGS:
            continue
        if _chars(element) <= MAX_BOX_CHARS:
            found.append(element)
    return found


def _teaser_lists(tree: HtmlElement) -> list[HtmlElement]:
    """Containers of two or more teasers: each a linked headline with at most a short summary."""
    items: dict[HtmlElement, list[HtmlElement]] = {}
    linked = [heading for heading in tree.iter(*_HEADINGS) if _is_linked_headline(heading)]
    linked_set = set(linked)
    for heading in linked:
        item = _teaser_around(heading, linked_set)
        parent = item.getparent()
        if parent is not None:
            items.setdefault(parent, []).append(item)
    found = []
    for parent, teasers in items.items():
        if len(teasers) < MIN_TEASERS:
            continue
        teaser_chars = sum(_chars(teaser) for teaser in teasers)
        container = parent
        # Climb while the ancestor adds no more than a heading: the list's title goes with its teasers.
        while (up := container.getparent()) is not None and up.tag not in ("body", "html"):
            if _chars(up) - teaser_chars > MAX_LIST_HEADER_CHARS:
                break
            container = up
        own_chars = _chars(container) - teaser_chars
        if own_chars <= MAX_LIST_HEADER_CHARS:
            found.append(container)
        elif own_chars <= teaser_chars and all(teaser.tag not in _HEADINGS for teaser in teasers):
            # Teasers among other text: only boxed ones (headline with its summary) are other stories; bare
            # linked headings between paragraphs are the article's own sections (a list of games, films).
            found.extend(teasers)
    # A page that is mostly teasers is a section front, not an article: its teasers are its content.
    # (Paragraphs measure the page's prose: the body's text would count scripts and menus.)
    if found and sum(_chars(element) for element in found) > MAX_TEASER_SHARE * sum(map(_chars, tree.iter("p"))):
        return []
    return found


def _is_linked_headline(heading: HtmlElement) -> bool:
    chars = _chars(heading)
    if chars < MIN_HEADLINE_CHARS:
        return False
    linked = sum(_chars(anchor) for anchor in heading.iter("a") if not anchor.get("href", "#").startswith("#"))
    return linked >= LINKED_SHARE * chars


def _chars(element: HtmlElement) -> int:
    """Visible characters of an element's text (indentation between tags does not count)."""
    return len(" ".join(element.text_content().split()))


def _teaser_around(heading: HtmlElement, linked: set[HtmlElement]) -> HtmlElement:
    """The largest element around a linked headline that holds no other one and stays teaser-sized."""
    item = heading
    while (parent := item.getparent()) is not None and parent.tag not in ("body", "html"):
        if _chars(parent) > MAX_TEASER_CHARS:
            break
        if any(other in linked for other in parent.iter(*_HEADINGS) if other is not heading):
            break
        item = parent
    return item
