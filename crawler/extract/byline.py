"""Authors: the names a page declares (JSON-LD, meta tags) or shows in its byline, and which source to trust.

Evidence, best first: JSON-LD `author`; author meta tags; a Twitter card labelled "Written by"; the page's
visible byline (trafilatura's byline XPaths: rel=author, itemprop=author, "byline"/"author" classes); a
labelled line of text (`labelled_byline`). Every source is cleaned by `names`; a source whose every entry is
rejected does not count, so the next source is tried.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.labelled_byline import labelled_byline
from crawler.extract.names import (
    BY_WORDS,
    MAX_BYLINE_CHARS,
    MIN_BYLINE_CHARS,
    clean_names,
    names_outlet,
    split_names,
    written_as_a_name,
)
from crawler.extract.page import PageMeta, outlet_names
from crawler.textnorm import fold_whitespace

# A company's legal form ends its name ("Web Commerce GmbH", "Hanns-Seidel-Stiftung e.V."): a publisher, not a
# person.
_LEGAL_FORM = re.compile(r"(?:^|\s)(?:gmbh|e\.\s?v\.?|ag|se|kg|ug|inc\.?|ltd\.?|llc|plc|corp\.?|s\.a\.?|sarl|s\.r\.l\.?)$", re.IGNORECASE)
# One-word author entries that name a desk or say nobody, in the byline languages: not a first name to complete.
_DESK_WORDS = frozenset(
    {"redaktion", "redaction", "rédaction", "redacción", "redazione", "redactie", "newsdesk", "editorial", "staff",
     "unknown", "publisher", "admin", "agencies", "agenturen"}
)
# Twitter card labels that say their field is the author, in the byline languages ("Written by", "Verfasst von").
_AUTHOR_LABEL = re.compile(
    r"^\s*(?:(?:written|posted|published) by|(?:verfasst|geschrieben) von|écrit par|escrito por|scritto da|"
    r"geschreven door|skrevet av|skriven av|napisane przez|автор|נכתב על ידי|كتب|(?:author|autor|auteur)(?:in|es)?)\s*:?\s*$",
    re.IGNORECASE,
)
MAX_TWITTER_LABELS = 4
# Meta tags that name the author, most common first. article:author is often a profile URL (dropped below).
AUTHOR_META = (
    *("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "citation_author", "vr:author", "byl"),
    # trafilatura's other author meta names (plugins and CMSs: Shareaholic, Dublin Core spellings, Adobe).
    *("authors", "creator", "dc:creator", "dc.creator.aut", "dcterms.creator", "dcterms.creator.aut", "dcsext.author"),
    *("atc-metaauthor", "rbauthors", "shareaholic:article_author_name"),
)
# Elements that mark the author in markup: rel=author, itemprop=author, "byline"/"author" classes, ids and test
# ids (React sites: data-testid="prism-byline"), in any case ("FeatureByline", "ArticleAuthor": 'uthor' leaves
# the first letter out; 'byline' is spelled whole, as "copyline" and "storyline" are no bylines), and links to
# an author's page (/author/, /autor/: bylines with no mark of their own still link the name to the author's
# archive). The first <h1> comes along, in document order (an XPath union is ordered), to tell the bylines
# under the headline from those above it. Selecting attributes and stepping to their element
# is a quarter of the cost of testing every element's attributes (//*[contains(@class, ...) or ...]) in libxml2.
_BYLINE_MARK = "contains(., 'uthor') or contains(., 'byline') or contains(., 'Byline') or contains(., 'ByLine') or contains(., 'BYLINE')"
_BYLINE_XPATH = etree.XPath(
    f"//@class[{_BYLINE_MARK}]/..|//@rel[. = 'author']/.."
    f"|//@itemprop[contains(., 'author')]/..|//@id[{_BYLINE_MARK}]/..|(//h1)[1]|//author"
    "|//a/@href[contains(., '/author/') or contains(., '/autor/') or contains(., '/authors/') or contains(., '/profil/')]/.."
    f"|//@data-testid[{_BYLINE_MARK}]/.."
)
# The marks _BYLINE_XPATH looks for in an element's own attributes.
_AUTHOR_MARK = re.compile(r"uthor|byline", re.IGNORECASE)
# Everything up to the last "by" of a byline ("Posted on <date> by <name>").
_LAST_BY = re.compile(rf".*\b(?:{BY_WORDS})\s+", re.IGNORECASE | re.DOTALL)
# Marked elements that hold no visible byline (<link rel="author">, <meta itemprop="author">).
_NOT_SHOWN = frozenset({"meta", "link", "script", "style"})


def choose_authors(page: PageMeta, tree: HtmlElement) -> tuple[list[str], str | None]:
    """The article's authors and where they came from (None when the page names nobody).

    A source that names only the publisher (the outlet, or an organisation: "Web Commerce GmbH") gives way to
    a later one that names people in full (two words or more each): sites declare the outlet as the author in
    their JSON-LD and print the reporter's byline on the page. A later source with a one-word entry is more
    often a list of tags or sections than of people. A first name alone ("Nils", a CMS account's display
    name) is completed from a later source that names the same person in full."""
    outlets = outlet_names(page)
    sources = _named_in_sources(page, tree, outlets)
    publisher_only: tuple[list[str], str | None] = ([], None)
    for source, names in sources:
        if publisher_only[1] is None and not all(_stands_for_publisher(name, outlets) for name in names):
            return _completed(names, sources), source
        if publisher_only[1] is not None and all(
            len(name.split()) >= 2 and not _stands_for_publisher(name, outlets) for name in names
        ):
            return names, source
        if publisher_only[1] is None:
            publisher_only = (names, source)
    return publisher_only


def _named_in_sources(page: PageMeta, tree: HtmlElement, outlets: frozenset[str]) -> Iterator[tuple[str, list[str]]]:
    """Each source's names, best source first, read only when asked for (the bylines cost a tree walk)."""
    declared = [("jsonld", list(page.jsonld.authors) if page.jsonld else [])]
    declared += [(f"meta:{key}", page.repeated_meta.get(key) or [page.meta[key]]) for key in AUTHOR_META if page.meta.get(key)]
    declared += [(f"meta:twitter:data{n}", [value]) for n, value in _twitter_labelled_authors(page.meta)]
    for source, values in [*declared, ("byline", None), ("byline:label", None)]:
        if values is None:
            values = _visible_byline(tree) if source == "byline" else labelled_byline(tree)
        names = clean_names(values, outlets)
        if names:
            yield source, names


