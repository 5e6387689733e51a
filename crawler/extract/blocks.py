"""An element (or an HTML fragment) as paragraph lines: what a structured body becomes when it is HTML rather
than trafilatura's text (an outlet's hinted body element, an HTML body in a page's embedded JSON).

Pure stage: no Scrapy, web framework or database.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement, fragment_fromstring

from crawler.textnorm import fold_whitespace

# Elements whose text becomes its own line.
_BLOCK_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "dd", "dt", "figcaption"}
    | {"div", "section", "article", "br"}
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "svg", "button", "form"})
# Inline elements run on with the words around them ("<b>Hamas</b>," is "Hamas,"); any other element (a table
# cell, an unknown tag) is set apart by a space, so that neighbouring cells do not glue together.
_INLINE_TAGS = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "mark", "q", "s", "samp",
     "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr", "ins", "del"}
)


def block_texts(root: HtmlElement) -> list[str]:
    """Paragraph-level lines of an element (block children become lines; scripts and forms are skipped)."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = fold_whitespace("".join(current))
        if line:
            lines.append(line)
        current.clear()

    def walk(element: HtmlElement) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP_TAGS or not tag:  # not tag: a comment or processing instruction
            if element.tail:
                current.append(element.tail)
            return
        block = tag in _BLOCK_TAGS
        separate = not block and tag not in _INLINE_TAGS
        if block:
            flush()
        elif separate:
            current.append(" ")
        if element.text:
            current.append(element.text)
        for child in element:
            walk(child)
        if block:
            flush()
        elif separate:
            current.append(" ")
        if element.tail:
            current.append(element.tail)

    walk(root)
    flush()
    return lines


def fragment_lines(fragment: str) -> list[str]:
    """The paragraph lines of an HTML fragment ("<p>One.</p><p>Two</p>", or plain text with line breaks)."""
    if "<" not in fragment:
        return [line for line in (fold_whitespace(part) for part in fragment.split("\n")) if line]
    try:
        root = fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):  # an empty or unparseable fragment holds no lines
        return []
    return block_texts(root)
