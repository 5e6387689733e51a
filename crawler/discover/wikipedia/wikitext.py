"""Wikitext to plain text, pure: the blocks (headings and paragraphs) a revision's prose is made of."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import mwparserfromhell

from crawler.textnorm import fold_whitespace


# Tags whose content is not article prose: footnotes, galleries, tables (their cells read as noise), formulas.
_DROP_TAGS = frozenset(
    {"ref", "references", "gallery", "table", "math", "chem", "score", "timeline", "syntaxhighlight", "templatestyles",
     "mapframe", "graph", "imagemap", "noinclude"}
)  # fmt: skip
# Links into these namespaces are images or categories, not words of the text: English canonical names plus the
# local names on the Arabic, Hebrew and Russian wikis.
_NON_TEXT_NAMESPACES = frozenset(
    {"file", "image", "media", "category", "ملف", "صورة", "تصنيف", "קובץ", "תמונה", "קטגוריה", "файл", "изображение",
     "категория"}
)  # fmt: skip
# [[ar:...]]-style interlanguage links (old style, still in some pages): a language code before the colon.
_INTERLANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z]+)*$")
# Magic words such as __NOTOC__ are rendering switches.
_MAGIC_WORD = re.compile(r"__[A-Z]+__")
# Marks a heading line between conversion and splitting: a private-use character, never in article text
# (the parser drops control characters such as NUL).
_HEADING_MARK = "\ue000"


@dataclass(frozen=True)
class Block:
    """One line of the plain text: a section heading or a paragraph (list items are paragraphs too)."""

    text: str
    heading: bool = False


def _remove(code: Any, node: Any) -> None:
    try:
        code.remove(node)
    except ValueError:
        pass  # already gone with an enclosing node


def _lang_template_text(template: Any) -> str | None:
    """{{lang|ar|نص}} / {{lang-ar|نص}}: the words are article text, unlike other templates."""
    name = str(template.name).strip().lower()
    if not (name == "lang" or name.startswith("lang-")):
        return None
    positional = [param for param in template.params if not param.showkey]
    if not positional:
        return None
    return str(positional[-1].value)


def wikitext_blocks(wikitext: str) -> list[Block]:
    """Headings and paragraphs of a page's wikitext, without references, templates, images and categories."""
    code = mwparserfromhell.parse(wikitext)
    for tag in code.filter_tags(recursive=True):
        if str(tag.tag).strip().lower() in _DROP_TAGS:
            _remove(code, tag)
    for link in code.filter_wikilinks(recursive=True):
        title = str(link.title).strip()
        if title.startswith(":") or ":" not in title:
            continue
        prefix = title.split(":", 1)[0].strip().lower()
        if prefix in _NON_TEXT_NAMESPACES or _INTERLANGUAGE.match(prefix):
            _remove(code, link)
    for template in code.filter_templates(recursive=False):
        text = _lang_template_text(template)
        if text is not None:
            code.replace(template, text)
    for heading in code.filter_headings(recursive=False):
        title = fold_whitespace(mwparserfromhell.parse(str(heading.title)).strip_code())
        code.replace(heading, f"\n{_HEADING_MARK}{title}\n")
    text = _MAGIC_WORD.sub("", code.strip_code(normalize=True, collapse=True))
    blocks: list[Block] = []
    for line in text.splitlines():
        is_heading = line.startswith(_HEADING_MARK)
        cleaned = fold_whitespace(line.replace(_HEADING_MARK, "")).strip(" *#:;")
        if any(char.isalpha() for char in cleaned):
            blocks.append(Block(cleaned, heading=is_heading))
    return blocks


def plain_text(blocks: Iterable[Block]) -> str:
    """One block per line: what is stored as the article's text."""
    return "\n".join(block.text for block in blocks)
