"""Page bytes -> lxml HTML tree, as trafilatura's `load_html` builds it, with cheaper element objects.

Owns `parse_page(html) -> HtmlElement | None`.

lxml.html's parser chooses each element's Python class (HtmlElement, FormElement, InputElement, ...) by calling
a Python function every time lxml hands an element to Python. Extraction walks a page's elements many times
(trafilatura on its copies of the tree, then the date, byline, teaser and link passes), so that call ran
about 5,000 times a page: 5% of the extraction's CPU time. Here the same parser settings choose the class in
C (every element an HtmlElement; the form-field subclasses only add form helpers, which extraction never
uses). Copies of the tree keep the parser, so trafilatura's passes over its copies get the saving too.
Same tree, same text: identical extraction output on the 990 pages of bench/extract_speed.py.
"""

from __future__ import annotations

import logging

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction, fromstring
from trafilatura.utils import decode_file, is_dubious_html, repair_faulty_html

log = logging.getLogger(__name__)


def _page_parser() -> HTMLParser:
    # trafilatura's HTML_PARSER settings (trafilatura.utils), with a C-level element class lookup.
    parser = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True)
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity)
    )
    return parser


_PARSER = _page_parser()


def parse_page(html: bytes | str | HtmlElement) -> HtmlElement | None:
    """The page's tree, or None when it is not HTML (trafilatura.utils.load_html's decoding, repair and
    rejection rules, step for step)."""
    if isinstance(html, HtmlElement):
        return html
    text = decode_file(html)
    beginning = text[:50].lower()
    dubious = is_dubious_html(beginning)
    text = repair_faulty_html(text, beginning)
    tree = None
    reparsed_as_bytes = False
    try:
        tree = fromstring(text, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported"
        tree = _parse_bytes(text)
        reparsed_as_bytes = True
    except Exception as exc:  # noqa: BLE001 - lxml raises assorted errors on hostile input; the caller reports None
        log.debug("lxml could not parse the page: %s", exc)
    if (tree is None or len(tree) < 1) and not reparsed_as_bytes:
        tree = _parse_bytes(text)
    if tree is not None and dubious and len(tree) < 2:
        return None  # not (well-formed) HTML at all: a feed, JSON, plain text
    return tree


def _parse_bytes(text: str) -> HtmlElement | None:
    try:
        return fromstring(text.encode("utf8", "surrogatepass"), parser=_PARSER)
    except Exception as exc:  # noqa: BLE001 - as above
        log.debug("lxml could not parse the page as bytes: %s", exc)
        return None