def _stands_for_publisher(name: str, outlets: frozenset[str]) -> bool:
    return names_outlet(name, outlets) or bool(_LEGAL_FORM.search(name))


def _completed(names: list[str], later: Iterator[tuple[str, list[str]]]) -> list[str]:
    """NAMES with each one-word given name replaced by the full name a LATER source gives that starts with
    it. Only a word written like a given name ("Nils", not "Redaktion", "AFP" or "sv_team") is worth reading
    the later sources for: they cost a walk over the page."""
    if not any(_written_like_a_given_name(name) for name in names):
        return names
    full = [name for _source, more in later for name in more if len(name.split()) >= 2]
    return [
        next((whole for whole in full if whole.split()[0].casefold() == name.casefold()), name) if len(name.split()) == 1 else name
        for name in names
    ]


def _written_like_a_given_name(name: str) -> bool:
    return name.isalpha() and name[0].isupper() and name[1:].islower() and name.casefold() not in _DESK_WORDS


def _twitter_labelled_authors(meta: dict[str, str]) -> list[tuple[int, str]]:
    """Twitter's card fields labelled as the author (WordPress SEO plugins write `twitter:label1` "Written by"
    in the site's language and `twitter:data1` the name)."""
    return [
        (n, meta[f"twitter:data{n}"])
        for n in range(1, MAX_TWITTER_LABELS + 1)
        if _AUTHOR_LABEL.match(meta.get(f"twitter:label{n}", "")) and meta.get(f"twitter:data{n}")
    ]


def _visible_byline(tree: HtmlElement) -> list[str]:
    """The byline shown on the page: the first short element marked as the author's (rel/itemprop/class/id).

    One compiled XPath pass over the tree (trafilatura's extract_author deep-copies the tree and runs several
    regex XPaths: a tenth of a page's extraction time). The innermost of nested marked elements is read
    (<div class="author"><a class="author-link">Name</a><span>Games Editor</span></div>), the outer one
    after it. Names must be written as names (capitalised) in this visible text. An element whose
    whole text names nobody ("By Nathan Willis March 25, 2015": the date makes it no name) is read again
    text node by text node. Bylines under the headline are read first: marked elements above it are site
    chrome (a "follow our authors" box). Elements inside comment threads are skipped: their authors are readers.
    """
    try:
        found = _BYLINE_XPATH(tree)
    except etree.XPathError:
        return []
    found = _without_links_inside_bylines(found)
    headline = next((index for index, element in enumerate(found) if element.tag == "h1"), -1)
    candidates = found[headline + 1 :] + found[: max(headline, 0)]
    candidates = [element for element in candidates if element.tag not in _NOT_SHOWN]
    for element in _innermost_first(candidates):
        if _inside_comments(element):
            continue
        content = fold_whitespace(" ".join(element.itertext()))
        if MIN_BYLINE_CHARS < len(content) < MAX_BYLINE_CHARS:
            names = (
                split_names(content)
                or [name for text in element.itertext() for name in split_names(text)]
                or split_names(_after_last_by(content))
            )
            names = [name for name in names if written_as_a_name(name)]
            if names:
                return names
    return []


def _without_links_inside_bylines(found: list[HtmlElement]) -> list[HtmlElement]:
    """FOUND without the links to authors' pages that sit inside another found element: such a link is one
    of a byline's names ("Por <a>Isabel Caro</a>, <a>Rocío Latorre</a> y …"), and the byline is read whole."""
    marked = {id(element) for element in found}
    return [
        element
        for element in found
        if not _only_linked(element) or not any(id(ancestor) in marked for ancestor in element.iterancestors())
    ]


def _only_linked(element: HtmlElement) -> bool:
    """ELEMENT was found for its link to an author's page, not for a mark of its own."""
    marks = f"{element.get('class') or ''} {element.get('id') or ''} {element.get('itemprop') or ''} {element.get('rel') or ''}"
    return element.tag == "a" and not _AUTHOR_MARK.search(marks)


def _after_last_by(content: str) -> str:
    """'Posted on September 21, 2020 by Adi Tzlil' -> 'Adi Tzlil': what follows the last "by" of a byline
    whose date or label kept it from reading as names; '' when there is no "by"."""
    match = _LAST_BY.match(content)
    return content[match.end() :] if match else ""


def _innermost_first(elements: list[HtmlElement]) -> list[HtmlElement]:
    """ELEMENTS in order, each marked element that encloses others moved after the last of them: the inner
    one holds the name, the outer one is still read when the inner one is only a label ("Autor:")."""
    position = {id(element): index for index, element in enumerate(elements)}
    read_after = list(range(len(elements)))
    for index, element in enumerate(elements):
        for ancestor in element.iterancestors():
            outer = position.get(id(ancestor))
            if outer is not None:
                read_after[outer] = max(read_after[outer], index)
    order = sorted(range(len(elements)), key=lambda index: (read_after[index], -index))
    return [elements[index] for index in order]


def _inside_comments(element: HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        names = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}".lower()
        if "comment" in names:
            return True
    return False
