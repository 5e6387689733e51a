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

from functools import lru_cache

from sqlalchemy import ColumnElement, Integer, and_, any_, bindparam, column, func, literal_column, or_, select, table
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from crawler.textnorm import fold_for_search
from storage.models import Article

# The trigram index can only answer terms of at least three characters; shorter ones are scanned with LIKE.
TRIGRAM = 3
# A search box is not a bulk interface: enough terms for a phrase, short enough to keep queries cheap.
MAX_TERMS = 8
MAX_TERM_CHARS = 100
MAX_QUERY_CHARS = 500

# SQLite window checks: a window whose rowid range is at most this many times its size is searched by FTS5
# over that range; bound parameters per statement stay well under SQLite's limit.
ALIGNED_RANGE = 4
SQLITE_IDS_PER_STATEMENT = 500

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


def _fts_conditions(terms: list[str]) -> list[ColumnElement[bool]]:
    """SQLite: conditions on one articles_fts row matching every term (FTS5 for 3+ characters, LIKE below)."""
    conditions: list[ColumnElement[bool]] = []
    long_terms = [term for term in terms if len(term) >= TRIGRAM]
    if long_terms:
        match = " ".join(_fts_string(term) for term in long_terms)  # FTS5: juxtaposed strings are ANDed
        conditions.append(literal_column("articles_fts").op("MATCH")(match))
    for term in terms:
        if len(term) < TRIGRAM:
            pattern = _like_pattern(term)
            conditions.append(or_(_fts.c.title.like(pattern, escape="\\"), _fts.c.body.like(pattern, escape="\\")))
    return conditions


def search_condition(session: Session, query: str) -> ColumnElement[bool] | None:
    """A WHERE condition on Article matching every term of `query`, or None for an empty query."""
    terms = search_terms(query)
    if not terms:
        return None
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return Article.id.in_(select(_fts.c.rowid).where(*_fts_conditions(terms)))
    if dialect == "postgresql":
        return document_match(Article.search_document, terms)
    # Any other backend: no index and no folding, but still correct for unpointed text.
    return and_(*(or_(Article.title.ilike(_like_pattern(t), escape="\\"), Article.text.ilike(_like_pattern(t), escape="\\")) for t in terms))


def matching_among(session: Session, query: str, ids: list[int]) -> set[int]:
    """Which of `ids` (one window of the newest-first walk) match every term of `query`."""
    terms = search_terms(query)
    if not ids or not terms:
        return set()
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return _fts_matching_among(session, terms, ids)
    if dialect == "postgresql":
        # Materialized, so the planner reads the window's documents by id instead of turning the LIKE into a
        # trigram-index scan over every candidate of a common word in the store.
        window = (
            select(Article.id, Article.search_document)
            .where(Article.id == any_(bindparam("ids", ids, type_=ARRAY(Integer))))
            .cte("window")
            .prefix_with("MATERIALIZED")
        )
        return set(session.scalars(select(window.c.id).where(document_match(window.c.search_document, terms))))
    condition = search_condition(session, query)
    return set(session.scalars(select(Article.id).where(Article.id.in_(ids), condition)))


def _fts_matching_among(session: Session, terms: list[str], ids: list[int]) -> set[int]:
    """SQLite: which of `ids` match, at a cost set by the window, not by the word's matches in the whole store."""
    if max(ids) - min(ids) < ALIGNED_RANGE * len(ids):
        # FTS5 seeks its doclists to a rowid range. Ids grow with first_seen as articles are crawled, so a window
        # of the newest articles is a narrow range.
        rowid_range = (_fts.c.rowid >= min(ids), _fts.c.rowid <= max(ids))
        return set(session.scalars(select(_fts.c.rowid).where(*_fts_conditions(terms), *rowid_range))) & set(ids)
    # Ids that do not follow time (history imported in bulk) would make the range the whole store, and FTS5
    # answers `rowid IN (...) AND MATCH` by one doclist seek per id. The window's indexed text is read instead
    # and searched here, case-folded as FTS5 folds it (and as term_spans highlights it).
    needles = [term.casefold() for term in terms]
    found: set[int] = set()
    for start in range(0, len(ids), SQLITE_IDS_PER_STATEMENT):
        chunk = ids[start : start + SQLITE_IDS_PER_STATEMENT]
        for rowid, title, body in session.execute(select(_fts.c.rowid, _fts.c.title, _fts.c.body).where(_fts.c.rowid.in_(chunk))):
            title, body = (title or "").casefold(), (body or "").casefold()
            if all(needle in title or needle in body for needle in needles):
                found.add(rowid)
    return found


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
        piece = _folded_char(char)
        chars.append(piece)
        positions.extend([index] * len(piece))
    return "".join(chars), positions


@lru_cache(maxsize=4096)
def _folded_char(char: str) -> str:
    """One character folded as the search folds it: a page of text has a few hundred distinct characters."""
    return fold_for_search(char).casefold()


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
            while end < len(text) and not _folded_char(text[end]):  # keep a letter's points with it
                end += 1
            spans.append((positions[start], end))
            start = folded.find(needle, start + len(needle))
    return sorted(spans)
