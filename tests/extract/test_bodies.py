"""Bodies doubled (issue 15, item 3a) on a constructed page (tests/fixtures/pages, see its README) and small
texts: a JSON-LD articleBody holding the article twice. The page's expected text is written beside it
(`*.expected.txt`, from the article's source paragraphs, not from an extraction)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract.article import extract_html
from crawler.extract.repetition import without_repetition

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"

FIRST = "Первый абзац о встрече в Москве, где обсуждали обмен заложниками и гуманитарную помощь."
SECOND = "Второй абзац с подробностями переговоров и заявлениями официальных лиц обеих сторон."
ONCE = f"{FIRST}\n{SECOND}"


def _extract(name: str, url: str) -> tuple[str, str]:
    article = extract_html((PAGES / name).read_bytes(), url)
    return article.text, article.extraction_method


def _expected(name: str) -> str:
    return (PAGES / name.replace(".html", ".expected.txt")).read_text(encoding="utf-8").strip()


# ---------------------------------------------------------------------------------------------------------
# 3a: the article twice in a structured body


@pytest.mark.parametrize(
    ("doubled", "once"),
    [
        (f"{ONCE}\n{ONCE}", ONCE),  # paragraphs, then the same paragraphs
        (f"{FIRST} {SECOND} {FIRST} {SECOND}", f"{FIRST} {SECOND}"),  # one line: X + space + X
        (f"{FIRST} {SECOND}{FIRST} {SECOND}", f"{FIRST} {SECOND}"),  # glued: X + X
        (f"{FIRST} {SECOND} {FIRST}\n{SECOND}", ONCE),  # a flat copy, then the paragraphed one: that one is kept
        (f"{ONCE}\n{FIRST} {SECOND}", ONCE),  # the paragraphed copy, then a flat one
        (f"{FIRST}\n{FIRST}\n{SECOND}\n{SECOND}", ONCE),  # every paragraph twice in place
    ],
)
def test_an_article_written_twice_is_kept_once(doubled: str, once: str) -> None:
    assert without_repetition(doubled) == once


def test_what_surrounds_the_two_copies_stays() -> None:
    assert without_repetition(f"{ONCE}\n{ONCE}\nReporting by Anna Petrova.") == f"{ONCE}\nReporting by Anna Petrova."
    assert without_repetition(f"{FIRST} {SECOND} {FIRST} {SECOND} Reporting by Anna.") == f"{FIRST} {SECOND} Reporting by Anna."
    assert without_repetition(f"Kicker line\n{ONCE}\n{ONCE}") == f"Kicker line\n{ONCE}"
    assert without_repetition("Yes.\nYes.\nNo.\nNo.") == "Yes.\nNo."  # every paragraph doubled, however short


@pytest.mark.parametrize(
    "text",
    [
        ONCE,
        f"{FIRST}\n{SECOND}\n{FIRST}",  # a paragraph quoted again later is the writer's
        "Yes.\nYes.\nThen the delegation left the Kremlin without a statement.",  # a short repetition may be meant
        f"{FIRST} {SECOND} {FIRST} {SECOND}xyz",  # not on a word boundary: not a second copy
    ],
)
def test_text_without_a_second_copy_is_unchanged(text: str) -> None:
    assert without_repetition(text) == text


def test_a_doubled_jsonld_article_body_does_not_double_the_page_text() -> None:
    """tass.com layout whose articleBody is the body flat, the body paragraphed, and a standard line: taken as
    it was, it covered trafilatura's text and was twice as long, so it replaced it (the text twice)."""
    name = "en_tass_constructed_doubled_articlebody.html"
    text, method = _extract(name, "https://tass.com/politics/1891745")
    assert text == _expected(name)
    assert method == "trafilatura"
