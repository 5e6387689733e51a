"""The pieces every digest read shares: the window filter, the Wikipedia test, the heavy columns left unread."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import defer

from crawler.digest.window import Window
from storage.models import Article

# Wikipedia pages are stored as articles of this outlet; their revisions get their own section.
WIKIPEDIA_OUTLET = "wikipedia"
# Columns no digest section shows: the binary ones, and the JSON ones each loaded row would otherwise decode.
HEAVY_COLUMNS = tuple(
    defer(column) for column in (Article.pdf, Article.signature, Article.authors, Article.keywords, Article.field_sources, Article.discovered_via)
)


def within_window(column: Any, window: Window) -> ColumnElement[bool]:
    return (column >= window.start) & (column < window.end)


def is_wiki() -> ColumnElement[bool]:
    return or_(Article.outlet == WIKIPEDIA_OUTLET, Article.wiki_lang.is_not(None))
