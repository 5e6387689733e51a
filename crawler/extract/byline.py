"""Authors: the names a page declares (JSON-LD, meta tags) or shows in its byline, one person per entry.

Evidence, best first: JSON-LD `author`; author meta tags; the page's visible byline (trafilatura's byline
XPaths: rel=author, itemprop=author, "byline"/"author" classes). Every source goes through the same cleaning:
- one field naming several people is split: "X and Y", "X und Y", "X et Y", "X y Y", "X و Y", "X и Y",
  "X & Y", commas and semicolons;
- "By", "Von", "Par", "Por", "Автор:", "מאת", "بقلم" before a name are dropped;
- what is not a name is dropped: e-mail addresses, URLs, handles, numeric or alphanumeric ids ("cc7567"),
  over-long strings (a sentence in an author field).
A source whose every entry is rejected does not count, so the next source is tried.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.page import PageMeta
from crawler.textnorm import fold_whitespace

# Meta tags that name the author, most common first. article:author is often a profile URL (dropped below).
AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "citation_author", "vr:author", "byl")
# Conjunctions between two names, in the languages we monitor and those of the development sets. Spaces on
# both sides: "و" and "и" also begin words ("وليد", "Иван").
_NAME_SEPARATORS = re.compile(
    r"\s*(?:[,;|/]|\s(?:and|und|et|y|e|og|en|i|и|و|ו|(?:edited|additional reporting|reporting) by)\s|&)\s*",
    re.IGNORECASE,
)
_BYLINE_PREFIX = re.compile(
    r"^(?:by|written by|von|par|por|di|door|av|автор(?:ы)?[:\s]|текст[:\s]|מאת|בקלם|كتب|بقلم|إعداد)\s*:?\s*",
    re.IGNORECASE,
)
_EMAIL_OR_URL = re.compile(r"\S+@\S+\.\w+|https?://\S+|www\.\S+", re.IGNORECASE)
_URL = re.compile(r"^(?:https?:|www\.)|\.(?:com|org|net|ru|il)\b", re.IGNORECASE)
_HAS_DIGIT = re.compile(r"\d")
# A person's or desk's name is a few words; longer is a sentence or a whole byline block.
MAX_NAME_WORDS = 6
MAX_NAME_CHARS = 60
# A byline element's text: longer than an initial, shorter than a paragraph (trafilatura's limits).
MIN_BYLINE_CHARS = 2
MAX_BYLINE_CHARS = 120
# Elements that mark the author in markup: rel=author, itemprop=author, "byline"/"author" classes and ids.
_BYLINE_XPATH = etree.XPath(
    "//*[@rel='author' or contains(@itemprop, 'author') or contains(@class, 'byline') or contains(@class, 'author')"
    " or contains(@id, 'byline') or @id='author'][not(self::meta) and not(self::link) and not(self::script)]|//author"
)


def split_names(value: str) -> list[str]:
    """One author field -> the people in it, cleaned; entries that are not names are dropped."""
    text = fold_whitespace(_EMAIL_OR_URL.sub(" , ", value))
    names: list[str] = []
    for part in _NAME_SEPARATORS.split(text):
        name = _BYLINE_PREFIX.sub("", part.strip(" \t-–—:·•()[]\"'")).strip(" .,-–—:")
        if _is_name(name) and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


def _is_name(text: str) -> bool:
    if not text or len(text) > MAX_NAME_CHARS or len(text.split()) > MAX_NAME_WORDS:
        return False
    if text.startswith("@") or _URL.search(text) or _HAS_DIGIT.search(text):
        return False
    return sum(character.isalpha() for character in text) >= 2


def clean_names(values: Iterable[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        for name in split_names(value):
            if name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
    return names


def choose_authors(page: PageMeta, tree: HtmlElement) -> tuple[list[str], str | None]:
    """The article's authors and where they came from (None when the page names nobody)."""
    if page.jsonld and page.jsonld.authors:
        names = clean_names(page.jsonld.authors)
        if names:
            return names, "jsonld"
    for key in AUTHOR_META:
        value = page.meta.get(key)
        if value:
            names = clean_names([value])
            if names:
                return names, f"meta:{key}"
    names = clean_names(_visible_byline(tree))
    return (names, "byline") if names else ([], None)


def _visible_byline(tree: HtmlElement) -> list[str]:
    """The byline shown on the page: the first short element marked as the author's (rel/itemprop/class/id).

    One compiled XPath pass over the tree (trafilatura's extract_author deep-copies the tree and runs several
    regex XPaths: a tenth of a page's extraction time). Elements inside comment threads are skipped: their
    authors are readers.
    """
    try:
        candidates = _BYLINE_XPATH(tree)
    except etree.XPathError:
        return []
    for element in candidates:
        if _inside_comments(element):
            continue
        content = fold_whitespace(" ".join(element.itertext()))
        if MIN_BYLINE_CHARS < len(content) < MAX_BYLINE_CHARS:
            names = split_names(content)
            if names:
                return names
    return []


def _inside_comments(element: HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        names = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}".lower()
        if "comment" in names:
            return True
    return False
