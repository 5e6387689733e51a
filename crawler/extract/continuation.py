"""An article body split over several containers, which trafilatura reads only the first of (issue 15, item 3b).

Some templates cut the body in parts: a "read more" / "Weiterlesen" / "Читать далее" button between a first
`<div class="article-body">` and a second one (often hidden until the click), or one `<article>` per
text-and-image section. trafilatura takes the *first* element its content XPaths match
(`trafilatura.main_extractor._extract`: `next(...)` over each expression) and stops, so the later parts are
lost. Signals, all generic:
- parts: containers of the same template slot, i.e. the same body-like class token (`article-body`,
  `story-text`, `entry-content`, ...), `itemprop="articleBody"`, or `<article>` with the same class; close to one
  another (siblings or cousins); none inside a comment thread, none holding a linked headline (a list of
  other stories repeats its slot too);
- evidence: trafilatura's text holds one part's paragraphs but none of a later part's (two paragraphs at
  least: one missing paragraph is more often a caption trafilatura left out on purpose);
- continuity: the later part does not open with a title of its own (stacked articles), and what stands
  between the two holds no heading and little text (a blog's front page puts each post's title there).
The repair is to let trafilatura read again with each missing part moved, for the read only, into the part
before it (and without the attributes that hid it): trafilatura's own cleaning then applies to every part.
The teaser line between the parts ("Weiterlesen") is dropped by the line-level cleanup (crawler.extract.cleanup).

Pure stage: no Scrapy, web framework or database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from itertools import pairwise

from lxml.html import HtmlElement

from crawler.extract.named import NamedElement
from crawler.extract.teasers import is_linked_headline
from crawler.textnorm import fold_whitespace

# Class tokens that name an article's body: trafilatura's vocabulary for its content XPaths, found inside a
# token as trafilatura does ("td-post-content", "yom-art-content", "layout-article-body"), and kin. Only tokens
# ending so are searched (a search on every token costs microseconds each).
_BODY_SUFFIXES = ("body", "content", "text", "copy", "entry")
_BODY_TOKEN = re.compile(
    r"(?:article|art|story|entry|post|news|page|single|main|text|body|content|rich|full|field)[-_]{0,2}"
    r"(?:body|content|text|copy|entry)$"
)
# Whole class attributes that name a body by themselves (trafilatura: @class='post' or @class='entry').
_BARE_BODY_CLASSES = frozenset({"post", "entry", "story", "text"})
# The containers trafilatura's content XPaths consider (besides <main>, which is one per page).
_PART_TAGS = frozenset({"div", "section", "article"})
# Comment threads repeat their slot too, with prose in each; they are not the article.
_THREAD_WORDS = re.compile(r"comment|reply|replies|disqus|forum|answer|review", re.IGNORECASE)
# Parts are close: each within this many levels of the common ancestor it shares with the part before it.
MAX_PART_DEPTH = 3
# A part holds at least this much text (a continuation may be one or two paragraphs).
MIN_PART_CHARS = 80
# A paragraph this long is a fingerprint of its part: found in trafilatura's text or not.
MIN_PROBE_CHARS = 40
# A part missing from trafilatura's text holds at least this many paragraphs (of MIN_PROBE_CHARS).
MIN_MISSING_PARAGRAPHS = 2
# Paragraphs probed per part: enough to tell, few enough to stay cheap on long parts.
MAX_PROBES = 3
# What may stand between two parts: a "read more" button, an advertisement, a picture and its caption, an
# embed's consent box ("Externer Inhalt ... Zustimmen und Inhalt laden", 585 characters on munich2022.com).
# No heading: another story's title stands between two stories.
MAX_BETWEEN_CHARS = 1000
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template"})
# Attributes that hide a continuation until "read more" is clicked; trafilatura drops hidden elements.
_HIDING_ATTRIBUTES = ("style", "class", "hidden", "aria-hidden")


def part_groups(named: list[NamedElement]) -> list[list[HtmlElement]]:
    """The page's repeated body slots: two or more containers (none inside another) filling the same one.

    `named`: the page's named elements (crawler.extract.named). Structure only, so it runs right after the
    walk that found them, while the tree is still in the processor's cache (after trafilatura's pass, the
    same loop costs several times more)."""
    groups: dict[tuple[str, ...], list[HtmlElement]] = {}
    # Runs on every page: names are screened with substring tests first (a regex on every class costs more
    # than all the rest). An element named by itemprop="articleBody" alone has neither class nor id.
    for element, tag, classes, ident in named:
        if tag not in _PART_TAGS:
            continue
        if classes:
            body_like = "ody" in classes or "ontent" in classes or "ext" in classes or "opy" in classes
            if tag != "article" and not body_like and classes not in _BARE_BODY_CLASSES:
                continue
        elif ident:
            continue
        signature = ("itemprop",) if element.get("itemprop") == "articleBody" else _signature(tag, classes)
        if signature:
            groups.setdefault(signature, []).append(element)
    repeated = []
    for signature, members in groups.items():
        if len(members) >= 2 and not _is_thread_slot(signature):
            outermost = _outermost(members)
            if len(outermost) >= 2:
                repeated.append(outermost)
    return repeated


def missing_parts(tree: HtmlElement, groups: list[list[HtmlElement]], text: str) -> list[tuple[HtmlElement, HtmlElement]]:
    """(part read, later part missing from `text`) pairs: each missing part and the part before it.

    `groups`: part_groups() of the page; members set aside from `tree` meanwhile (teaser lists, promotion
    boxes) are not parts."""
    if not groups:
        return []
    solid = "".join(text.split())  # compared without whitespace: <br> and inline tags space words differently
    pairs = [pair for members in groups for pair in _missing_in_group(members, solid)]
    # Last, on the few pairs: a part inside a teaser list or promotion box set aside meanwhile is not one.
    root = tree.getroottree().getroot()
    return [(host, part) for host, part in pairs if part.getroottree().getroot() is root and host.getroottree().getroot() is root]


@contextmanager
def parts_joined(pairs: list[tuple[HtmlElement, HtmlElement]]) -> Iterator[None]:
    """Within the block, each missing part sits at the end of the part before it, unhidden."""
    moves: list[tuple[HtmlElement, HtmlElement, dict[str, str], str | None]] = []
    for host, part in pairs:
        parent = part.getparent()
        if parent is None:
            continue
        placeholder = part.makeelement("span")
        placeholder.tail, tail = part.tail, part.tail
        parent.replace(part, placeholder)
        part.tail = None
        saved = {name: part.attrib.pop(name) for name in _HIDING_ATTRIBUTES if name in part.attrib}
        host.append(part)
        moves.append((part, placeholder, saved, tail))
    try:
        yield
    finally:
        for part, placeholder, saved, tail in reversed(moves):
            part.getparent().remove(part)
            part.attrib.update(saved)
            part.tail = tail
            placeholder.getparent().replace(placeholder, part)


@lru_cache(maxsize=1024)
def _is_thread_slot(signature: tuple[str, ...]) -> bool:
    """The slot's own names say comment thread ("comment-body"): no need to look at its members."""
    return bool(_THREAD_WORDS.search(" ".join(signature)))


