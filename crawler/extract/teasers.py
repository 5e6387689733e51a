"""Page parts that are not the article, found by structure and by class names in any language: lists of other
stories' linked headlines, and promotion, paywall, newsletter and donation boxes.

`set_aside_not_article(tree)` takes them out of the tree while trafilatura reads it and puts them back after:
the page's links and lead stay visible to the later line-level cleanup and lead recovery. (Swapping a few
elements for empty placeholders costs nothing; trafilatura's own `prune_xpath` pass cost a millisecond a page.)

Pure stage: no Scrapy, web framework or database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from lxml.html import HtmlElement

from crawler.extract.named import NamedElement, named_elements

# Class or id words naming boxes that sell, ask or advertise rather than report, in the English that front-end
# code is written in whatever the page's language. Whole words only: "newsletter-signup" holds "newsletter",
# "promotional-video" holds no "promo". Not "paywall": it names the article's own text on either side of the
# wall ("paywall" paragraphs, a "non-paywall" lead section).
_BOX_WORDS = frozenset(
    {
        "donate",
        "donation",
        "donations",
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
_COMMENT_WORDS = frozenset({"comments", "comment", "disqus"})
# A notice before the comments is a few sentences; a longer element there is the article's own end.
MAX_PREAMBLE_CHARS = 400
# A box longer than this is not an appeal: some CMSs put "subscription" on the article's own wrapper (the
# text for subscribers), and that must stay.
MAX_BOX_CHARS = 1200
# A heading is a teaser headline when it is mostly the text of a link to another page (a kicker such as
# "Editorial" may precede the link) and at least this long ("Sport" is a menu).
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
# Any of the words inside a class or id: one regex search per element, the whole-word test only on hits.
_ANY_NAMED_WORD = re.compile("|".join(sorted(_BOX_WORDS | _COMMENT_WORDS)))


def not_article_parts(tree: HtmlElement, named: list[NamedElement] | None = None) -> list[HtmlElement]:
    """Teaser lists, promotion boxes and comment notices of the page (an element may be inside another).

    `named`: the page's named elements (crawler.extract.named), when the caller has them already."""
    return [*_named_boxes(named_elements(tree) if named is None else named), *_teaser_lists(tree)]


@contextmanager
def set_aside_not_article(tree: HtmlElement, named: list[NamedElement] | None = None) -> Iterator[int]:
    """Within the block, the page without its teaser lists and promotion boxes; yields how many were set aside."""
    swapped: list[tuple[HtmlElement, HtmlElement]] = []
    parts = not_article_parts(tree, named)
    named = None  # released before the block runs (see crawler.extract.body: live proxies slow trafilatura)
    for element in parts:
        parent = element.getparent()
        if parent is None:
            continue
        placeholder = tree.makeelement("span")
        placeholder.tail = element.tail  # the text after the element belongs to its parent
        parent.replace(element, placeholder)
        swapped.append((element, placeholder))
    try:
        yield len(swapped)
    finally:
        for element, placeholder in reversed(swapped):
            placeholder_parent = placeholder.getparent()
            if placeholder_parent is not None:
                placeholder_parent.replace(placeholder, element)


def _named_boxes(named: list[NamedElement]) -> list[HtmlElement]:
    """Promotion boxes by their class or id words, and the short notice right before an empty comments widget
    slot ("We welcome lively debate...", "Views below are the readers' own"): it introduces the comments,
    which are not coverage either."""
    found = []
    for element, _tag, classes, ident in named:
        names = f"{classes} {ident}".lower()
        if not _ANY_NAMED_WORD.search(names):
            continue
        words = _CLASS_WORD.findall(names)
        if not _BOX_WORDS.isdisjoint(words) and element.tag in _BOX_TAGS and _chars(element, MAX_BOX_CHARS) <= MAX_BOX_CHARS:
            found.append(element)
        elif not _COMMENT_WORDS.isdisjoint(words) and not _chars(element, 0):
            # An empty comments element is the slot a script fills with the widget; one with text is a
            # comment itself, or a live blog's entry ("live-match-comment"), and its neighbours are not notices.
            notice = element.getprevious()
            while notice is not None and not isinstance(notice.tag, str):  # an HTML comment between the two
                notice = notice.getprevious()
            if notice is not None and notice.tag in _BOX_TAGS | {"p"} and 0 < _chars(notice, MAX_PREAMBLE_CHARS) <= MAX_PREAMBLE_CHARS:
                found.append(notice)
    return found


def _teaser_lists(tree: HtmlElement) -> list[HtmlElement]:
    """Containers of two or more teasers: each a linked headline with at most a short summary."""
    items: dict[HtmlElement, list[HtmlElement]] = {}
    linked = [heading for heading in tree.iter(*_HEADINGS) if is_linked_headline(heading)]
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
            if _chars(up, teaser_chars + MAX_LIST_HEADER_CHARS) - teaser_chars > MAX_LIST_HEADER_CHARS:
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


def is_linked_headline(heading: HtmlElement) -> bool:
    """Mostly the text of a link to another page (in-page "#" links are the article's own table of contents)."""
    chars = _chars(heading)
    if chars < MIN_HEADLINE_CHARS:
        return False
    linked = sum(_chars(anchor) for anchor in heading.iter("a") if not anchor.get("href", "#").startswith("#"))
    return linked >= LINKED_SHARE * chars


def _chars(element: HtmlElement, limit: int | None = None) -> int:
    """Visible characters of an element's text (indentation between tags does not count); counting stops
    past `limit`, so asking whether a page-wide wrapper is box-sized costs little."""
    total = 0
    for piece in element.itertext():
        words = piece.split()
        if words:
            total += len(" ".join(words)) + 1  # + the space between pieces
            if limit is not None and total > limit:
                break
    return total


def _teaser_around(heading: HtmlElement, linked: set[HtmlElement]) -> HtmlElement:
    """The largest element around a linked headline that holds no other one and stays teaser-sized."""
    item = heading
    while (parent := item.getparent()) is not None and parent.tag not in ("body", "html"):
        if _chars(parent, MAX_TEASER_CHARS) > MAX_TEASER_CHARS:
            break
        if any(other in linked for other in parent.iter(*_HEADINGS) if other is not heading):
            break
        item = parent
    return item
