"""The page's elements that carry a name (class, id, or `itemprop="articleBody"`), found in one walk, with
their tag, class and id.

Passes that judge elements by their names share this list: the teaser and promotion boxes
(crawler.extract.teasers) and the parts of a split body (crawler.extract.continuation). Every page pays for
the walk and for reading two attributes of each of its few hundred named elements (lxml's attribute access
is the costly part), so both are paid once.

Pure stage: no Scrapy, web framework or database.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

# (element, its tag, its class attribute or "", its id attribute or ""): read while the walk has the tree in
# the processor's cache; read later, after trafilatura's pass, each costs several times more.
NamedElement = tuple[HtmlElement, str, str, str]

# Stepping up from the attribute nodes costs half of testing every element for them in libxml2 (the union
# keeps page order and each element once).
_NAMED = etree.XPath("//@class/..|//@id/..|//@itemprop[.='articleBody']/..")


def named_elements(tree: HtmlElement) -> list[NamedElement]:
    """Elements with a class, an id or itemprop="articleBody", in document order, with their tag, class and id."""
    return [(element, element.tag, element.get("class", ""), element.get("id", "")) for element in _NAMED(tree)]