@lru_cache(maxsize=4096)  # the same class strings come back on every page of a site
def _signature(tag: str, classes: str) -> tuple[str, ...] | None:
    """The template slot an element fills, or None when it does not look like (part of) an article body."""
    names = classes.split()
    lowered = (token.lower() for token in names)
    tokens = tuple(sorted(token for token in lowered if token.endswith(_BODY_SUFFIXES) and _BODY_TOKEN.search(token)))
    if not tokens and classes in _BARE_BODY_CLASSES:
        tokens = (classes,)
    if tokens:
        return (tag, *tokens)  # state words ("collapsed", "is-hidden") on the hidden part do not count
    if tag == "article":
        return ("article", *names)
    return None


def _outermost(members: list[HtmlElement]) -> list[HtmlElement]:
    """Members not inside another member (document order kept)."""
    chosen = set(members)
    return [member for member in members if not any(ancestor in chosen for ancestor in member.iterancestors())]


def _missing_in_group(members: list[HtmlElement], solid_text: str) -> list[tuple[HtmlElement, HtmlElement]]:
    """Members missing from the text that continue the member before them, each paired with that member
    (read by trafilatura, or itself a continuation)."""
    if len(members) < 2 or not all(_close(a, b) for a, b in pairwise(members)):
        return []
    states = [_is_read(member, solid_text) for member in members]  # True: read, False: missing, None: can't tell
    if not any(states) or False not in states[states.index(True) :]:
        return []
    # Checked only now, on the few groups with a missing part: a comment thread or a list of other stories.
    if any(_THREAD_WORDS.search(_names_up_to_body(m)) or _holds_linked_heading(m) for m in members):
        return []
    pairs: list[tuple[HtmlElement, HtmlElement]] = []
    previous: HtmlElement | None = None
    for member, state in zip(members, states):
        if state:
            previous = member
        elif state is False and previous is not None:
            if not _continues(previous, member):
                break  # what follows is another story's, not this one's
            pairs.append((previous, member))
            previous = member
    return pairs


