"""Labelled bylines: the author named by a label in running text, in no marked element.

"von Andreas Kürten", "Ein Artikel von <strong>Pamela Sladky</strong> | 27.01.2022", "<h5>Autor: </h5>Peter
Maahn": the last source `byline.choose_authors` tries, so it asks more of what it reads than the marked
byline does (full names only, never in footers, captions, asides or comment threads).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.blocks import block_texts
from crawler.extract.names import MAX_BYLINE_CHARS, MIN_BYLINE_CHARS, NAME_PARTICLES, split_names
from crawler.textnorm import fold_whitespace

# Byline labels that begin a text node, as bylines write them; the name follows in the same text or in the
# next element.
_BYLINE_LABELS = (
    "By ", "by ", "BY ", "Von ", "von ", "VON ", "Par ", "par ", "Por ", "por ", "Door ", "door ", "By:", "Von:",
    "Autor:", "Autorin:", "Author:", "Auteur:", "Text:", "Text von", "Ein Artikel von", "Ein Beitrag von",
    "Written by", "Posted by", "Автор:", "Текст:", "מאת", "بقلم", "كتب",
)
# ... or a short phrase ending in "by" ("Eine Kolumne von", "A column by"), unless it credits a picture.
_PHRASE_BY = r"(?:[^\W\d]+\s+){1,2}(?:von|by|par|por|door)\s"
# A dash or bar may set the byline off from what precedes it in the same text ("| By Cara Stiles").
_LABEL_AT_START = re.compile(
    r"[\s\-–—|·•]*(?P<label>" + "|".join([*(re.escape(label) for label in _BYLINE_LABELS), _PHRASE_BY]) + ")"
)
_PICTURE_CREDIT = re.compile(r"foto|photo|bild|illustration|image|video|grafik|karte|map|icon|theme|powered|design", re.IGNORECASE)
# A word of four letters or more ending a sentence is not in a name ("ThemeGrill. Bereitgestellt").
_NOT_IN_A_NAME = re.compile(r"\w{4,}\.(?:\s|$)")
# Letters, and the full stops, apostrophes and hyphens inside names; no quotes, colons or arrows.
_WRITTEN_IN_NAME_CHARACTERS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .'’-])*$")
_CHROME_TAGS = frozenset({"footer", "figcaption", "aside", "nav"})
_CHROME_NAMES = ("footer", "copyright", "caption", "credit", "comment")
# Labelled texts read before giving up: the byline is near the headline, later ones are comments and teasers.
MAX_LABELLED_TEXTS = 5
# Text nodes looked at after the headline (or from the top of a body without one) for those labels: a byline
# sits within the first screen of text. Under the headline, twice as many nodes are walked, about half of them
# blank; blank ones and scripts are not read.
MAX_TEXTS_AFTER_HEADLINE = 150
MAX_TEXTS_WITHOUT_HEADLINE = 400
_SHOWN = "[normalize-space()][not(parent::script or parent::style)]"
# The position test comes first: libxml2 then stops walking the document there.
_TEXTS_AFTER = etree.XPath(f"following::text()[position() <= {MAX_TEXTS_AFTER_HEADLINE * 2}]{_SHOWN}")
_TEXTS_IN_BODY = etree.XPath(f"(//body//text(){_SHOWN})[position() <= {MAX_TEXTS_WITHOUT_HEADLINE}]")


def labelled_byline(tree: HtmlElement) -> list[str]:
    """A byline known by its label only, in no marked element: "von Andreas Kürten", "Ein Artikel von
    <strong>Pamela Sladky</strong> | 27.01.2022", "<h5>Autor: </h5>Peter Maahn". The last resort, so it asks
    more of what it reads: the first labelled text under the headline, and the full names (two words or more,
    each capitalised) it starts with, up to the first entry that is not one ("Autorin: Uta Staschewski,
    Projektleiterin der HSS"). "By clicking …" and "Von Montag bis Freitag" are not names."""
    labelled = (
        (text, element, label)
        for text, element in _texts_in_order(tree)
        if (label := _LABEL_AT_START.match(text)) is not None
    )
    for _text, element, label in itertools.islice(labelled, MAX_LABELLED_TEXTS):
        if _in_credits_or_chrome(element) or _PICTURE_CREDIT.search(label["label"]):
            continue
        word = label["label"].strip()
        rest = ""
        for container in (element, element.getparent()):
            content = "\n".join(block_texts(container)) if container is not None else ""
            start = content.find(word)
            # The byline is the first line with text after the label ("<b>Von:</b><br><br>Götz Warnke"), and ends
            # with it: a dateline or the story may follow a <br> ("… Drescher<br>Kakuma").
            lines = content[start + len(word) :].split("\n") if start >= 0 else []
            line = next((line for line in lines if line.strip(" :")), "")
            rest = fold_whitespace(line).strip(" :")[:MAX_BYLINE_CHARS]
            if len(rest) > MIN_BYLINE_CHARS:
                break
        names = list(itertools.takewhile(_a_full_name, split_names(rest)))
        if names:
            return names
    return []


def _texts_in_order(tree: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
    """The shown text nodes under the headline (from the top of the body without one), in document order,
    with the element each one is shown in (a tail belongs to its element's parent); a screen's worth of them.
    libxml2 picks them: walking the elements from Python costs a millisecond a page."""
    headline = next((h1 for h1 in tree.iter("h1") if not _blank(h1)), None)  # an empty <h1> holds a logo
    try:
        texts = _TEXTS_AFTER(headline) if headline is not None else _TEXTS_IN_BODY(tree)
    except etree.XPathError:
        return
    for text in texts:
        element = text.getparent()
        if text.is_tail and element is not None:
            element = element.getparent()
        if element is not None:
            yield str(text), element


def _blank(element: HtmlElement) -> bool:
    return not any(piece.strip() for piece in element.itertext())


def _a_full_name(name: str) -> bool:
    """Two words or more, each capitalised (or in a script without case), of letters and the marks inside
    names; no word that ends a sentence ("ThemeGrill. Bereitgestellt")."""
    words = [word for word in name.split() if word.casefold() not in NAME_PARTICLES]
    if len(words) < 2 or _NOT_IN_A_NAME.search(name) or not _WRITTEN_IN_NAME_CHARACTERS.match(name):
        return False
    return all(word[0].isalpha() and not word[0].islower() for word in words)


def _in_credits_or_chrome(element: HtmlElement) -> bool:
    """Inside a footer, caption, aside or comment thread: "by" there credits a theme, a photo or a reader."""
    for node in (element, *element.iterancestors()):
        if node.tag in ("body", "html"):  # their classes describe the page ("cb-footer-dark"), not a part of it
            return False
        names = f"{node.get('class') or ''} {node.get('id') or ''}".lower()
        if node.tag in _CHROME_TAGS or any(word in names for word in _CHROME_NAMES):
            return True
    return False
