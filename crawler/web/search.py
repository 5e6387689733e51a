"""Full-text search over articles that finds Hebrew and Arabic words with attached prefixes.

Hebrew and Arabic glue prefixes to words (ו/ה/ב/ל/ש…, و/ف/ب/ل/ال…), so a word tokenizer never matches
ממשלה against והממשלה. The index is a trigram index instead (SQLite FTS5 `trigram` from migration 0003;
PostgreSQL pg_trgm on the stored articles.search_document from migration 0006), which matches any substring:
the word inside its prefixed form. Text and query are folded alike: niqqud, harakat, tatweel and bidi controls
removed, Arabic letter variants unified. On PostgreSQL the document is also stored lower-cased, so the index's
recheck is a plain LIKE over one stored string, not a fold of three columns per candidate row.

Every user value reaches the database as a bound parameter; FTS5 query syntax is neutralised by quoting
each term as an FTS5 string.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, and_, column, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from crawler.textnorm import fold_for_search
from storage.models import Article

# The trigram index can only answer terms of at least three characters; shorter ones are scanned with LIKE.
TRIGRAM = 3
# A search box is not a bulk interface: enough terms for a phrase, short enough to keep queries cheap.
MAX_TERMS = 8
MAX_TERM_CHARS = 100
MAX_QUERY_CHARS = 500

_fts = table("articles_fts", column("rowid", Integer), column("title"), column("body"))


def search_terms(query: str) -> list[str]:
    """Folded, whitespace-separated terms of a query, bounded in number and length."""
    terms = fold_for_search(query[:MAX_QUERY_CHARS]).split()
    return [term[:MAX_TERM_CHARS] for term in terms[:MAX_TERMS]]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_string(term: str) -> str:
    """A term as an FTS5 string literal: inside double quotes nothing is syntax (quotes are doubled)."""
    return '"' + term.replace('"', '""') + '"'


def document_match(document: ColumnElement[str | None], terms: list[str]) -> ColumnElement[bool]:
    """PostgreSQL: every term inside the stored search document (migration 0006), as the trigram index answers."""
    # lower() on the pattern in the database: the case mapping the trigger stored the document with.
    return and_(*(document.like(func.lower(_like_pattern(term)), escape="\\") for term in terms))


def search_condition(session: Session, query: str) -> ColumnElement[bool] | None:
    """A WHERE condition on Article matching every term of `query`, or None for an empty query."""
    terms = search_terms(query)
    if not terms:
        return None
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        conditions = []
        long_terms = [term for term in terms if len(term) >= TRIGRAM]
        if long_terms:
            match = " ".join(_fts_string(term) for term in long_terms)  # FTS5: juxtaposed strings are ANDed
            conditions.append(Article.id.in_(select(_fts.c.rowid).where(literal_column("articles_fts").op("MATCH")(match))))
        for term in terms:
            if len(term) < TRIGRAM:
                pattern = _like_pattern(term)
                conditions.append(
                    Article.id.in_(
                        select(_fts.c.rowid).where(or_(_fts.c.title.like(pattern, escape="\\"), _fts.c.body.like(pattern, escape="\\")))
                    )
                )
        return and_(*conditions)
    if dialect == "postgresql":
        return document_match(Article.search_document, terms)
    # Any other backend: no index and no folding, but still correct for unpointed text.
    return and_(*(or_(Article.title.ilike(_like_pattern(t), escape="\\"), Article.text.ilike(_like_pattern(t), escape="\\")) for t in terms))


def _folded_with_positions(text: str) -> tuple[str, list[int] | None]:
    """The folded, casefolded text and, per folded character, the index of its source character.

    None for the positions means "the same as in `text`": the common case (no marks, no case folding that
    changes length) costs one pass instead of one per character.
    """
    stripped = fold_for_search(text)
    folded = stripped.casefold()
    # Folds are one-to-one and casefold only ever lengthens: equal lengths mean every offset is unchanged.
    if len(stripped) == len(text) and len(folded) == len(text):
        return folded, None
    chars: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        for piece in fold_for_search(char).casefold():
            chars.append(piece)
            positions.append(index)
    return "".join(chars), positions


def term_spans(text: str, query: str) -> list[tuple[int, int]]:
    """(start, end) offsets in the ORIGINAL text of every occurrence of the query's terms, as the index sees them."""
    folded, positions = _folded_with_positions(text)
    spans = []
    for term in search_terms(query):
        needle = term.casefold()
        start = folded.find(needle)
        while needle and start >= 0:
            if positions is None:
                spans.append((start, start + len(needle)))
                start = folded.find(needle, start + len(needle))
                continue
            end = positions[start + len(needle) - 1] + 1
            while end < len(text) and not fold_for_search(text[end]):  # keep a letter's points with it
                end += 1
            spans.append((positions[start], end))
            start = folded.find(needle, start + len(needle))
    return sorted(spans)