def _continues(host: HtmlElement, part: HtmlElement) -> bool:
    """The part goes on with the same story: it does not open with a title of its own (stacked articles,
    "next story" blocks), and nothing between the two is a heading or more than a button, an advertisement
    label or a caption (a blog's front page puts each post's title and date line between its posts)."""
    for element in part.iter(*_HEADINGS, "p"):
        if element.tag != "p":
            return False  # a heading before any paragraph: the part is titled, another story
        if len(fold_whitespace(element.text_content())) >= MIN_PROBE_CHARS:
            break
    chars = 0
    for element in _between(host, part):
        if not isinstance(element.tag, str):
            continue  # an HTML comment
        if element.tag in _HEADINGS or next(element.iter(*_HEADINGS), None) is not None:
            return False
        chars += _visible_chars(element)
        if chars > MAX_BETWEEN_CHARS:
            return False
    return True


def _visible_chars(element: HtmlElement) -> int:
    """Characters of text a reader sees in the element (not its style sheets and scripts)."""
    total = 0
    for node in element.iter():
        if node is not element and node.tail:
            total += len(node.tail.strip())
        if isinstance(node.tag, str) and node.tag not in _INVISIBLE_TAGS and node.text:
            total += len(node.text.strip())
    return total


def _between(first: HtmlElement, second: HtmlElement) -> Iterator[HtmlElement]:
    """The subtrees after `first` and before `second` in document order (`second` follows `first`)."""
    route = set(second.iterancestors())
    node = first
    while True:
        current = node.getnext()
        while current is None:  # the last child: go on after the parent
            node = node.getparent()
            if node is None:
                return
            current = node.getnext()
        while current in route:  # an ancestor of `second`: its children before `second` come first
            current = current[0]
        if current is second:
            return
        yield current
        node = current


def _close(first: HtmlElement, second: HtmlElement) -> bool:
    """Both within MAX_PART_DEPTH levels of an ancestor they share."""
    above_first = [first, *list(first.iterancestors())[:MAX_PART_DEPTH]]
    for level, ancestor in enumerate(second.iterancestors(), start=1):
        if level > MAX_PART_DEPTH:
            return False
        if ancestor in above_first:
            return True
    return False


def _names_up_to_body(element: HtmlElement) -> str:
    """Class and id names of the element and its ancestors (a part of a comment thread is named so above it)."""
    names = []
    for node in (element, *element.iterancestors()):
        if node.tag in ("body", "html"):
            break
        names.append(f"{node.get('class', '')} {node.get('id', '')}")
    return " ".join(names)


def _holds_linked_heading(element: HtmlElement) -> bool:
    """A linked headline inside a part makes the slot a list of other stories (the teaser lists' own test)."""
    return any(is_linked_headline(heading) for heading in element.iter("h1", "h2", "h3", "h4"))


def _is_read(member: HtmlElement, solid_text: str) -> bool | None:
    """Whether the member's paragraphs are in the text (True), not (False), or it has too little to tell.

    The first few paragraphs are probed by their first characters, whitespace removed (trafilatura may
    change a dateline or an inline element's spacing further in)."""
    probes: list[str] = []
    chars = 0
    for paragraph in member.iter("p"):
        solid = "".join(paragraph.text_content().split())
        chars += len(solid)
        if len(solid) >= MIN_PROBE_CHARS:
            probes.append(solid[:MIN_PROBE_CHARS])
            if len(probes) == MAX_PROBES:
                break
    if not probes or chars < MIN_PART_CHARS:
        return None
    found = sum(probe in solid_text for probe in probes)
    if found * 2 > len(probes):
        return True
    # Missing: none found, of at least two paragraphs. One missing paragraph is more often a caption or a
    # tip box that trafilatura left out on purpose, and reading the page again for it costs a full pass.
    return False if found == 0 and len(probes) >= MIN_MISSING_PARAGRAPHS else None
